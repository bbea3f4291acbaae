//! Findings from what each node's own KohakuRiver unit and config say:
//! `config_unreadable`, `shared_dir_differs` and `unit_not_ordered`.

use std::collections::BTreeMap;

use super::hints::{self, Vars};
use super::{Code, Finding};
use crate::facts::{NodeFacts, Role, SharedDirSource};
use crate::probe::parse::persist::systemd_escape_path;

pub(super) fn findings(nodes: &[NodeFacts]) -> Vec<Finding> {
    let mut out: Vec<Finding> = nodes.iter().filter_map(config_unreadable).collect();
    out.extend(shared_dir_differs(nodes));
    out.extend(nodes.iter().filter_map(unit_not_ordered));
    out
}

/// `/a/b/` and `/a/b` are the same folder; `/` stays `/`.
fn normalise(dir: &str) -> &str {
    let trimmed = dir.trim_end_matches('/');
    if trimmed.is_empty() && dir.starts_with('/') {
        "/"
    } else {
        trimmed
    }
}

/// Where the SHARED_DIR rivershare uses for `node` came from, in words.
fn dir_origin(node: &NodeFacts) -> &'static str {
    match node.shared_dir_source {
        SharedDirSource::Config => "set in rivershare's config",
        SharedDirSource::Kohakuriver => "read from the node's KohakuRiver config",
        SharedDirSource::Default => "KohakuRiver's default",
    }
}

fn config_unreadable(node: &NodeFacts) -> Option<Finding> {
    let k = node.kohakuriver.as_ref()?;
    if k.problems.is_empty() {
        return None;
    }
    let mut f = Finding::catalogued(
        Code::ConfigUnreadable,
        &node.name,
        "its KohakuRiver config cannot be fully read",
        &Vars::for_node(node),
    );
    let dir = &node.shared_dir;
    for p in &k.problems {
        let at = p.line.map_or_else(String::new, |l| format!("line {l}: "));
        let used = if p.message.starts_with("CONTAINER_") {
            format!(
                "the tarball folder defaults to {}",
                crate::kohakuriver::default_tarball_dir(dir)
            )
        } else {
            format!("rivershare uses SHARED_DIR {dir} ({})", dir_origin(node))
        };
        f.evidence
            .push(format!("{}: {at}{}; {used}", node.name, p.message));
    }
    Some(f)
}

fn shared_dir_differs(nodes: &[NodeFacts]) -> Option<Finding> {
    let mut groups: BTreeMap<&str, Vec<&NodeFacts>> = BTreeMap::new();
    for n in nodes.iter().filter(|n| n.reachable) {
        groups.entry(normalise(&n.shared_dir)).or_default().push(n);
    }
    if groups.len() < 2 {
        return None;
    }
    // The reference is the Host's path; without a reachable Host, the most common one.
    let reference = groups
        .iter()
        .max_by_key(|(_, m)| (m.iter().any(|n| n.role == Role::Host), m.len()))
        .map(|(dir, _)| (*dir).to_owned())?;
    let host = nodes
        .iter()
        .find(|n| n.reachable && n.role == Role::Host && normalise(&n.shared_dir) == reference);
    let others: Vec<&NodeFacts> = groups
        .iter()
        .filter(|(dir, _)| **dir != reference)
        .flat_map(|(_, m)| m.iter().copied())
        .collect();
    let first = others.first()?;
    // The reference first, then the others.
    let paths: Vec<&str> = std::iter::once(reference.as_str())
        .chain(groups.keys().copied().filter(|d| *d != reference))
        .collect();
    let vars_for = |n: &NodeFacts| {
        Vars::for_node(n)
            .with("dir", &reference)
            .with("target", &n.shared_dir)
    };
    let mut f = Finding::catalogued(
        Code::SharedDirDiffers,
        &first.name,
        // Two paths read well side by side; more go to the evidence, one per line.
        if paths.len() == 2 {
            format!("SHARED_DIR differs between nodes: {}", paths.join(" vs "))
        } else {
            format!(
                "SHARED_DIR differs between nodes: {} paths (the Host's: {reference})",
                paths.len()
            )
        },
        // The prose names every node that differs; the commands are per node below.
        &vars_for(first).with(
            "node",
            &crate::report::nodeset::fold(
                &others.iter().map(|n| n.name.as_str()).collect::<Vec<_>>(),
            ),
        ),
    );
    f.nodes = others.iter().map(|n| n.name.clone()).collect();
    let entry = hints::entry(Code::SharedDirDiffers);
    f.commands = others
        .iter()
        .flat_map(|n| entry.map_or_else(Vec::new, |e| vars_for(n).commands(e.fix_commands)))
        .collect();
    f.debug_commands = others
        .iter()
        .flat_map(|n| entry.map_or_else(Vec::new, |e| Vars::for_node(n).commands(e.debug)))
        .collect();
    // The paths side by side, the reference first.
    let mut ordered: Vec<(&str, &Vec<&NodeFacts>)> = groups.iter().map(|(d, m)| (*d, m)).collect();
    ordered.sort_by_key(|(d, _)| *d != reference);
    for (dir, members) in ordered {
        let names: Vec<&str> = members.iter().map(|n| n.name.as_str()).collect();
        let mark = if dir == reference && host.is_some() {
            "   (the Host's)"
        } else {
            ""
        };
        f.evidence.push(format!("{}: {dir}{mark}", names.join(",")));
    }
    // A node whose own KohakuRiver config names another folder than the one checked.
    for n in nodes.iter().filter(|n| n.reachable) {
        if let Some(own) = n.kohakuriver.as_ref().and_then(|k| k.shared_dir.as_deref())
            && normalise(own) != normalise(&n.shared_dir)
        {
            f.evidence.push(format!(
                "{}: its KohakuRiver config says SHARED_DIR {own}, rivershare checks {} ({})",
                n.name,
                n.shared_dir,
                dir_origin(n)
            ));
        }
    }
    Some(f)
}

