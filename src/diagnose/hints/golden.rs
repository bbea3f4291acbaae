//! Golden tests: whole findings built from facts, with the node's real path,
//! server and export in their texts and commands.

use crate::diagnose::tarball_fixture::inventory;
use crate::diagnose::{Code, Finding, Policy, diagnose, diagnose_with};
use crate::facts::{Access, AccessError, AccessErrorKind, MountInfo, NodeFacts, Role};
use crate::testutil::healthy;

const POLICY: Policy = Policy {
    min_free_bytes: 0,
    slow_io_mbps: 0.0,
};

fn one(findings: &[Finding], code: Code) -> Finding {
    let matching: Vec<&Finding> = findings.iter().filter(|f| f.code == code).collect();
    assert_eq!(matching.len(), 1, "{code:?} in {findings:#?}");
    matching[0].clone()
}

fn access_error(node: &mut NodeFacts, kind: AccessErrorKind, detail: &str) {
    node.probe.as_mut().expect("probe").access = Some(Access {
        read: false,
        write: false,
        error: Some(AccessError {
            kind,
            detail: detail.to_owned(),
        }),
    });
}

#[test]
fn nfs_runner_not_mounted_takes_the_server_from_its_peers() {
    let mut nodes = vec![
        healthy("host", Role::Host),
        healthy("runner-01", Role::Runner),
        healthy("runner-02", Role::Runner),
    ];
    let probe = nodes[2].probe.as_mut().expect("probe");
    probe.mount = Some(MountInfo {
        target: "/".to_owned(),
        source: "/dev/sda1".to_owned(),
        fstype: "ext4".to_owned(),
        options: vec!["rw".to_owned(), "relatime".to_owned()],
        network: false,
        provider: "local".to_owned(),
        is_mount_point: false,
    });
    probe.persistence.as_mut().expect("persistence").fstab = false;
    let f = one(&diagnose(&nodes, POLICY), Code::NotMounted);
    assert!(
        f.debug_commands
            .contains(&"showmount -e 10.0.0.5".to_owned())
    );
    insta::assert_json_snapshot!(f);
}

#[test]
fn stale_sshfs_mount_offers_fusermount() {
    let mut node = healthy("runner-03", Role::Runner);
    let probe = node.probe.as_mut().expect("probe");
    probe.mount = Some(MountInfo {
        target: "/srv/kr share".to_owned(),
        source: "root@10.0.0.7:/export/kr".to_owned(),
        fstype: "fuse.sshfs".to_owned(),
        options: vec!["rw".to_owned(), "user_id=0".to_owned()],
        network: true,
        provider: "sshfs".to_owned(),
        is_mount_point: true,
    });
    node.shared_dir = "/srv/kr share".to_owned();
    access_error(
        &mut node,
        AccessErrorKind::StaleHandle,
        "stat: Transport endpoint is not connected",
    );
    let f = one(&diagnose(&[node], POLICY), Code::StaleHandle);
    assert!(
        f.commands
            .iter()
            .any(|c| c.starts_with("fusermount -u '/srv/kr share'"))
    );
    insta::assert_json_snapshot!(f);
}

#[test]
fn permission_denied_on_nfs_names_the_export_and_root_squash() {
    let mut node = healthy("runner-04", Role::Runner);
    access_error(
        &mut node,
        AccessErrorKind::PermissionDenied,
        "write: touch: cannot touch '/mnt/cluster-share/.rivershare-x': Permission denied",
    );
    let f = one(&diagnose(&[node], POLICY), Code::PermissionDenied);
    assert!(f.why.contains("no_root_squash"));
    insta::assert_json_snapshot!(f);
}

#[test]
fn tarball_not_visible_lists_the_runners_own_folder() {
    let mut nodes = vec![
        healthy("host", Role::Host),
        healthy("runner-01", Role::Runner),
        healthy("runner-02", Role::Runner),
    ];
    nodes[2].shared_dir = "/data/share".to_owned();
    let f = one(
        &diagnose_with(&nodes, None, Some(&inventory()), POLICY),
        Code::TarballNotVisible,
    );
    insta::assert_json_snapshot!(f);
}

/// Every finding the rules produce, from every kind of node failure, carries
/// the catalogue's why and fix, and its debug commands are the entry's
/// read-only templates filled in (never one of its fix commands).
#[test]
fn every_rule_fills_its_finding_from_the_catalogue() {
    use crate::facts::{NodeError, NodeErrorKind, Persistence, Usage};
    let mut nodes = Vec::new();
    for (i, kind) in [
        NodeErrorKind::Unreachable,
        NodeErrorKind::AuthFailed,
        NodeErrorKind::HostKeyUnknown,
        NodeErrorKind::HostKeyChanged,
        NodeErrorKind::CommandTimeout,
        NodeErrorKind::Probe,
    ]
    .into_iter()
    .enumerate()
    {
        let mut n = healthy(&format!("err-{i}"), Role::Runner);
        n.error = Some(NodeError::new(kind, "detail"));
        n.probe = None;
        nodes.push(n);
    }
    for (i, kind) in [
        AccessErrorKind::ReadOnly,
        AccessErrorKind::PermissionDenied,
        AccessErrorKind::StaleHandle,
        AccessErrorKind::Hung,
        AccessErrorKind::Missing,
        AccessErrorKind::NoSpace,
        AccessErrorKind::Other,
    ]
    .into_iter()
    .enumerate()
    {
        let mut n = healthy(&format!("access-{i}"), Role::Runner);
        access_error(&mut n, kind, "write: failed");
        nodes.push(n);
    }
    let mut n = healthy("layout", Role::Host);
    let p = n.probe.as_mut().expect("probe");
    p.layout[0].present = false;
    p.usage = Some(Usage {
        total_bytes: 10,
        used_bytes: 9,
        avail_bytes: 1,
    });
    p.persistence = Some(Persistence {
        fstab: false,
        mount_unit: None,
        fstab_entry: None,
    });
    nodes.push(n);
    let mut n = healthy("missing", Role::Host);
    n.probe.as_mut().expect("probe").exists = false;
    nodes.push(n);
    let policy = Policy {
        min_free_bytes: 5,
        slow_io_mbps: 0.0,
    };
    let findings = diagnose_with(&nodes, None, Some(&inventory()), policy);
    let mut seen: Vec<Code> = findings.iter().map(|f| f.code).collect();
    seen.dedup();
    assert!(seen.len() >= 18, "{seen:?}");
    for f in &findings {
        let entry = super::entry(f.code).expect("an entry");
        assert!(!f.why.is_empty() && !f.why.contains('{'), "{f:#?}");
        assert!(!f.hint.is_empty(), "{f:#?}");
        for c in &f.debug_commands {
            let template = entry
                .debug
                .iter()
                .find(|t| t.split_whitespace().next() == c.split_whitespace().next());
            assert!(
                template.is_some(),
                "{:?}: `{c}` is not a debug template",
                f.code
            );
        }
        for c in &f.commands {
            assert!(!f.debug_commands.contains(c), "{:?}: `{c}` is both", f.code);
        }
    }
}
