//! Findings from the cross-node verification matrix: `not_shared`,
//! `slow_storage`, `storage_hung` seen while verifying, and the severity of
//! `not_mounted` judged by whether the node really shares storage.

mod shared;

use super::hints::Vars;
use super::{Code, Finding, Policy, Severity};
use crate::facts::{AccessErrorKind, NodeFacts};
use crate::verify::{CellStatus, VerifyReport, WriteStatus};

/// Add the verification findings to the per-node and cluster `findings` (not yet
/// grouped: one node per finding) and adjust the ones verification re-judges.
pub(super) fn apply(
    nodes: &[NodeFacts],
    verify: &VerifyReport,
    policy: Policy,
    findings: &mut Vec<Finding>,
) {
    let not_shared = shared::findings(nodes, verify);
    let not_shared_nodes: Vec<&str> = not_shared
        .iter()
        .flat_map(|f| f.nodes.iter().map(String::as_str))
        .collect();
    for finding in findings.iter_mut() {
        if finding.code == Code::NotMounted {
            rejudge_not_mounted(finding, nodes, &not_shared_nodes, verify);
        }
    }
    let not_shared_nodes: Vec<String> = not_shared_nodes.iter().map(|n| (*n).to_owned()).collect();
    findings.extend(not_shared);
    for node in nodes {
        let vars = Vars::for_node_in(node, nodes);
        hung_while_verifying(node, &vars, verify, findings);
        write_errors(node, &vars, verify, findings, &not_shared_nodes);
    }
    findings.extend(slow_storage(nodes, verify, policy));
}

/// `not_mounted` is a warning from the probe alone; verification decides.
fn rejudge_not_mounted(
    finding: &mut Finding,
    nodes: &[NodeFacts],
    not_shared: &[&str],
    verify: &VerifyReport,
) {
    let Some(node) = finding.nodes.first() else {
        return;
    };
    if not_shared.contains(&node.as_str()) {
        finding.severity = Severity::Critical;
        // Not the storage server after all: the probe-only caveat goes.
        finding.hint = finding.hint.replace(super::node::STORAGE_SERVER_CAVEAT, "");
        finding.hint.insert_str(
            0,
            "Verification confirms it: this node does not see the other nodes' files, nor they its. ",
        );
        return;
    }
    let verified = verify
        .shared
        .as_ref()
        .is_some_and(|s| s.len() >= 2 && s.contains(node));
    if verified {
        finding.severity = Severity::Info;
        // The catalogue's why (a Runner writing to its own disk) is what
        // verification just ruled out.
        finding.why = "Verification shows this node shares the storage even though its SHARED_DIR \
             is on a local filesystem: tarballs, shared_data/ and task logs reach the other nodes. \
             It is worth knowing, not fixing, unless the export is not the one the others mount."
            .to_owned();
        finding.hint = "No network filesystem is mounted here, yet verification shows this node and the \
             rest of the shared group read each other's files. Most likely this node is the storage server \
             and exports this local disk; then nothing is wrong. Check that the export is the one the others mount."
            .to_owned();
        // Read-only, but exportfs runs on the storage server (here, this node):
        // shown, as the catalogue shows every server-side command.
        finding.commands = vec!["sudo exportfs -v".to_owned()];
        if let Some(n) = nodes.iter().find(|n| n.name == *node) {
            finding.debug_commands =
                Vars::for_node_in(n, nodes).commands(&["findmnt -T {dir}", "cat /etc/exports"]);
        }
    }
}

/// A hung write or a hung read while verifying is `storage_hung`, even when the
/// probe itself finished in time.
fn hung_while_verifying(
    node: &NodeFacts,
    vars: &Vars,
    verify: &VerifyReport,
    findings: &mut Vec<Finding>,
) {
    let name = node.name.as_str();
    let mut evidence: Vec<String> = verify
        .writes
        .iter()
        .filter(|w| {
            w.node == name
                && w.status == WriteStatus::Error
                && w.error_kind == Some(AccessErrorKind::Hung)
        })
        .map(|w| {
            format!(
                "verify: writing its token: {}",
                w.detail.as_deref().unwrap_or("timed out")
            )
        })
        .collect();
    let hung_reads: Vec<&str> = verify
        .matrix
        .iter()
        .filter(|c| {
            c.reader == name
                && c.status == CellStatus::Error
                && c.error_kind == Some(AccessErrorKind::Hung)
        })
        .map(|c| c.writer.as_str())
        .collect();
    if !hung_reads.is_empty() {
        evidence.push(format!(
            "verify: reading the tokens of {} timed out",
            crate::report::nodeset::fold(&hung_reads)
        ));
    }
    if evidence.is_empty() {
        return;
    }
    let existing = findings
        .iter_mut()
        .find(|f| f.code == Code::StorageHung && f.nodes.iter().any(|n| n == name));
    let finding = match existing {
        Some(f) => f,
        None => {
            findings.push(Finding::catalogued(Code::StorageHung, name, format!("storage at {} hung during verification", node.shared_dir), vars).refine("The probe finished, but writing or reading a small verification file on SHARED_DIR did \
                 not within the deadline. The share is hanging intermittently or just went away: on a \
                 hard-mounted NFS share whose server is unreachable every access blocks."
                    ));
            let last = findings.len() - 1;
            &mut findings[last]
        }
    };
    for line in evidence {
        finding.evidence.push(format!("{name}: {line}"));
    }
}