/// `path` (from RequiresMountsFor=) is `dir` or one of its parents.
fn covers(path: &str, dir: &str) -> bool {
    let (path, dir) = (normalise(path), normalise(dir));
    path == "/" || dir == path || dir.strip_prefix(path).is_some_and(|r| r.starts_with('/'))
}

/// `dir` written for a unit file: `%` doubled (systemd specifiers), and quoted
/// when it has whitespace, quotes or backslashes.
fn unit_file_value(dir: &str) -> String {
    let dir = dir.replace('%', "%%");
    if dir.contains(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '\\')) {
        format!("\"{}\"", dir.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        dir
    }
}

fn unit_not_ordered(node: &NodeFacts) -> Option<Finding> {
    if !node.reachable {
        return None;
    }
    let unit = node.kohakuriver.as_ref()?.unit.as_ref()?;
    let dir = &node.shared_dir;
    if unit.requires_mounts_for.iter().any(|p| covers(p, dir)) {
        return None;
    }
    let mut waits_for = vec!["remote-fs.target".to_owned()];
    for point in [
        Some(dir.as_str()),
        node.probe
            .as_ref()
            .and_then(|p| p.mount.as_ref())
            .map(|m| m.target.as_str()),
    ]
    .into_iter()
    .flatten()
    {
        waits_for.push(format!("{}.mount", systemd_escape_path(point)));
    }
    if unit.ordered_after.iter().any(|u| waits_for.contains(u)) {
        return None;
    }
    let vars = Vars::for_node(node).with("unit", &unit.name);
    let mut f = Finding::catalogued(
        Code::UnitNotOrdered,
        &node.name,
        format!("{} does not wait for {dir} to be mounted", unit.name),
        // The fix writes SHARED_DIR into a unit file: escaped for systemd there.
        &vars.clone().with("dir", &unit_file_value(dir)),
    );
    f.debug_commands =
        hints::entry(Code::UnitNotOrdered).map_or_else(Vec::new, |e| vars.commands(e.debug));
    let listed = |v: &[String]| {
        if v.is_empty() {
            "none".to_owned()
        } else {
            v.join(" ")
        }
    };
    f.evidence.push(format!(
        "{}: {}: RequiresMountsFor={}; After/Requires/BindsTo/Wants={}",
        node.name,
        unit.name,
        listed(&unit.requires_mounts_for),
        listed(&unit.ordered_after)
    ));
    Some(f)
}

#[cfg(test)]
#[path = "kohakuriver_tests.rs"]
mod tests;
