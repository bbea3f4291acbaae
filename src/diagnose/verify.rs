//! Findings from the cross-node verification matrix: `not_shared`,
//! `slow_storage`, `storage_hung` seen while verifying, and the severity of
//! `not_mounted` judged by whether the node really shares storage.

mod shared;

use super::{Code, Finding, Policy, Severity};
use crate::facts::{AccessErrorKind, NodeFacts};
use crate::shell::sh_word;
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
        hung_while_verifying(node, verify, findings);
        write_errors(node, verify, findings, &not_shared_nodes);
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
        finding.hint.push_str(
            " Verification confirms it: this node does not see the other nodes' files, nor they its.",
        );
        return;
    }
    let verified = verify
        .shared
        .as_ref()
        .is_some_and(|s| s.len() >= 2 && s.contains(node));
    if verified {
        finding.severity = Severity::Info;
        finding.hint = "No network filesystem is mounted here, yet verification shows this node and the \
             rest of the shared group read each other's files. Most likely this node is the storage server \
             and exports this local disk; then nothing is wrong. Check that the export is the one the others mount."
            .to_owned();
        let dir = nodes
            .iter()
            .find(|n| n.name == *node)
            .map(|n| sh_word(&n.shared_dir));
        if let Some(dir) = dir {
            finding.commands = vec![format!("findmnt -T {dir}"), "sudo exportfs -v".to_owned()];
        }
    }
}

/// A hung write or a hung read while verifying is `storage_hung`, even when the
/// probe itself finished in time.
fn hung_while_verifying(node: &NodeFacts, verify: &VerifyReport, findings: &mut Vec<Finding>) {
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
            let dir = sh_word(&node.shared_dir);
            findings.push(Finding::for_node(
                Code::StorageHung,
                name,
                format!("storage at {} hung during verification", node.shared_dir),
                "The probe finished, but writing or reading a small verification file on SHARED_DIR did \
                 not within the deadline. The share is hanging intermittently or just went away: on a \
                 hard-mounted NFS share whose server is unreachable every access blocks. Check the server \
                 and the network, then remount."
                    .to_owned(),
                vec![
                    format!("findmnt -T {dir}"),
                    format!("timeout 10 stat {dir}"),
                    format!("sudo umount -f -l {dir} && sudo mount {dir}"),
                ],
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
    let dir = sh_word(&node.shared_dir);
    let mut finding = Finding::for_node(
        Code::WriteFailed,
        name,
        format!("writing a verification file on {} failed", node.shared_dir),
        "The probe's write test passed, but writing the verification token failed moments later: the \
         share is failing intermittently (the evidence has the message)."
            .to_owned(),
        vec![
            format!("ls -la {dir}"),
            format!("touch {dir}/.rivershare-test && rm {dir}/.rivershare-test"),
        ],
    );
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
        let dir = nodes
            .iter()
            .find(|n| n.name == result.node)
            .map_or_else(|| "SHARED_DIR".to_owned(), |n| sh_word(&n.shared_dir));
        let speed = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.1} MB/s"));
        out.push(
            Finding::for_node(
                Code::SlowStorage,
                &result.node,
                format!("shared storage slower than {limit} MB/s"),
                "Writing or reading a 64 MiB file on SHARED_DIR was slow; container tarballs are several \
                 GB, so task start-up will crawl. KohakuRiver's Shared Storage Guide mounts NFS with \
                 rsize=131072,wsize=131072 (or more), hard and noatime: small rsize/wsize or sync cost \
                 throughput. Then check the network: link speed and duplex, errors and drops, an \
                 overloaded server or a 1 Gbit/s link shared by many nodes."
                    .to_owned(),
                vec![
                    format!("findmnt -no OPTIONS -T {dir}"),
                    "nfsstat -m".to_owned(),
                    "ip -s link".to_owned(),
                ],
            )
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
