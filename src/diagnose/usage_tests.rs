//! `with_usage` on constructed facts and walks: the thresholds at their edges,
//! idempotence, and which `low_space` gets the breakdown.

use super::*;
use crate::diagnose::{Policy, Severity, diagnose};
use crate::facts::{MountInfo, Role};
use crate::testutil::healthy;
use crate::usage::UsageChild;

const GIB: u64 = 1 << 30;

fn entry(path: &str, bytes: u64) -> UsageEntry {
    UsageEntry {
        path: path.to_owned(),
        bytes,
        complete: true,
        note: None,
        children: Vec::new(),
        task_folders: None,
        oldest_mtime: None,
        newest_mtime: None,
    }
}

fn logs(bytes: u64, folders: u64) -> UsageEntry {
    UsageEntry {
        children: vec![UsageChild {
            path: "logs/1234".to_owned(),
            bytes: 5,
            complete: true,
        }],
        task_folders: Some(folders),
        oldest_mtime: Some("2025-01-03T08:00:00Z".to_owned()),
        newest_mtime: Some("2026-11-26T04:00:00Z".to_owned()),
        ..entry("logs", bytes)
    }
}

/// A walk on `host` of a filesystem with `used` bytes used (`None`: df unknown).
fn walk(used: Option<u64>, entries: Vec<UsageEntry>) -> UsageReport {
    UsageReport {
        node: Some("host".to_owned()),
        dir: Some("/mnt/cluster-share".to_owned()),
        started_at: "2026-11-26T04:05:11Z".to_owned(),
        duration_ms: 4200,
        budget_secs: 60,
        fs_total_bytes: used.map(|u| u * 2),
        fs_used_bytes: used,
        entries,
        error: None,
    }
}

fn cluster() -> Vec<NodeFacts> {
    vec![
        healthy("host", Role::Host),
        healthy("runner-01", Role::Runner),
        healthy("runner-02", Role::Runner),
    ]
}

fn codes(findings: &[Finding]) -> Vec<&'static str> {
    findings.iter().map(|f| f.code.as_str()).collect()
}

fn only(findings: &[Finding], code: Code) -> Finding {
    let matching: Vec<&Finding> = findings.iter().filter(|f| f.code == code).collect();
    assert_eq!(matching.len(), 1, "{code:?} in {findings:#?}");
    matching[0].clone()
}

#[test]
fn logs_growth_fires_above_20_percent_of_used_space_not_at_it() {
    let nodes = cluster();
    // Exactly 20% of 1000 bytes used: not "more than 20%".
    let at = walk(Some(1000), vec![logs(200, 10), entry("shared_data", 800)]);
    assert!(with_usage(vec![], &at, &nodes).is_empty());
    let above = walk(Some(1000), vec![logs(201, 10), entry("shared_data", 799)]);
    let f = only(&with_usage(vec![], &above, &nodes), Code::LogsGrowth);
    assert_eq!(f.severity, Severity::Info);
    assert_eq!(f.nodes, ["host"]);
    assert_eq!(
        f.title,
        "task logs take 20.1% of the used space in /mnt/cluster-share"
    );
    assert_eq!(
        f.evidence,
        [
            "host: logs/ holds 201 bytes (201 B), 20.1% of the filesystem's used space (1000 B); \
             10 task folders, modified from 2025-01-03T08:00:00Z to 2026-11-26T04:00:00Z"
        ]
    );
}

#[test]
fn without_df_the_share_is_of_what_the_walk_counted() {
    let nodes = cluster();
    // 300 of 1000 counted bytes is 30%, but of a 10 GiB used filesystem it is tiny.
    let entries = vec![logs(300, 1), entry("shared_data", 700)];
    assert!(with_usage(vec![], &walk(Some(10 * GIB), entries.clone()), &nodes).is_empty());
    let f = only(
        &with_usage(vec![], &walk(None, entries), &nodes),
        Code::LogsGrowth,
    );
    assert!(
        f.evidence[0].contains("30.0% of what the walk counted"),
        "{f:?}"
    );
}

#[test]
fn logs_growth_fires_above_10000_task_folders_not_at_it() {
    let nodes = cluster();
    let at = walk(Some(100 * GIB), vec![logs(GIB, 10_000)]);
    assert!(with_usage(vec![], &at, &nodes).is_empty());
    let above = walk(Some(100 * GIB), vec![logs(GIB, 10_001)]);
    let f = only(&with_usage(vec![], &above, &nodes), Code::LogsGrowth);
    assert_eq!(f.title, "10001 task folders in /mnt/cluster-share/logs");
    assert!(f.evidence[0].contains("; 10001 task folders"), "{f:?}");
}

