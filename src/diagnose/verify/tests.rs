use crate::diagnose::{Code, Finding, Policy, Severity, diagnose, diagnose_with};
use crate::facts::{Access, AccessError, AccessErrorKind, NodeErrorKind, NodeFacts, Role};
use crate::testutil::healthy;
use crate::verify::matrix::fixtures::{Node, Sim, bench};
use crate::verify::{CellStatus, VerifyReport, WriteStatus};

mod slow;

const POLICY: Policy = Policy {
    min_free_bytes: 20 << 30,
    slow_io_mbps: 50.0,
};

/// Facts for the simulated nodes: the first is the Host, all healthy NFS
/// clients unless the test changes them.
fn facts(sim: &Sim) -> Vec<NodeFacts> {
    sim.names()
        .iter()
        .enumerate()
        .map(|(i, n)| healthy(n, if i == 0 { Role::Host } else { Role::Runner }))
        .collect()
}

fn on_local(node: &mut NodeFacts, fstype: &str) {
    let mount = node
        .probe
        .as_mut()
        .and_then(|p| p.mount.as_mut())
        .expect("mount");
    mount.fstype = fstype.to_owned();
    mount.source = fstype.to_owned();
    mount.target = "/".to_owned();
    mount.network = false;
}

fn find(findings: &[Finding], code: Code) -> Vec<&Finding> {
    findings.iter().filter(|f| f.code == code).collect()
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|n| (*n).to_owned()).collect()
}

fn run(nodes: &[NodeFacts], report: &VerifyReport) -> Vec<Finding> {
    diagnose_with(nodes, Some(report), None, POLICY)
}

#[test]
fn a_healthy_verified_cluster_has_no_findings() {
    let sim = Sim::new(&[
        ("host", Node::On("nfs")),
        ("runner-01", Node::On("nfs")),
        ("runner-02", Node::On("nfs")),
    ]);
    assert_eq!(run(&facts(&sim), &sim.report()), vec![]);
}

#[test]
fn local_dir_and_tmpfs_nodes_are_not_shared_and_not_mounted_turns_critical() {
    let sim = Sim::new(&[
        ("host", Node::On("nfs")),
        ("runner-01", Node::On("nfs")),
        ("runner-local", Node::On("disk-2")),
        ("runner-tmpfs", Node::On("tmpfs-3")),
    ]);
    let mut nodes = facts(&sim);
    on_local(&mut nodes[2], "ext4");
    on_local(&mut nodes[3], "tmpfs");
    let findings = run(&nodes, &sim.report());

    let not_shared = find(&findings, Code::NotShared);
    assert_eq!(not_shared.len(), 1, "{findings:#?}");
    let f = not_shared[0];
    assert_eq!(f.nodes, names(&["runner-local", "runner-tmpfs"]));
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(f.title, "sees only itself: SHARED_DIR is on local disk");
    assert!(f.hint.contains("came up before the network"), "{}", f.hint);
    assert!(f.hint.contains("host,runner-01"), "{}", f.hint);
    assert!(
        f.evidence.contains(
            &"runner-local: missing both ways with host,runner-01,runner-tmpfs".to_owned()
        )
    );

    let not_mounted = find(&findings, Code::NotMounted);
    assert_eq!(not_mounted.len(), 2, "different fstypes, different titles");
    assert!(not_mounted.iter().all(|f| f.severity == Severity::Critical));
    assert!(not_mounted[0].hint.contains("Verification confirms it"));

    // Without verification the same facts give only the warning.
    let unverified = diagnose(&nodes, POLICY);
    assert!(
        find(&unverified, Code::NotMounted)
            .iter()
            .all(|f| f.severity == Severity::Warning)
    );
    assert!(find(&unverified, Code::NotShared).is_empty());
}

#[test]
fn the_storage_server_exporting_its_local_disk_is_info() {
    let sim = Sim::new(&[("host", Node::On("nfs")), ("runner-01", Node::On("nfs"))]);
    let mut nodes = facts(&sim);
    on_local(&mut nodes[0], "ext4");
    let findings = run(&nodes, &sim.report());
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].code, Code::NotMounted);
    assert_eq!(findings[0].severity, Severity::Info);
    assert!(findings[0].hint.contains("storage server"));
    assert!(
        findings[0].why.contains("shares the storage"),
        "{}",
        findings[0].why
    );
    assert_eq!(findings[0].commands, ["sudo exportfs -v"]);
    assert_eq!(
        findings[0].debug_commands,
        ["findmnt -T /mnt/cluster-share", "cat /etc/exports"]
    );
}

#[test]
fn a_single_local_node_stays_a_warning() {
    // Shared with nobody but itself: verification proves nothing either way.
    let sim = Sim::new(&[("host", Node::On("disk"))]);
    let mut nodes = facts(&sim);
    on_local(&mut nodes[0], "ext4");
    let findings = run(&nodes, &sim.report());
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].code, Code::NotMounted);
    assert_eq!(findings[0].severity, Severity::Warning);
}