/// A failed token write (not skipped, not hung) is already the probe's write-test
/// finding: it only adds evidence, unless the probe's write passed.
fn write_errors(
    node: &NodeFacts,
    vars: &Vars,
    verify: &VerifyReport,
    findings: &mut Vec<Finding>,
    not_shared: &[String],
) {
    let name = node.name.as_str();
    let Some(write) = verify.writes.iter().find(|w| {
        w.node == name
            && w.status == WriteStatus::Error
            && w.error_kind != Some(AccessErrorKind::Hung)
    }) else {
        return;
    };
    let line = format!(
        "{name}: verify: writing its token failed: {}",
        write.detail.as_deref().unwrap_or("no detail")
    );
    const WRITE_CODES: [Code; 6] = [
        Code::ReadOnly,
        Code::PermissionDenied,
        Code::StaleHandle,
        Code::WriteFailed,
        Code::LowSpace,
        Code::PathMissing,
    ];
    let mine = |f: &&mut Finding| f.nodes.iter().any(|n| n == name);
    if let Some(f) = findings
        .iter_mut()
        .filter(mine)
        .find(|f| WRITE_CODES.contains(&f.code))
    {
        f.evidence.push(line);
        return;
    }
    if not_shared.iter().any(|n| n == name)
        && let Some(f) = findings
            .iter_mut()
            .filter(mine)
            .find(|f| f.code == Code::NotShared)
    {
        f.evidence.push(line);
        return;
    }
    let redirected = write
        .detail
        .as_deref()
        .is_some_and(|d| d.contains(crate::verify::script::REDIRECTED));
    let why = if redirected {
        format!(
            "A folder rivershare verifies in, {dir}/.rivershare or its verify/, is a symlink to \
             another folder: anyone who may write {dir} can put one there to have root write \
             elsewhere, so rivershare refused (the evidence names the folder it leads to). \
             Find who made it, remove the link (never the folder it points at) and run again.",
            dir = node.shared_dir
        )
    } else {
        "The probe's write test passed, but writing the verification token failed moments \
         later: the share is failing intermittently (the evidence has the message)."
            .to_owned()
    };
    let mut finding = Finding::catalogued(
        Code::WriteFailed,
        name,
        format!("writing a verification file on {} failed", node.shared_dir),
        vars,
    )
    .refine(why);
    finding.evidence.push(line);
    findings.push(finding);
}

fn slow_storage(nodes: &[NodeFacts], verify: &VerifyReport, policy: Policy) -> Vec<Finding> {
    let Some(bench) = &verify.io_bench else {
        return Vec::new();
    };
    let limit = policy.slow_io_mbps;
    let slow = |v: Option<f64>| v.is_some_and(|v| v.is_finite() && v < limit);
    let mut out = Vec::new();
    for result in bench {
        if !(slow(result.write_mbps) || slow(result.read_mbps)) {
            continue;
        }
        let vars = nodes
            .iter()
            .find(|n| n.name == result.node)
            .map_or_else(Vars::default, |n| Vars::for_node_in(n, nodes));
        let speed = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.1} MB/s"));
        out.push(
            Finding::catalogued(
                Code::SlowStorage,
                &result.node,
                format!("shared storage slower than {limit} MB/s"),
                &vars,
            )
            .refine(format!(
                "Writing or reading a 64 MiB file on SHARED_DIR ran below {limit} MB/s."
            ))
            .with_evidence(format!(
                "write {}, read {}",
                speed(result.write_mbps),
                speed(result.read_mbps)
            )),
        );
    }
    out
}

#[cfg(test)]
mod tests;
