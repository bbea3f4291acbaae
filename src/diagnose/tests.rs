use super::*;
use crate::facts::*;
use crate::testutil::healthy;

const GIB: u64 = 1 << 30;

fn probe(node: &mut NodeFacts) -> &mut ProbeFacts {
    node.probe.as_mut().expect("test node has probe facts")
}

const POLICY: Policy = Policy {
    min_free_bytes: 20 * GIB,
    slow_io_mbps: 50.0,
};

fn codes(findings: &[Finding]) -> Vec<(&'static str, Vec<String>)> {
    findings
        .iter()
        .map(|f| (f.code.as_str(), f.nodes.clone()))
        .collect()
}

#[test]
fn a_healthy_cluster_has_no_findings() {
    let nodes = [
        healthy("host", Role::Host),
        healthy("runner-01", Role::Runner),
    ];
    assert_eq!(diagnose(&nodes, POLICY), vec![]);
}

#[test]
fn connection_errors_map_to_their_codes() {
    for (kind, code) in [
        (NodeErrorKind::Unreachable, Code::Unreachable),
        (NodeErrorKind::AuthFailed, Code::AuthFailed),
        (NodeErrorKind::HostKeyUnknown, Code::HostKeyUnknown),
        (NodeErrorKind::HostKeyChanged, Code::HostKeyChanged),
        (NodeErrorKind::CommandTimeout, Code::StorageHung),
        (NodeErrorKind::Transport, Code::ProbeFailed),
    ] {
        let mut node = healthy("runner-01", Role::Runner);
        node.reachable = kind != NodeErrorKind::Unreachable;
        node.error = Some(NodeError::new(kind, "detail text"));
        node.probe = None;
        let findings = diagnose(&[node], POLICY);
        assert_eq!(findings.len(), 1, "{kind:?}");
        assert_eq!(findings[0].code, code);
        assert_eq!(findings[0].severity, Severity::Critical);
        assert_eq!(
            findings[0].evidence,
            vec!["runner-01: detail text".to_owned()]
        );
    }
}

#[test]
fn missing_path_stops_further_findings() {
    let mut node = healthy("runner-01", Role::Runner);
    let p = probe(&mut node);
    p.exists = false;
    p.is_dir = false;
    p.access = None;
    p.layout.clear();
    let findings = diagnose(&[node], POLICY);
    assert_eq!(
        codes(&findings),
        vec![("path_missing", vec!["runner-01".to_owned()])]
    );
    assert!(
        findings[0]
            .commands
            .iter()
            .any(|c| c.contains("/mnt/cluster-share"))
    );
}

#[test]
fn local_filesystem_is_not_mounted_and_not_a_source_mismatch() {
    let mut node = healthy("runner-local", Role::Runner);
    let mount = probe(&mut node).mount.as_mut().expect("mount");
    mount.fstype = "ext4".to_owned();
    mount.source = "/dev/vda".to_owned();
    mount.target = "/".to_owned();
    mount.network = false;
    mount.provider = "local".to_owned();
    let findings = diagnose(&[healthy("host", Role::Host), node], POLICY);
    assert_eq!(
        codes(&findings),
        vec![("not_mounted", vec!["runner-local".to_owned()])]
    );
    assert_eq!(findings[0].severity, Severity::Warning);
    assert_eq!(
        findings[0].title,
        "SHARED_DIR /mnt/cluster-share is on local ext4"
    );
}

