use super::*;
use crate::diagnose::Severity;
use crate::facts::{Access, AccessError, MountInfo, NodeError, ProbeFacts, Role, SharedDirSource};

fn node(name: &str, dir: &str) -> NodeFacts {
    NodeFacts {
        name: name.into(),
        role: Role::Runner,
        address: "10.0.0.9".into(),
        shared_dir: dir.into(),
        shared_dir_source: SharedDirSource::Config,
        reachable: true,
        rtt_ms: Some(1.0),
        error: None,
        probe: Some(ProbeFacts {
            exists: true,
            is_dir: true,
            mount: Some(MountInfo {
                target: dir.into(),
                source: "10.0.0.5:/export".into(),
                fstype: "nfs4".into(),
                options: vec!["rw".into()],
                network: true,
                provider: "nfs".into(),
                is_mount_point: true,
            }),
            ..ProbeFacts::default()
        }),
        kohakuriver: None,
    }
}

fn finding(code: Code, nodes: &[&str]) -> Finding {
    Finding {
        code,
        severity: Severity::Critical,
        nodes: nodes.iter().map(|n| (*n).to_owned()).collect(),
        title: "t".into(),
        why: String::new(),
        hint: "h".into(),
        debug_commands: Vec::new(),
        commands: vec!["umount -l /mnt/cluster-share".into()],
        evidence: Vec::new(),
    }
}

