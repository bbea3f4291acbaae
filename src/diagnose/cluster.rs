//! Findings that need more than one node's facts.

use std::collections::BTreeMap;

use super::hints::Vars;
use super::{Code, Finding};
use crate::facts::{NodeFacts, Role};
use crate::report::nodeset::fold;

/// What a node really reaches at SHARED_DIR: the mount's source plus the path of
/// SHARED_DIR below the mount point. `user@` (sshfs) and trailing slashes are
/// dropped, since they do not change which storage it is.
pub(crate) fn effective_source(node: &NodeFacts) -> Option<String> {
    let mount = node.probe.as_ref()?.mount.as_ref()?;
    if !mount.network {
        return None;
    }
    let source = match mount.source.split_once('@') {
        Some((user, rest)) if !user.contains('/') && !user.contains(':') => rest,
        _ => mount.source.as_str(),
    };
    let below = node
        .shared_dir
        .strip_prefix(mount.target.trim_end_matches('/'))
        .unwrap_or("")
        .trim_matches('/');
    let base = source.trim_end_matches('/');
    Some(if below.is_empty() {
        base.to_owned()
    } else {
        format!("{base}/{below}")
    })
}

pub(super) fn findings(nodes: &[NodeFacts]) -> Vec<Finding> {
    let mut by_source: BTreeMap<String, Vec<&NodeFacts>> = BTreeMap::new();
    for node in nodes {
        if let Some(source) = effective_source(node) {
            by_source.entry(source).or_default().push(node);
        }
    }
    if by_source.len() < 2 {
        return Vec::new();
    }
    // The reference is the biggest group; on a tie, the one the Host is in.
    let reference = by_source
        .iter()
        .max_by_key(|(_, members)| (members.len(), members.iter().any(|n| n.role == Role::Host)))
        .map(|(source, _)| source.clone())
        .unwrap_or_default();
    // Every source with the nodes that mount it, the reference first.
    let listed: Vec<String> = std::iter::once(&reference)
        .chain(by_source.keys().filter(|s| **s != reference))
        .filter_map(|source| {
            let names: Vec<&str> = by_source
                .get(source)?
                .iter()
                .map(|n| n.name.as_str())
                .collect();
            Some(format!("{source} on {}", fold(&names)))
        })
        .collect();
    let sources = format!("Sources: {}.", listed.join("; "));
    let mut out = Vec::new();
    for (source, members) in &by_source {
        if *source == reference {
            continue;
        }
        for node in members {
            out.push(
                Finding::catalogued(
                    Code::SourceMismatch,
                    &node.name,
                    format!("mounts {source}, most nodes mount {reference}"),
                    &Vars::for_node_in(node, nodes),
                )
                .refine(&sources)
                .with_evidence(format!("{} -> {source}", node.shared_dir)),
            );
        }
    }
    out
}