#[test]
fn access_errors_are_classified_and_identical_ones_group() {
    let mut nodes = vec![healthy("host", Role::Host)];
    for (name, kind) in [
        ("runner-01", AccessErrorKind::ReadOnly),
        ("runner-02", AccessErrorKind::ReadOnly),
        ("runner-03", AccessErrorKind::PermissionDenied),
        ("runner-04", AccessErrorKind::StaleHandle),
        ("runner-05", AccessErrorKind::Hung),
        ("runner-06", AccessErrorKind::Other),
    ] {
        let mut node = healthy(name, Role::Runner);
        probe(&mut node).access = Some(Access {
            read: true,
            write: false,
            error: Some(AccessError {
                kind,
                detail: format!("{name} message"),
            }),
        });
        nodes.push(node);
    }
    let findings = diagnose(&nodes, POLICY);
    assert_eq!(
        codes(&findings),
        vec![
            (
                "read_only",
                vec!["runner-01".to_owned(), "runner-02".to_owned()]
            ),
            ("permission_denied", vec!["runner-03".to_owned()]),
            ("stale_handle", vec!["runner-04".to_owned()]),
            ("storage_hung", vec!["runner-05".to_owned()]),
            ("write_failed", vec!["runner-06".to_owned()]),
        ]
    );
    assert_eq!(
        findings[0].evidence,
        vec![
            "runner-01: runner-01 message".to_owned(),
            "runner-02: runner-02 message".to_owned()
        ]
    );
}

#[test]
fn hung_steps_give_storage_hung() {
    let mut node = healthy("runner-01", Role::Runner);
    probe(&mut node).hung_steps = vec!["stat".to_owned(), "df".to_owned()];
    let findings = diagnose(&[node], POLICY);
    assert_eq!(
        codes(&findings),
        vec![("storage_hung", vec!["runner-01".to_owned()])]
    );
    assert_eq!(
        findings[0].evidence,
        vec!["runner-01: timed out: stat, df".to_owned()]
    );
}

#[test]
fn processes_stuck_on_a_hung_share_are_named_in_the_evidence() {
    let mut node = healthy("runner-01", Role::Runner);
    let p = probe(&mut node);
    p.hung_steps = vec!["stat".to_owned()];
    p.stuck_processes = (0..10).map(|i| format!("{} ls (x)", 100 + i)).collect();
    let findings = diagnose(&[node], POLICY);
    assert_eq!(
        findings[0].evidence[1],
        "runner-01: 10 process(es) stuck on storage (state D, or waiting for a FUSE daemon): 100 ls (x), 101 ls (x), \
         102 ls (x), 103 ls (x), 104 ls (x), 105 ls (x), 106 ls (x), 107 ls (x) and 2 more"
    );
}

#[test]
fn low_space_layout_and_persistence_are_warnings() {
    let mut node = healthy("runner-01", Role::Runner);
    let p = probe(&mut node);
    p.usage = Some(Usage {
        total_bytes: 30 * GIB,
        used_bytes: 25 * GIB,
        avail_bytes: 5 * GIB,
    });
    p.layout[1].present = false;
    p.persistence = Some(Persistence {
        fstab: false,
        mount_unit: None,
        fstab_entry: None,
    });
    let findings = diagnose(&[node], POLICY);
    assert_eq!(
        findings.iter().map(|f| f.code.as_str()).collect::<Vec<_>>(),
        vec!["low_space", "layout_missing", "not_persistent"]
    );
    assert!(findings.iter().all(|f| f.severity == Severity::Warning));
    assert_eq!(
        findings[1].commands[0],
        "sudo mkdir -p -m 1777 /mnt/cluster-share/shared_data"
    );
    assert_eq!(
        findings[2].commands[0],
        "echo '10.0.0.5:/export /mnt/cluster-share nfs4 rw,hard,noatime,vers=4.2,rsize=1048576,wsize=1048576,_netdev 0 0' | sudo tee -a /etc/fstab"
    );
}

#[test]
fn a_mount_unit_counts_as_persistent() {
    let mut node = healthy("runner-01", Role::Runner);
    probe(&mut node).persistence = Some(Persistence {
        fstab: false,
        mount_unit: Some("mnt-cluster\\x2dshare.mount".to_owned()),
        fstab_entry: None,
    });
    assert_eq!(diagnose(&[node], POLICY), vec![]);
}