/// The program each command runs: its first word (and the pipe's second part).
fn programs(t: &DebugTarget) -> Vec<String> {
    t.commands
        .iter()
        .map(|c| {
            c.split(" | ")
                .map(|part| part.split(' ').next().unwrap_or("").to_owned())
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect()
}

#[test]
fn a_node_gets_the_mount_table_then_the_entrys_debug_commands_with_its_values() {
    let facts = vec![node("r1", "/mnt/cluster-share")];
    let t = targets(&finding(Code::PermissionDenied, &["r1"]), &facts);
    assert_eq!(t.len(), 1);
    assert_eq!(
        t[0].commands,
        [
            "findmnt -T /mnt/cluster-share",
            "mount | grep -F -- /mnt/cluster-share",
            "id",
            "ls -ld /mnt/cluster-share",
            "stat /mnt/cluster-share",
            "findmnt -no SOURCE,OPTIONS -T /mnt/cluster-share",
            "showmount -e 10.0.0.5",
        ]
    );
    // A node without a mount of its own asks the server the others mount.
    let mut facts = vec![node("r1", "/mnt/cluster-share"), node("r2", "/data")];
    facts[1].probe.as_mut().expect("probe").mount = None;
    let t = targets(&finding(Code::NotMounted, &["r2"]), &facts);
    for wanted in ["showmount -e 10.0.0.5", "nc -zv -w 3 10.0.0.5 2049"] {
        assert!(t[0].commands.iter().any(|c| c == wanted), "{t:?}");
    }
    assert_eq!(t[0].commands[0], "findmnt -T /data");
}

#[test]
fn only_allow_listed_read_only_programs_ever_appear() {
    let allowed = [
        "findmnt",
        "mount|grep",
        "grep",
        "showmount",
        "rpcinfo",
        "nc",
        "ls",
        "df",
        "du",
        "stat",
        "id",
        "systemctl",
        "journalctl",
        "nfsstat",
        "ip",
        "ps",
        "cat",
    ];
    let mut facts = vec![node("a", "/mnt/s"), node("b", "/srv/x y")];
    facts[1].probe.as_mut().expect("probe").mount = None;
    for code in Code::ALL {
        let fix: Vec<&str> = crate::diagnose::hints::entry(*code)
            .map_or(&[][..], |e| e.fix_commands)
            .to_vec();
        for t in targets(&finding(*code, &["a", "b"]), &facts) {
            assert_eq!(programs(&t)[0], "findmnt", "{code:?}: findmnt first");
            for (p, c) in programs(&t).iter().zip(&t.commands) {
                assert!(allowed.contains(&p.as_str()), "{code:?}: {p} in {t:?}");
                assert!(
                    crate::diagnose::hints::is_read_only(c),
                    "{code:?}: {c} is not read-only"
                );
            }
            // Neither the finding's own state-changing commands nor the
            // catalogue's fix commands are ever copied in.
            assert!(!t.commands.iter().any(|c| c.contains("umount")));
            for c in &t.commands {
                assert!(
                    !fix.iter().any(
                        |f| f.split_whitespace().next() == c.split_whitespace().next()
                            && !crate::diagnose::hints::is_read_only(f)
                    ),
                    "{code:?}: {c} looks like a fix command"
                );
            }
        }
    }
}

#[test]
fn hung_or_stale_nodes_get_only_the_mount_table() {
    let mut facts = vec![
        node("h", "/mnt/s"),
        node("s", "/mnt/s"),
        node("t", "/mnt/s"),
    ];
    facts[0].probe.as_mut().expect("probe").hung_steps = vec!["stat".into()];
    facts[1].probe.as_mut().expect("probe").access = Some(Access {
        read: false,
        write: false,
        error: Some(AccessError {
            kind: AccessErrorKind::StaleHandle,
            detail: "stat: Stale file handle".into(),
        }),
    });
    facts[2].error = Some(NodeError::new(NodeErrorKind::CommandTimeout, "probe hung"));
    facts[2].probe = None;
    let t = targets(&finding(Code::NotShared, &["h", "s", "t"]), &facts);
    assert_eq!(t.len(), 3);
    for target in &t {
        assert_eq!(programs(target), ["findmnt", "mount|grep"], "{target:?}");
    }
    // The finding's code alone is enough, too.
    let t = targets(&finding(Code::StorageHung, &["h"]), &[node("h", "/mnt/s")]);
    assert_eq!(programs(&t[0]), ["findmnt", "mount|grep"]);
}

#[test]
fn unreachable_and_refused_nodes_get_nothing_and_names_are_deduplicated() {
    let mut facts = vec![node("down", "/m"), node("auth", "/m"), node("ok", "/m")];
    facts[0].reachable = false;
    facts[0].error = Some(NodeError::new(NodeErrorKind::Unreachable, "no route"));
    facts[1].error = Some(NodeError::new(NodeErrorKind::AuthFailed, "refused"));
    let t = targets(
        &finding(Code::Unreachable, &["down", "auth", "ok", "ok", "ghost"]),
        &facts,
    );
    let names: Vec<&str> = t.iter().map(|t| t.node.as_str()).collect();
    assert_eq!(names, ["ok"]);
}

#[test]
fn hostile_paths_and_servers_stay_quoted_data() {
    let mut facts = vec![node("r", "/mnt/it's $(touch /tmp/pwned) `id`")];
    facts[0]
        .probe
        .as_mut()
        .expect("probe")
        .mount
        .as_mut()
        .expect("mount")
        .source = "-oProxy=x:/export".into();
    let t = targets(&finding(Code::PermissionDenied, &["r"]), &facts);
    let q = "'/mnt/it'\\''s $(touch /tmp/pwned) `id`'";
    assert_eq!(t[0].commands[0], format!("findmnt -T {q}"));
    assert_eq!(t[0].commands[1], format!("mount | grep -F -- {q}"));
    // A server that would read as an option is not asked at all.
    assert!(!t[0].commands.iter().any(|c| c.starts_with("showmount")));
    // Every command naming the path has it as one quoted word, untouched.
    let naming: Vec<&String> = t[0]
        .commands
        .iter()
        .filter(|c| c.contains("pwned"))
        .collect();
    assert_eq!(naming.len(), t[0].commands.len() - 1, "all but `id`: {t:?}");
    for c in naming {
        assert!(c.ends_with(q), "{c}");
    }
}

#[test]
fn showmount_only_for_plain_nfs_with_a_server() {
    let asks = |fstype: &str, provider: &str, source: &str| {
        let mut f = node("r", "/m");
        let m = f.probe.as_mut().expect("p").mount.as_mut().expect("m");
        m.fstype = fstype.into();
        m.provider = provider.into();
        m.source = source.into();
        let t = targets(&finding(Code::PermissionDenied, &["r"]), &[f]);
        t[0].commands
            .iter()
            .find_map(|c| c.strip_prefix("showmount -e ").map(str::to_owned))
    };
    assert_eq!(asks("nfs4", "nfs", "nas:/x").as_deref(), Some("nas"));
    assert_eq!(
        asks("nfs", "nfs", "[fe80::1]:/x").as_deref(),
        Some("fe80::1")
    );
    assert_eq!(asks("nfs4", "efs", "fs-1.efs.aws:/"), None);
    assert_eq!(asks("cifs", "cifs", "//srv/share"), None);
    assert_eq!(asks("nfs4", "nfs", "noserver"), None);
}

#[test]
fn tarball_findings_list_the_folder_each_node_sees() {
    let facts = vec![node("host", "/mnt/share"), node("r1", "/data/share")];
    let inv = TarballInventory {
        node: Some("host".into()),
        dir: Some("/mnt/share/kohakuriver-containers".into()),
        entries: Vec::new(),
        summary: Vec::new(),
        visibility: Vec::new(),
        error: None,
    };
    let f = finding(Code::TarballNotVisible, &["r1", "host"]);
    let t = targets_with(&f, &facts, Some(&inv));
    assert_eq!(
        t[0].commands.last().map(String::as_str),
        Some("ls -la /data/share/kohakuriver-containers")
    );
    assert_eq!(
        t[1].commands.last().map(String::as_str),
        Some("ls -la /mnt/share/kohakuriver-containers")
    );
    // Without the inventory: the default folder under the node's SHARED_DIR.
    let t = targets(&f, &facts);
    assert_eq!(
        t[0].commands.last().map(String::as_str),
        Some("ls -la /data/share/kohakuriver-containers")
    );
    // A Runner whose own config sets CONTAINER_TAR_DIR looks there, as
    // KohakuRiver does (and as the visibility check did).
    let mut facts = facts;
    facts[1].kohakuriver = Some(crate::facts::KohakuriverFacts {
        config_path: Some("/root/.kohakuriver/runner_config.py".into()),
        tarball_dir: Some("/cache/tars".into()),
        ..Default::default()
    });
    let t = targets_with(&f, &facts, Some(&inv));
    assert_eq!(
        t[0].commands.last().map(String::as_str),
        Some("ls -la /cache/tars")
    );
    // A mount finding does not list it.
    let t = targets(&finding(Code::NotShared, &["r1"]), &facts);
    assert!(
        !t[0]
            .commands
            .iter()
            .any(|c| c.contains("kohakuriver-containers"))
    );
}

#[test]
fn the_script_quotes_each_command_and_frames_it() {
    let text = script(
        &["findmnt -T '/x'".to_owned(), "stat '/it'\\''s'".to_owned()],
        Duration::from_secs(2),
    );
    assert!(text.starts_with("S=2\n"));
    assert!(text.contains("step c0 16384 T sh -c 'findmnt -T '\\''/x'\\'''\n"));
    assert!(text.contains("step c1 16384 T sh -c "));
    assert!(text.ends_with("printf '@@rivershare end\\n'\n"));
}