#[test]
fn a_read_only_node_reads_and_is_shared() {
    let sim = Sim::new(&[
        ("host", Node::On("nfs")),
        ("runner-ro", Node::ReadOnly("nfs")),
        ("runner-01", Node::On("nfs")),
    ]);
    let mut nodes = facts(&sim);
    nodes[1].probe.as_mut().expect("probe").access = Some(Access {
        read: true,
        write: false,
        error: Some(AccessError {
            kind: AccessErrorKind::ReadOnly,
            detail: "write: Read-only file system".to_owned(),
        }),
    });
    let findings = run(&nodes, &sim.report());
    assert_eq!(
        findings.iter().map(|f| f.code).collect::<Vec<_>>(),
        vec![Code::ReadOnly]
    );
}

#[test]
fn a_different_export_names_whom_the_node_sees() {
    let sim = Sim::new(&[
        ("host", Node::On("a")),
        ("runner-01", Node::On("a")),
        ("runner-02", Node::On("a")),
        ("runner-03", Node::On("b")),
        ("runner-04", Node::On("b")),
    ]);
    let findings = run(&facts(&sim), &sim.report());
    let f = find(&findings, Code::NotShared);
    assert_eq!(f.len(), 1, "{findings:#?}");
    assert_eq!(f[0].nodes, names(&["runner-03", "runner-04"]));
    assert_eq!(
        f[0].title,
        "separate storage: only runner-[03-04] see each other's files"
    );
    assert!(f[0].hint.contains("host,runner-[01-02]"), "{}", f[0].hint);
    assert_eq!(
        f[0].debug_commands[0],
        "findmnt -no SOURCE,FSTYPE -T /mnt/cluster-share"
    );
}

#[test]
fn a_split_makes_every_node_not_shared_and_lists_the_groups() {
    let sim = Sim::new(&[
        ("host", Node::On("a")),
        ("runner-01", Node::On("a")),
        ("runner-02", Node::On("b")),
        ("runner-03", Node::On("b")),
        ("runner-04", Node::Unreachable),
    ]);
    let report = sim.report();
    assert!(report.split);
    let mut nodes = facts(&sim);
    nodes[4].reachable = false;
    nodes[4].probe = None;
    nodes[4].error = Some(crate::facts::NodeError::new(
        NodeErrorKind::Unreachable,
        "refused",
    ));
    let findings = run(&nodes, &report);
    let f = find(&findings, Code::NotShared);
    assert_eq!(f.len(), 1, "{findings:#?}");
    assert_eq!(
        f[0].nodes,
        names(&["host", "runner-01", "runner-02", "runner-03"])
    );
    assert_eq!(
        f[0].title,
        "cluster is split: 2 groups of 2 nodes do not see each other's files"
    );
    assert!(
        f[0].hint.contains("host,runner-01 | runner-[02-03]"),
        "{}",
        f[0].hint
    );
    assert!(
        f[0].evidence
            .contains(&"runner-02: in group runner-[02-03]".to_owned())
    );
    assert_eq!(
        find(&findings, Code::Unreachable)[0].nodes,
        names(&["runner-04"])
    );
}

#[test]
fn a_mismatch_is_evidence_of_not_shared() {
    let sim = Sim::new(&[
        ("host", Node::On("nfs")),
        ("runner-01", Node::On("nfs")),
        ("runner-02", Node::On("nfs")),
    ])
    .with(
        "host",
        "runner-02",
        CellStatus::Mismatch,
        "token 9f2c from runner-07 at 2026-11-25T10:00:00Z",
    );
    let findings = run(&facts(&sim), &sim.report());
    let f = find(&findings, Code::NotShared);
    assert_eq!(f.len(), 1, "{findings:#?}");
    assert_eq!(f[0].nodes, names(&["runner-02"]));
    assert_eq!(f[0].title, "sees only runner-01");
    assert!(
        f[0].evidence.contains(
            &"runner-02: mismatch host -> runner-02: token 9f2c from runner-07 at 2026-11-25T10:00:00Z"
                .to_owned()
        ),
        "{:?}",
        f[0].evidence
    );
}