#[test]
fn logs_growth_commands_list_before_deleting_and_debug_is_read_only() {
    let mut nodes = cluster();
    nodes[0].shared_dir = "/srv/kr share".to_owned();
    let mut usage = walk(Some(1000), vec![logs(900, 3)]);
    usage.dir = Some("/srv/kr share".to_owned());
    let f = only(&with_usage(vec![], &usage, &nodes), Code::LogsGrowth);
    assert!(f.why.contains("never deletes"), "{}", f.why);
    assert_eq!(
        f.commands,
        [
            "find '/srv/kr share'/logs -mindepth 1 -maxdepth 1 -type d -mtime +30 -print   # list first: what would go",
            "sudo find '/srv/kr share'/logs -mindepth 1 -maxdepth 1 -type d -mtime +30 -exec rm -rf -- {} +   # then delete them",
        ]
    );
    assert!(
        f.debug_commands
            .contains(&"du -sh '/srv/kr share'/logs".to_owned())
    );
    assert!(
        f.debug_commands
            .contains(&"du -s --inodes '/srv/kr share'/logs".to_owned())
    );
}

#[test]
fn du_partial_names_each_partial_entry_and_its_note() {
    let nodes = cluster();
    let mut slow = entry("shared_data", 3 * GIB);
    slow.complete = false;
    slow.note = Some("timed out after 60 s".to_owned());
    let mut unreadable = entry("scratch", 10);
    unreadable.complete = false;
    let usage = walk(Some(100 * GIB), vec![slow, unreadable, entry("logs", 5)]);
    let f = only(&with_usage(vec![], &usage, &nodes), Code::DuPartial);
    assert_eq!(f.severity, Severity::Info);
    assert_eq!(
        f.title,
        "2 entries of /mnt/cluster-share not fully measured: shared_data, scratch"
    );
    assert_eq!(
        f.evidence,
        [
            "host: shared_data: timed out after 60 s (3221225472 bytes counted)",
            "host: scratch: not fully measured (10 bytes counted)",
        ]
    );
    assert!(f.hint.contains("du_timeout_secs"), "{}", f.hint);
}

#[test]
fn a_walk_with_an_error_adds_nothing_and_takes_back_the_older_walks() {
    let nodes = cluster();
    let low = low_space_on(&nodes, &["host"]);
    let mut partial = logs(900, 20_000);
    partial.complete = false;
    let good = walk(Some(1000), vec![partial]);
    let before = with_usage(low.clone(), &good, &nodes);
    assert_eq!(codes(&before), ["low_space", "logs_growth", "du_partial"]);
    let mut failed = walk(Some(1000), vec![logs(900, 20_000)]);
    failed.error = Some("host: SHARED_DIR did not answer within 60 s".to_owned());
    assert_eq!(with_usage(before, &failed, &nodes), low);
    let mut nobody = walk(None, vec![]);
    nobody.node = None;
    nobody.error = Some("no reachable node".to_owned());
    assert_eq!(with_usage(low.clone(), &nobody, &nodes), low);
}

/// The findings of `nodes` with `low` below the free-space minimum.
fn low_space_on(nodes: &[NodeFacts], low: &[&str]) -> Vec<Finding> {
    let mut nodes = nodes.to_vec();
    for n in nodes.iter_mut().filter(|n| low.contains(&n.name.as_str())) {
        let usage = n.probe.as_mut().and_then(|p| p.usage.as_mut()).expect("df");
        usage.avail_bytes = GIB;
    }
    let findings = diagnose(
        &nodes,
        Policy {
            min_free_bytes: 20 * GIB,
            slow_io_mbps: 0.0,
        },
    );
    assert!(codes(&findings).contains(&"low_space"), "{findings:#?}");
    findings
}

#[test]
fn low_space_gets_the_largest_entries_with_their_share_and_how_to_clean_them() {
    let nodes = cluster();
    let findings = low_space_on(&nodes, &["host", "runner-01"]);
    let usage = walk(
        Some(100 * GIB),
        vec![
            entry("kohakuriver-containers", 48 * GIB),
            logs(34 * GIB, 812),
            entry("shared_data", 17 * GIB),
            entry("a", 3),
            entry("b", 2),
            entry("c", 1),
        ],
    );
    let f = only(&with_usage(findings, &usage, &nodes), Code::LowSpace);
    assert_eq!(f.nodes, ["host", "runner-01"]);
    let added = f
        .hint
        .split(HINT_MARK)
        .nth(1)
        .expect("breakdown in the hint");
    assert_eq!(
        added,
        "host, 2026-11-26T04:05:11Z; percentages of the used space): \
         kohakuriver-containers 48 GiB (48.0%, superseded tarballs go with rivershare prune), \
         logs 34 GiB (34.0%, 812 task folders; old ones go with the find below (logs_growth)), \
         shared_data 17 GiB (17.0%, the users' files in /shared: ask their owners), \
         a 3 B (0.0%, not a KohakuRiver folder), b 2 B (0.0%, not a KohakuRiver folder), \
         1 more, 1 B."
    );
    assert_eq!(
        f.evidence.last().map(String::as_str),
        Some(
            "host: usage walk of /mnt/cluster-share: kohakuriver-containers 51539607552 bytes (48.0%), \
             logs 36507222016 bytes (34.0%), shared_data 18253611008 bytes (17.0%), a 3 bytes (0.0%), \
             b 2 bytes (0.0%)"
        )
    );
    // The catalogue's commands are there: prune and the task-log find.
    assert!(f.commands.iter().any(|c| c == "rivershare prune"), "{f:?}");
}

