//! `not_shared`: a reachable node outside the shared group, or every node of a split.
//!
//! A node whose every cell was skipped (unreachable, SHARED_DIR missing, ...) gets
//! no `not_shared`: verification learnt nothing about it, and its own finding
//! already says why. Titles, hints and commands depend only on things identical
//! for every node with the same problem (the catalogue's `not_shared` entry names
//! no role-specific value such as `{unit}`), so those nodes group into one finding;
//! the per-node detail goes into the evidence.

use super::super::hints::Vars;
use super::super::{Code, Finding};
use crate::facts::NodeFacts;
use crate::report::nodeset::fold;
use crate::verify::matrix::Cells;
use crate::verify::{Cell, CellStatus, VerifyReport};

pub(super) fn findings(nodes: &[NodeFacts], verify: &VerifyReport) -> Vec<Finding> {
    let cells = Cells::new(&verify.matrix);
    let names: Vec<String> = nodes.iter().map(|n| n.name.clone()).collect();
    let mut out = Vec::new();
    for node in nodes {
        let name = node.name.as_str();
        let attempted = verify
            .matrix
            .iter()
            .any(|c| (c.writer == name || c.reader == name) && c.status != CellStatus::Skipped);
        if !node.reachable || !attempted {
            continue;
        }
        let vars = Vars::for_node_in(node, nodes);
        let finding = if verify.split {
            split(node, verify, &vars)
        } else if verify
            .shared
            .as_ref()
            .is_some_and(|s| s.contains(&node.name))
        {
            continue;
        } else {
            outside(node, verify, &cells, &names, &vars)
        };
        out.push(with_cell_evidence(finding, name, &verify.matrix));
    }
    out
}

fn folded(group: &[String]) -> String {
    let names: Vec<&str> = group.iter().map(String::as_str).collect();
    fold(&names)
}

fn split(node: &NodeFacts, verify: &VerifyReport, vars: &Vars) -> Finding {
    let size = verify.groups.first().map_or(0, Vec::len);
    let tied: Vec<String> = verify
        .groups
        .iter()
        .filter(|g| g.len() == size)
        .map(|g| folded(g))
        .collect();
    let mut finding = Finding::catalogued(Code::NotShared, &node.name, format!(
            "cluster is split: {} groups of {size} node{} do not see each other's files",
            tied.len(),
            if size == 1 { "" } else { "s" }
        ), vars).refine(format!(
            "Verification found equally large groups of nodes that see each other's files but not the other \
             groups': {}. rivershare cannot tell which one is the real shared storage, so every group is \
             suspect: the Host's tarballs and task logs reach only the nodes of its own group. Compare what \
             each group mounts at SHARED_DIR.",
            tied.join(" | ")
        ));
    let group = verify.groups.iter().find(|g| g.contains(&node.name));
    finding.evidence.push(match group {
        Some(g) => format!("{}: in group {}", node.name, folded(g)),
        None => format!("{}: in no group", node.name),
    });
    finding
}

