use super::*;
use crate::diagnose::{Policy, diagnose};
use crate::facts::{ConfigProblem, KohakuriverFacts, UnitFacts};
use crate::testutil::healthy;

const POLICY: Policy = Policy {
    min_free_bytes: 0,
    slow_io_mbps: 0.0,
};

fn with_unit(mut n: NodeFacts, requires: &[&str], after: &[&str]) -> NodeFacts {
    n.kohakuriver = Some(KohakuriverFacts {
        unit: Some(UnitFacts {
            name: format!("kohakuriver-{}", n.role.as_str()),
            requires_mounts_for: requires.iter().map(|s| (*s).to_owned()).collect(),
            ordered_after: after.iter().map(|s| (*s).to_owned()).collect(),
        }),
        config_path: Some(format!("/root/.kohakuriver/{}_config.py", n.role.as_str())),
        shared_dir: Some(n.shared_dir.clone()),
        tarball_dir: None,
        problems: vec![],
    });
    n
}

fn of(findings: &[Finding], code: Code) -> Vec<&Finding> {
    findings.iter().filter(|f| f.code == code).collect()
}

#[test]
fn a_unit_without_ordering_gets_the_exact_drop_in() {
    let n = with_unit(healthy("runner-01", Role::Runner), &[], &["network.target"]);
    let all = diagnose(&[n], POLICY);
    let f = of(&all, Code::UnitNotOrdered);
    assert_eq!(f.len(), 1, "{all:#?}");
    let f = f[0];
    assert_eq!(f.severity, crate::diagnose::Severity::Warning);
    assert_eq!(f.nodes, ["runner-01"]);
    assert!(
        f.hint
            .contains("sudo systemctl edit kohakuriver-runner and add:\n[Unit]\nRequiresMountsFor=/mnt/cluster-share\n"),
        "{}",
        f.hint
    );
    assert_eq!(f.commands[0], "sudo systemctl edit kohakuriver-runner");
    assert_eq!(
        f.commands[1],
        "sudo mkdir -p /etc/systemd/system/kohakuriver-runner.service.d && printf '[Unit]\\nRequiresMountsFor=%s\\n' /mnt/cluster-share | sudo tee /etc/systemd/system/kohakuriver-runner.service.d/rivershare-mount.conf && sudo systemctl daemon-reload"
    );
    assert!(
        f.debug_commands
            .contains(&"systemctl cat kohakuriver-runner".to_owned())
    );
    assert_eq!(
        f.evidence,
        [
            "runner-01: kohakuriver-runner: RequiresMountsFor=none; After/Requires/BindsTo/Wants=network.target"
        ]
    );
}

#[test]
fn requires_mounts_for_a_parent_the_mount_unit_or_remote_fs_are_enough() {
    let ok = [
        with_unit(healthy("a", Role::Runner), &["/mnt/cluster-share/"], &[]),
        with_unit(healthy("b", Role::Runner), &["/var/x", "/mnt"], &[]),
        with_unit(healthy("c", Role::Runner), &["/"], &[]),
        with_unit(
            healthy("d", Role::Runner),
            &[],
            &["mnt-cluster\\x2dshare.mount"],
        ),
        with_unit(healthy("e", Role::Host), &[], &["remote-fs.target"]),
    ];
    for n in &ok {
        assert!(unit_not_ordered(n).is_none(), "{}", n.name);
    }
    // Not a parent: a sibling with a common prefix, or another mount's unit.
    let bad = [
        with_unit(healthy("f", Role::Runner), &["/mnt/cluster"], &[]),
        with_unit(
            healthy("g", Role::Runner),
            &[],
            &["mnt.mount", "network.target"],
        ),
    ];
    for n in &bad {
        assert!(unit_not_ordered(n).is_some(), "{}", n.name);
    }
    // SHARED_DIR below the mount point: the mount point's unit counts.
    let mut n = with_unit(healthy("h", Role::Runner), &[], &["srv.mount"]);
    n.shared_dir = "/srv/share".into();
    n.probe
        .as_mut()
        .and_then(|p| p.mount.as_mut())
        .expect("mount")
        .target = "/srv".into();
    assert!(unit_not_ordered(&n).is_none());
}

#[test]
fn no_unit_or_no_discovery_gives_no_ordering_finding() {
    let mut n = healthy("runner-01", Role::Runner);
    assert!(unit_not_ordered(&n).is_none(), "discovery did not run");
    n.kohakuriver = Some(KohakuriverFacts::default());
    assert!(unit_not_ordered(&n).is_none(), "no kohakuriver-runner unit");
}

#[test]
fn hostile_paths_stay_one_word_and_valid_in_the_unit_file() {
    let mut n = healthy("runner-01", Role::Runner);
    n.shared_dir = "/mnt/it's $(touch x) 50%".into();
    let f = unit_not_ordered(&with_unit(n, &[], &[])).expect("finding");
    assert!(
        f.hint
            .contains("RequiresMountsFor=\"/mnt/it's $(touch x) 50%%\"\n"),
        "{}",
        f.hint
    );
    assert!(
        f.commands[1].contains(
            "printf '[Unit]\\nRequiresMountsFor=%s\\n' '\"/mnt/it'\\''s $(touch x) 50%%\"' | sudo tee"
        ),
        "{}",
        f.commands[1]
    );
    // Debug commands use the real folder, quoted for the shell.
    assert!(
        f.debug_commands
            .contains(&"findmnt -T '/mnt/it'\\''s $(touch x) 50%'".to_owned()),
        "{:?}",
        f.debug_commands
    );
}