#[test]
fn low_space_on_other_storage_splits_and_keeps_no_breakdown() {
    let mut nodes = cluster();
    // runner-02 writes SHARED_DIR to its own disk: the walk says nothing about it.
    nodes[2].probe.as_mut().expect("probe").mount = Some(MountInfo {
        target: "/".to_owned(),
        source: "/dev/sda1".to_owned(),
        fstype: "ext4".to_owned(),
        options: vec!["rw".to_owned()],
        network: false,
        provider: "local".to_owned(),
        is_mount_point: false,
    });
    let mut findings = low_space_on(&nodes, &["host", "runner-02"]);
    findings.retain(|f| f.code == Code::LowSpace);
    let before = only(&findings, Code::LowSpace);
    assert_eq!(before.nodes, ["host", "runner-02"]);
    let usage = walk(Some(10 * GIB), vec![logs(GIB, 1)]);
    let after = with_usage(findings.clone(), &usage, &nodes);
    let low: Vec<&Finding> = after.iter().filter(|f| f.code == Code::LowSpace).collect();
    assert_eq!(low.len(), 2, "{after:#?}");
    let walked = low.iter().find(|f| f.nodes == ["host"]).expect("host's");
    let other = low
        .iter()
        .find(|f| f.nodes == ["runner-02"])
        .expect("runner-02's");
    assert!(walked.hint.contains(HINT_MARK));
    assert_eq!(other.hint, before.hint);
    assert!(other.evidence.iter().all(|e| e.starts_with("runner-02: ")));
    // A newer walk puts it back together before it splits it again.
    assert_eq!(with_usage(after, &walk(None, vec![]), &nodes), findings);
}

#[test]
fn a_runner_mounting_the_hosts_own_disk_is_on_the_walked_storage() {
    let mut nodes = cluster();
    // The Host exports its local SHARED_DIR (the guide's NFS setup).
    nodes[0].probe.as_mut().expect("probe").mount = Some(MountInfo {
        target: "/".to_owned(),
        source: "/dev/sda1".to_owned(),
        fstype: "ext4".to_owned(),
        options: vec![],
        network: false,
        provider: "local".to_owned(),
        is_mount_point: false,
    });
    let mount = |source: &str| MountInfo {
        target: "/mnt/cluster-share".to_owned(),
        source: source.to_owned(),
        fstype: "nfs4".to_owned(),
        options: vec![],
        network: true,
        provider: "nfs".to_owned(),
        is_mount_point: true,
    };
    nodes[1].probe.as_mut().expect("probe").mount = Some(mount("host.example:/mnt/cluster-share"));
    nodes[2].probe.as_mut().expect("probe").mount = Some(mount("10.0.0.5:/export"));
    assert!(on_walked_storage(&nodes[1], &nodes[0]));
    assert!(!on_walked_storage(&nodes[2], &nodes[0]));
    assert!(on_walked_storage(&nodes[0], &nodes[0]));
    // Two network mounts: the same source or not.
    let net = cluster();
    assert!(on_walked_storage(&net[1], &net[0]));
    let mut other = net[2].clone();
    other.probe.as_mut().expect("probe").mount = Some(mount("10.0.0.9:/export"));
    assert!(!on_walked_storage(&other, &net[0]));
}

#[test]
fn with_usage_is_idempotent_and_a_newer_walk_replaces_the_older() {
    let nodes = cluster();
    let base = low_space_on(&nodes, &["host", "runner-01"]);
    let mut partial = entry("shared_data", 5);
    partial.complete = false;
    let old = walk(Some(1000), vec![logs(900, 20_000), partial]);
    let new = walk(Some(2000), vec![logs(100, 3), entry("shared_data", 1900)]);
    let once = with_usage(base.clone(), &old, &nodes);
    assert_eq!(with_usage(once.clone(), &old, &nodes), once);
    let replaced = with_usage(once, &new, &nodes);
    assert_eq!(replaced, with_usage(base.clone(), &new, &nodes));
    assert_eq!(codes(&replaced), ["low_space"]);
    let f = only(&replaced, Code::LowSpace);
    assert_eq!(f.hint.matches(HINT_MARK).count(), 1);
    assert!(f.hint.contains("shared_data 1.9 KiB (95.0%"), "{}", f.hint);
    assert_eq!(
        f.evidence
            .iter()
            .filter(|e| e.contains(EVIDENCE_MARK))
            .count(),
        1
    );
}