#[test]
fn source_mismatch_flags_the_minority_and_ignores_user_and_paths() {
    let host = healthy("host", Role::Host);
    let mut same_elsewhere = healthy("runner-01", Role::Runner);
    // Same export, mounted one level up, with SHARED_DIR below the mount point and an sshfs-style user.
    same_elsewhere.shared_dir = "/data/x".to_owned();
    {
        let mount = probe(&mut same_elsewhere).mount.as_mut().expect("mount");
        mount.target = "/data".to_owned();
        mount.source = "root@10.0.0.5:/".to_owned();
    }
    let mut other = healthy("runner-02", Role::Runner);
    probe(&mut other).mount.as_mut().expect("mount").source = "10.0.0.9:/export/".to_owned();
    let mut also_host_source = healthy("runner-03", Role::Runner);
    probe(&mut also_host_source)
        .mount
        .as_mut()
        .expect("mount")
        .source = "10.0.0.5:/export/".to_owned();

    let findings = diagnose(&[host, same_elsewhere, other, also_host_source], POLICY);
    assert_eq!(
        codes(&findings),
        vec![
            ("source_mismatch", vec!["runner-01".to_owned()]),
            ("source_mismatch", vec!["runner-02".to_owned()]),
            // /data/x is another SHARED_DIR string as well.
            ("shared_dir_differs", vec!["runner-01".to_owned()])
        ]
    );
    assert_eq!(
        findings[1].title,
        "mounts 10.0.0.9:/export, most nodes mount 10.0.0.5:/export"
    );
    assert_eq!(
        findings[0].title,
        "mounts 10.0.0.5:/x, most nodes mount 10.0.0.5:/export"
    );
}

#[test]
fn hostile_paths_are_quoted_in_commands() {
    let mut node = healthy("runner-01", Role::Runner);
    node.shared_dir = "/mnt/$(reboot) x".to_owned();
    probe(&mut node).exists = false;
    let findings = diagnose(&[node], POLICY);
    assert!(
        findings[0]
            .commands
            .iter()
            .all(|c| !c.contains("/mnt/$(reboot) x") || c.contains("'/mnt/$(reboot) x'"))
    );
}

#[test]
fn worst_is_the_maximum_severity() {
    let mut node = healthy("runner-01", Role::Runner);
    probe(&mut node).persistence = Some(Persistence {
        fstab: false,
        mount_unit: None,
        fstab_entry: None,
    });
    let findings = diagnose(&[node], POLICY);
    assert_eq!(worst(&findings), Some(Severity::Warning));
    assert_eq!(worst(&[]), None);
}

#[test]
fn an_unstatable_path_is_stale_or_hung_not_missing() {
    let mut stale = healthy("runner-stale", Role::Runner);
    {
        let p = probe(&mut stale);
        p.is_dir = false;
        p.layout.clear();
        p.access = Some(Access {
            read: false,
            write: false,
            error: Some(AccessError {
                kind: AccessErrorKind::StaleHandle,
                detail: "stat: Transport endpoint is not connected".to_owned(),
            }),
        });
    }
    let mut hung = healthy("runner-hung", Role::Runner);
    {
        let p = probe(&mut hung);
        p.is_dir = false;
        p.layout.clear();
        p.hung_steps = vec!["path".to_owned()];
        p.access = Some(Access {
            read: false,
            write: false,
            error: Some(AccessError {
                kind: AccessErrorKind::Hung,
                detail: "path: timed out".to_owned(),
            }),
        });
    }
    let mut file = healthy("runner-file", Role::Runner);
    {
        // What the probe reports for a regular file at SHARED_DIR.
        let p = probe(&mut file);
        p.is_dir = false;
        p.access = Some(Access {
            read: false,
            write: false,
            error: Some(AccessError {
                kind: AccessErrorKind::Other,
                detail: "path: SHARED_DIR is not a directory".to_owned(),
            }),
        });
    }
    let findings = diagnose(&[stale, hung, file], POLICY);
    assert_eq!(
        codes(&findings),
        vec![
            ("path_missing", vec!["runner-file".to_owned()]),
            ("stale_handle", vec!["runner-stale".to_owned()]),
            ("storage_hung", vec!["runner-hung".to_owned()]),
        ]
    );
    assert_eq!(
        findings[0].title,
        "SHARED_DIR /mnt/cluster-share is not a directory"
    );
}
