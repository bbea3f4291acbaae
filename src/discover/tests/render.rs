//! The plan, the rendered TOML (loaded back with the real loader), the example
//! config, and writing files.

use std::net::IpAddr;
use std::path::Path;

use super::super::*;
use super::{nodes, url};
use crate::config::{Config, LoadEnv, check_name};
use crate::facts::Role;

fn plan_for(host: &str) -> Plan {
    let ips: Vec<IpAddr> = Vec::new();
    plan(&url(host), &ips, &nodes())
}

#[test]
fn the_plan_names_addresses_and_leaves_out() {
    let plan = plan_for("http://10.0.0.1:8000");
    let summary: Vec<(String, Role, String, Placement)> = plan
        .entries
        .iter()
        .map(|e| {
            (
                e.name.clone(),
                e.role,
                e.address.clone(),
                e.placement.clone(),
            )
        })
        .collect();
    let active = |name: &str, role, address: &str| {
        (
            name.to_string(),
            role,
            address.to_string(),
            Placement::Active,
        )
    };
    assert_eq!(summary[0], active("host", Role::Host, "10.0.0.1"));
    assert_eq!(summary[1], active("gpu-1", Role::Runner, "10.0.0.11"));
    assert_eq!(summary[2], active("gpu-2", Role::Runner, "10.0.0.12"));
    assert!(
        matches!(&summary[3].3, Placement::CommentedOut { reason } if reason.contains("not an SSH target")),
        "{:?}",
        summary[3]
    );
    assert_eq!(summary[4].3, Placement::OnHost);
    assert_eq!(summary[5], active("gpu-3-", Role::Runner, "10.0.0.13"));
    assert_eq!(summary[6], active("gpu-3--2", Role::Runner, "10.0.0.14"));
    assert_eq!(summary[7], active("gpu-3--3", Role::Runner, "10.0.0.15"));
    assert!(
        matches!(&summary[8].3, Placement::CommentedOut { reason } if reason.contains("same address 10.0.0.11 as runner \"gpu-1\"")),
        "{:?}",
        summary[8]
    );
    assert_eq!(summary[9], active("nourl", Role::Runner, "nourl"));
    assert_eq!(plan.active_count(), 7);
    for entry in &plan.entries {
        assert!(check_name(&entry.name).is_ok(), "{}", entry.name);
    }
    let all = plan.warnings.join("\n");
    for needle in [
        "runner \"gpu-2\" (10.0.0.12) is not online (status \"offline\", last heartbeat 2026-11-25T08:00:00)",
        "runner \"lonely\" is left out (commented out): its url http://127.0.0.1:8001 is a loopback address",
        "runner \"kohaku-host\" (http://10.0.0.1:8001) runs on the Host",
        "runner hostname \"gpu 3!\" is not a valid node name",
        "two nodes would be named \"gpu-3-\": the later one is named \"gpu-3--2\"",
        "runner \"nourl\" has no url: its address is its hostname",
        "runner \"nourl\" (nourl) is of unknown status",
    ] {
        assert!(all.contains(needle), "missing {needle:?} in:\n{all}");
    }
}

#[test]
fn a_runner_on_the_host_is_found_by_hostname_or_resolved_ip() {
    let one = [ApiNode {
        hostname: "kohaku".into(),
        url: Some("http://192.168.1.5:8001".into()),
        status: Some("online".into()),
        last_heartbeat: None,
    }];
    let by_name = plan(&url("kohaku:8000"), &[], &one);
    assert_eq!(by_name.entries[1].placement, Placement::OnHost);
    assert_eq!(by_name.entries[0].name, "kohaku");
    let ip: IpAddr = "192.168.1.5".parse().expect("ip");
    let by_ip = plan(&url("head.lan"), &[ip], &one);
    assert_eq!(by_ip.entries[1].placement, Placement::OnHost);
    assert!(
        by_ip.entries[0]
            .notes
            .iter()
            .any(|n| n.contains("\"kohaku\""))
    );
    let elsewhere = plan(&url("head.lan"), &[], &one);
    assert_eq!(elsewhere.entries[1].placement, Placement::Active);
    assert_eq!(elsewhere.warnings, Vec::<String>::new());
}

#[test]
fn names_are_sanitised_to_pass_the_config_check() {
    for raw in [
        "gpu 3",
        "-x",
        "..",
        "",
        "ünï",
        "a/b",
        &"x".repeat(300),
        "_a",
    ] {
        let clean = sanitise(raw);
        assert!(check_name(&clean).is_ok(), "{raw:?} -> {clean:?}");
    }
    assert_eq!(sanitise("gpu 3"), "gpu-3");
    assert_eq!(sanitise("GPU-1.lan"), "GPU-1.lan");
    assert_eq!(sanitise("--"), "node");
}

#[test]
fn rendered_config_snapshot() {
    let host = url("http://10.0.0.1:8000");
    let plan = plan_for("http://10.0.0.1:8000");
    insta::assert_snapshot!(render_toml(&host, &plan, "2026-11-26T10:42:00Z"));
}