#[test]
fn differing_shared_dirs_give_one_finding_with_the_paths_side_by_side() {
    let host = healthy("host", Role::Host);
    let r1 = healthy("runner-01", Role::Runner);
    let mut r2 = healthy("runner-02", Role::Runner);
    r2.shared_dir = "/data/share/".into();
    let r2 = with_unit(r2, &["/data/share"], &[]);
    let mut r3 = healthy("runner-03", Role::Runner);
    r3.shared_dir = "/mnt/cluster-share/".into(); // a trailing slash is the same path
    let mut gone = healthy("runner-04", Role::Runner);
    gone.shared_dir = "/elsewhere".into();
    gone.reachable = false;
    let all = diagnose(&[host, r1, r2, r3, gone], POLICY);
    let f = of(&all, Code::SharedDirDiffers);
    assert_eq!(f.len(), 1, "{all:#?}");
    let f = f[0];
    assert_eq!(
        f.nodes,
        ["runner-02"],
        "only the node to change; runner-04 is unreachable"
    );
    assert_eq!(
        f.evidence,
        [
            "host,runner-01,runner-03: /mnt/cluster-share   (the Host's)",
            "runner-02: /data/share",
        ]
    );
    assert!(f.why.contains("task logs"), "{}", f.why);
    assert!(f.why.contains("SHARED_DIR/logs"));
    assert!(
        f.hint.contains("the Host's /mnt/cluster-share"),
        "{}",
        f.hint
    );
    assert_eq!(
        f.commands[0],
        "sudo mkdir -p /mnt/cluster-share && sudo mount --bind /data/share/ /mnt/cluster-share   # on runner-02"
    );
    assert!(
        f.commands
            .iter()
            .any(|c| c == "sudoedit /root/.kohakuriver/runner_config.py   # on runner-02: SHARED_DIR: str = \"/mnt/cluster-share\""),
        "{:?}",
        f.commands
    );
    // All on one path: nothing.
    assert!(shared_dir_differs(&[healthy("a", Role::Host), healthy("b", Role::Runner)]).is_none());
}

#[test]
fn without_a_host_the_common_path_is_the_reference_and_hostile_paths_are_quoted() {
    let a = healthy("a", Role::Runner);
    let b = healthy("b", Role::Runner);
    let mut c = healthy("c", Role::Runner);
    c.shared_dir = "/mnt/x y$(id)".into();
    let f = shared_dir_differs(&[a, b, c]).expect("finding");
    assert_eq!(f.nodes, ["c"]);
    assert_eq!(f.evidence, ["a,b: /mnt/cluster-share", "c: /mnt/x y$(id)"]);
    assert_eq!(
        f.commands[0],
        "sudo mkdir -p /mnt/cluster-share && sudo mount --bind '/mnt/x y$(id)' /mnt/cluster-share   # on c"
    );
}

#[test]
fn a_kohakuriver_config_naming_another_folder_is_shown() {
    let host = healthy("host", Role::Host);
    let mut r = with_unit(healthy("runner-02", Role::Runner), &["/"], &[]);
    r.shared_dir = "/data/share".into();
    if let Some(k) = r.kohakuriver.as_mut() {
        k.shared_dir = Some("/mnt/other".into());
    }
    let f = shared_dir_differs(&[host, r]).expect("finding");
    assert!(
        f.evidence.contains(
            &"runner-02: its KohakuRiver config says SHARED_DIR /mnt/other, rivershare checks /data/share (set in rivershare's config)".to_owned()
        ),
        "{:?}",
        f.evidence
    );
}

#[test]
fn config_problems_name_the_file_line_and_what_is_used() {
    let mut n = healthy("runner-01", Role::Runner);
    n.shared_dir_source = SharedDirSource::Default;
    n.kohakuriver = Some(KohakuriverFacts {
        unit: None,
        config_path: Some("/root/.kohakuriver/runner_config.py".into()),
        shared_dir: None,
        tarball_dir: None,
        problems: vec![
            ConfigProblem {
                line: Some(5),
                message: "SHARED_DIR in /root/.kohakuriver/runner_config.py is not a plain string (f\"{BASE}\")".into(),
            },
            ConfigProblem {
                line: Some(7),
                message: "CONTAINER_TAR_DIR in /root/.kohakuriver/runner_config.py is not a plain string (X)".into(),
            },
        ],
    });
    let f = config_unreadable(&n).expect("finding");
    assert_eq!(f.code, Code::ConfigUnreadable);
    assert_eq!(
        f.evidence,
        [
            "runner-01: line 5: SHARED_DIR in /root/.kohakuriver/runner_config.py is not a plain string (f\"{BASE}\"); rivershare uses SHARED_DIR /mnt/cluster-share (KohakuRiver's default)",
            "runner-01: line 7: CONTAINER_TAR_DIR in /root/.kohakuriver/runner_config.py is not a plain string (X); the tarball folder defaults to /mnt/cluster-share/kohakuriver-containers",
        ]
    );
    assert!(
        f.hint.contains("Open /root/.kohakuriver/runner_config.py"),
        "{}",
        f.hint
    );
    assert!(
        f.commands
            .contains(&"sudoedit /root/.kohakuriver/runner_config.py".to_owned())
    );
    // The rivershare config's value, when that is what is used.
    n.shared_dir_source = SharedDirSource::Config;
    n.shared_dir = "/srv/it's".into();
    let f = config_unreadable(&n).expect("finding");
    assert!(
        f.evidence[0]
            .ends_with("rivershare uses SHARED_DIR /srv/it's (set in rivershare's config)")
    );
    assert!(
        f.debug_commands
            .iter()
            .any(|c| c == "grep -n _DIR /root/.kohakuriver/runner_config.py"),
        "{:?}",
        f.debug_commands
    );
    // No problems: no finding.
    n.kohakuriver = Some(KohakuriverFacts::default());
    assert!(config_unreadable(&n).is_none());
}