#[test]
fn hung_storage_while_verifying_is_storage_hung_not_local_disk() {
    let sim = Sim::new(&[
        ("host", Node::On("nfs")),
        ("runner-01", Node::On("nfs")),
        ("runner-02", Node::Hung),
    ]);
    let findings = run(&facts(&sim), &sim.report());
    let hung = find(&findings, Code::StorageHung);
    assert_eq!(hung.len(), 1, "{findings:#?}");
    assert_eq!(hung[0].nodes, names(&["runner-02"]));
    assert_eq!(
        hung[0].title,
        "storage at /mnt/cluster-share hung during verification"
    );
    assert_eq!(
        hung[0].evidence,
        vec![
            "runner-02: verify: writing its token: write timed out after 5 s".to_owned(),
            "runner-02: verify: reading the tokens of host,runner-01 timed out".to_owned(),
        ]
    );
    let not_shared = find(&findings, Code::NotShared);
    assert_eq!(not_shared.len(), 1);
    assert_eq!(
        not_shared[0].title,
        "not verified: reading the other nodes' files failed"
    );

    // The probe already saw the hang: no second storage_hung, only more evidence.
    let mut nodes = facts(&sim);
    nodes[2].probe.as_mut().expect("probe").hung_steps = vec!["df".to_owned()];
    let findings = run(&nodes, &sim.report());
    let hung = find(&findings, Code::StorageHung);
    assert_eq!(hung.len(), 1);
    assert_eq!(hung[0].title, "storage at /mnt/cluster-share hung");
    assert_eq!(hung[0].evidence.len(), 3);
}

#[test]
fn a_failed_token_write_adds_evidence_to_the_write_finding() {
    let sim = Sim::new(&[("host", Node::On("nfs")), ("runner-01", Node::On("nfs"))]);
    let mut report = sim.report();
    report.writes[1].status = WriteStatus::Error;
    report.writes[1].error_kind = Some(AccessErrorKind::PermissionDenied);
    report.writes[1].detail = Some("Permission denied".to_owned());
    let mut nodes = facts(&sim);
    nodes[1].probe.as_mut().expect("probe").access = Some(Access {
        read: true,
        write: false,
        error: Some(AccessError {
            kind: AccessErrorKind::PermissionDenied,
            detail: "write: Permission denied".to_owned(),
        }),
    });
    let findings = run(&nodes, &report);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].code, Code::PermissionDenied);
    assert_eq!(
        findings[0].evidence[1],
        "runner-01: verify: writing its token failed: Permission denied"
    );

    // When the probe's write passed, the failed token write is a finding of its own.
    let findings = run(&facts(&sim), &report);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].code, Code::WriteFailed);
}

/// A token write the script refused because a folder of `.rivershare` is a
/// symlink says so in the hint, instead of blaming an intermittent share.
#[test]
fn a_write_refused_for_a_redirected_folder_says_why() {
    let sim = Sim::new(&[("host", Node::On("nfs")), ("runner-01", Node::On("nfs"))]);
    let mut report = sim.report();
    report.writes[1].status = WriteStatus::Error;
    report.writes[1].detail = Some(format!(
        "mkdir: .rivershare in SHARED_DIR leads to /etc {}",
        crate::verify::script::REDIRECTED
    ));
    let findings = run(&facts(&sim), &report);
    let f = find(&findings, Code::WriteFailed);
    assert_eq!(f.len(), 1, "{findings:#?}");
    assert!(
        f[0].hint.contains("is a symlink to another folder"),
        "{}",
        f[0].hint
    );
    assert!(!f[0].hint.contains("intermittently"), "{}", f[0].hint);
    assert!(f[0].evidence.iter().any(|e| e.contains("leads to /etc")));
}

#[test]
fn all_unreachable_gives_no_verification_findings() {
    let sim = Sim::new(&[
        ("host", Node::Unreachable),
        ("runner-01", Node::Unreachable),
    ]);
    let report = sim.report();
    assert!(report.groups.is_empty() && !report.split && report.shared.is_none());
    let mut nodes = facts(&sim);
    for node in &mut nodes {
        node.reachable = false;
        node.probe = None;
        node.error = Some(crate::facts::NodeError::new(
            NodeErrorKind::Unreachable,
            "refused",
        ));
    }
    let findings = run(&nodes, &report);
    assert_eq!(
        findings.iter().map(|f| f.code).collect::<Vec<_>>(),
        vec![Code::Unreachable, Code::Unreachable]
    );
}

#[test]
fn a_node_that_cannot_read_back_its_own_token_is_not_shared() {
    let sim = Sim::new(&[
        ("host", Node::On("nfs")),
        ("runner-01", Node::On("nfs")),
        ("runner-02", Node::On("nfs")),
    ])
    .with(
        "runner-02",
        "runner-02",
        CellStatus::Error,
        "cat: Input/output error",
    );
    let report = sim.report();
    assert_eq!(report.shared, Some(names(&["host", "runner-01"])));
    let findings = run(&facts(&sim), &report);
    let f = find(&findings, Code::NotShared);
    assert_eq!(f.len(), 1, "{findings:#?}");
    assert_eq!(f[0].nodes, names(&["runner-02"]));
    assert_eq!(f[0].title, "cannot read back its own file on SHARED_DIR");
    assert!(f[0].hint.contains("host,runner-01"), "{}", f[0].hint);
}