#[test]
fn the_rendered_config_loads_with_the_real_loader() {
    for host in [
        "http://10.0.0.1:8000",
        "127.0.0.1:8000",
        "[fd00::1]",
        "kohaku-host.lan",
    ] {
        let Ok(parsed) = HostUrl::parse(host) else {
            continue;
        };
        let plan = plan(&parsed, &[], &nodes());
        let text = render_toml(&parsed, &plan, "2026-11-26T10:42:00Z");
        let config = Config::from_toml_str_with_home(&text, Path::new("discovered.toml"), None)
            .unwrap_or_else(|e| panic!("{host}: the rendered config must load: {e}\n{text}"));
        let got: Vec<(&str, Role, &str)> = config
            .nodes
            .iter()
            .map(|n| (n.name.as_str(), n.role, n.address.as_str()))
            .collect();
        let want: Vec<(&str, Role, &str)> = plan
            .entries
            .iter()
            .filter(|e| e.placement == Placement::Active)
            .map(|e| (e.name.as_str(), e.role, e.address.as_str()))
            .collect();
        assert_eq!(got, want, "{host}");
        assert!(
            config
                .nodes
                .iter()
                .all(|n| n.shared_dir_source == crate::facts::SharedDirSource::Default),
            "shared_dir must be left unset"
        );
    }
}

#[test]
fn hostile_text_from_the_host_cannot_break_out_of_a_comment() {
    let evil = [ApiNode {
        hostname: "x\n[[nodes]]\nname = \"evil\"".into(),
        url: Some("http://10.9.9.9:8001".into()),
        status: Some("down\n[[nodes]]".into()),
        last_heartbeat: Some("\u{1b}[31mred".into()),
    }];
    let host = url("10.0.0.1");
    let plan = plan(&host, &[], &evil);
    let text = render_toml(&host, &plan, "t");
    let config = Config::from_toml_str_with_home(&text, Path::new("x.toml"), None)
        .unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(config.nodes.len(), 2, "{text}");
    assert_eq!(config.nodes[1].address, "10.9.9.9");
    assert!(!text.contains('\u{1b}'));
    assert!(plan.warnings.iter().all(|w| !w.contains('\n')));
}

#[test]
fn quoting_round_trips_through_toml() {
    for s in ["plain", "a\"b", "back\\slash", "tab\tnl\n", "ünï"] {
        let doc = format!("v = {}", quote(s));
        let table: toml::Table = toml::from_str(&doc).expect("valid TOML");
        assert_eq!(table["v"].as_str(), Some(s));
    }
}

#[test]
fn the_example_loads_and_documents_every_key() {
    let config = Config::from_toml_str_with_home(EXAMPLE_CONFIG, Path::new("ex.toml"), None)
        .unwrap_or_else(|e| panic!("the example must load: {e}"));
    let got: Vec<(&str, Role, &str)> = config
        .nodes
        .iter()
        .map(|n| (n.name.as_str(), n.role, n.address.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("host", Role::Host, "10.0.0.1"),
            ("runner-1", Role::Runner, "10.0.0.11"),
            ("runner-2", Role::Runner, "gpu-box-2"),
        ]
    );
    // Settings are commented out at their defaults: the example changes nothing.
    assert!(config.nodes.iter().all(|n| n.user.is_none()));
    let keys = crate::config::TOP_KEYS
        .iter()
        .chain(crate::config::DEFAULTS_KEYS)
        .chain(crate::config::NODE_KEYS);
    for key in keys {
        let documented = EXAMPLE_CONFIG.lines().any(|line| {
            let line = line.trim_start_matches(['#', ' ']);
            line.starts_with(&format!("{key} ="))
                || line.starts_with(&format!("[{key}]"))
                || line.starts_with(&format!("[[{key}]]"))
        });
        assert!(documented, "the example does not show `{key}`");
    }
}

#[test]
fn the_token_never_shows() {
    let token = Token::new("0123abcd".repeat(8));
    assert_eq!(format!("{token:?}"), "Token(<redacted>)");
    assert_eq!(
        token.scrub(&format!("echo: Bearer {}!", token.expose())),
        "echo: Bearer <token>!"
    );
}

#[test]
fn write_config_refuses_to_overwrite_unless_forced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("a/b/config.toml");
    write_config(&path, "one", false).expect("first write creates the folders");
    assert_eq!(std::fs::read_to_string(&path).expect("read"), "one");
    let err = write_config(&path, "two", false).expect_err("refused");
    assert!(err.to_string().contains("--force"), "{err}");
    assert_eq!(std::fs::read_to_string(&path).expect("read"), "one");
    write_config(&path, "three", true).expect("forced");
    assert_eq!(std::fs::read_to_string(&path).expect("read"), "three");
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&path).expect("meta").permissions(),
    );
    assert_eq!(mode & 0o022, 0, "not group/world-writable: {mode:o}");
    let leftovers: Vec<_> = std::fs::read_dir(path.parent().expect("parent"))
        .expect("list")
        .collect();
    assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
}

#[test]
fn init_writes_where_the_loader_reads() {
    let env = LoadEnv {
        rivershare_config: None,
        xdg_config_home: None,
        home: Some("/home/op".into()),
    };
    assert_eq!(
        init_path(None, &env).as_deref(),
        Some(Path::new("/home/op/.config/rivershare/config.toml"))
    );
    assert_eq!(
        init_path(Some(Path::new("/x.toml")), &env).as_deref(),
        Some(Path::new("/x.toml"))
    );
    let with_var = LoadEnv {
        rivershare_config: Some("~/rs.toml".into()),
        ..env.clone()
    };
    assert_eq!(
        init_path(None, &with_var).as_deref(),
        Some(Path::new("/home/op/rs.toml"))
    );
    let no_home = LoadEnv::default();
    assert_eq!(init_path(None, &no_home), None);
}