fn outside(
    node: &NodeFacts,
    verify: &VerifyReport,
    cells: &Cells<'_>,
    names: &[String],
    vars: &Vars,
) -> Finding {
    let name = node.name.as_str();
    let shared = verify.shared.as_deref().map(folded);
    let shared_text = shared.as_deref().map_or_else(
        || "No group of nodes sees each other's files.".to_owned(),
        |s| format!("The shared storage (the largest group of nodes that see each other) is {s}."),
    );
    let group = verify
        .groups
        .iter()
        .find(|g| g.len() >= 2 && g.contains(&node.name));
    if let Some(group) = group {
        let members = folded(group);
        return Finding::catalogued(Code::NotShared, name, format!("separate storage: only {members} see each other's files"), vars).refine(format!(
                "These nodes see each other's files but not those of the shared storage, so they mount \
                 another export, another server, or the same path on a different volume. {shared_text} \
                 Tasks scheduled here miss the Host's tarballs (\"Tarball not found\") and their logs never \
                 reach the Host."
            ));
    }
    let others: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|o| *o != name && cells.confirmed(name, o) && !cells.conflict(name, o))
        .collect();
    let involving = |status: CellStatus| {
        verify
            .matrix
            .iter()
            .any(|c| (c.writer == name || c.reader == name) && c.status == status)
    };
    let separated = involving(CellStatus::Missing) || involving(CellStatus::Mismatch);
    if cells.self_failed(name) {
        return Finding::catalogued(Code::NotShared, name, "cannot read back its own file on SHARED_DIR", vars).refine(format!(
                "The node wrote its verification token into SHARED_DIR but reading it back by the same path \
                 failed: the storage loses or hides writes (failing server, stale handle, broken FUSE \
                 daemon). {shared_text}"
            ));
    }
    if !separated {
        return Finding::catalogued(Code::NotShared, name, "not verified: reading the other nodes' files failed", vars).refine(format!(
                "Every read of another node's token failed with an error (see the evidence and this node's \
                 other findings), so rivershare cannot confirm it shares the storage. {shared_text}"
            ));
    }
    if others.is_empty() {
        let own_ok = cells
            .get(name, name)
            .is_some_and(|c| c.status == CellStatus::Ok);
        return Finding::catalogued(Code::NotShared, name, if own_ok {
                "sees only itself: SHARED_DIR is on local disk".to_owned()
            } else {
                "sees no other node's files: SHARED_DIR is on local disk".to_owned()
            }, vars).refine(format!(
                "No other node sees this node's files and it sees none of theirs, so its SHARED_DIR is \
                 local: a Runner that came up before the network (its mount failed and it wrote to the \
                 empty mount point), an empty mount point, or a tmpfs. Everything KohakuRiver writes here \
                 is invisible to the rest of the cluster. {shared_text}"
            ));
    }
    Finding::catalogued(Code::NotShared, name, format!("sees only {}", fold(&others)), vars).refine(format!(
            "This node sees the files of some nodes but not of others. {shared_text} Nodes that mount \
             different exports of overlapping data, or a cache that serves stale copies, look like this; \
             the evidence lists the cells that failed."
        ))
}

/// The cells that failed between this node and others, folded, and each mismatch's detail.
fn with_cell_evidence(mut finding: Finding, name: &str, matrix: &[Cell]) -> Finding {
    // A reader's error is the reader's problem: only this node's own failed reads count.
    let reading = |status: CellStatus| -> Vec<&str> {
        matrix
            .iter()
            .filter(|c| c.reader == name && c.status == status)
            .map(|c| c.writer.as_str())
            .collect()
    };
    let its_file_missing_on: Vec<&str> = matrix
        .iter()
        .filter(|c| c.writer == name && c.reader != name && c.status == CellStatus::Missing)
        .map(|c| c.reader.as_str())
        .collect();
    let missing_reading = reading(CellStatus::Missing);
    if !its_file_missing_on.is_empty() && its_file_missing_on == missing_reading {
        finding.evidence.push(format!(
            "{name}: missing both ways with {}",
            fold(&missing_reading)
        ));
    } else {
        if !its_file_missing_on.is_empty() {
            finding.evidence.push(format!(
                "{name}: its file missing on {}",
                fold(&its_file_missing_on)
            ));
        }
        if !missing_reading.is_empty() {
            finding.evidence.push(format!(
                "{name}: missing reading the files of {}",
                fold(&missing_reading)
            ));
        }
    }
    let error_reading = reading(CellStatus::Error);
    if !error_reading.is_empty() {
        finding.evidence.push(format!(
            "{name}: error reading the files of {}",
            fold(&error_reading)
        ));
    }
    for cell in matrix
        .iter()
        .filter(|c| c.status == CellStatus::Mismatch && (c.writer == name || c.reader == name))
    {
        finding.evidence.push(format!(
            "{name}: mismatch {} -> {}: {}",
            cell.writer,
            cell.reader,
            cell.detail
                .as_deref()
                .unwrap_or("another token at the path")
        ));
    }
    finding
}
