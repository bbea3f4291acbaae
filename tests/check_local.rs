//! The whole `check` pipeline (config -> sweep -> probe -> diagnose -> report ->
//! exit code) through the local transport, on real directories and real mounts
//! on this machine. Needs root for the mounts; fails loudly without it.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

#[path = "support/mounts.rs"]
mod mounts;
use mounts::{Mounted, layout};

#[path = "support/cli.rs"]
mod cli;
use cli::rivershare;

fn node<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["nodes"]
        .as_array()
        .expect("nodes array")
        .iter()
        .find(|n| n["name"] == name)
        .unwrap_or_else(|| panic!("node {name} in report"))
}

fn codes_of(report: &Value, name: &str) -> Vec<String> {
    let mut codes: Vec<String> = report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .filter(|f| {
            f["nodes"]
                .as_array()
                .is_some_and(|ns| ns.iter().any(|n| n == name))
        })
        .map(|f| f["code"].as_str().expect("code string").to_owned())
        .collect();
    codes.sort();
    codes
}

/// What the system itself says, so the test holds on any root filesystem.
fn real_fstype(path: &Path) -> String {
    let out = Command::new("findmnt")
        .args(["-no", "FSTYPE", "-T"])
        .arg(path)
        .output()
        .expect("findmnt runs");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn local_nodes_get_the_right_verdicts_json_and_exit_code() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    let plain = root.join("plain dir $(touch injected)");
    std::fs::create_dir_all(&plain).expect("plain dir");
    layout(&plain);
    let tmpfs = root.join("tmpfs");
    std::fs::create_dir_all(&tmpfs).expect("tmpfs dir");
    let _tmpfs = Mounted::new(&["-t", "tmpfs", "-o", "size=16m", "tmpfs"], &tmpfs);
    layout(&tmpfs);
    let ro = root.join("ro");
    std::fs::create_dir_all(&ro).expect("ro dir");
    let _ro = Mounted::new(&["-t", "tmpfs", "-o", "size=16m,ro", "tmpfs"], &ro);
    let missing = root.join("missing");

    let config = root.join("rivershare.toml");
    std::fs::write(
        &config,
        format!(
            r#"min_free_gib = 0
command_timeout_secs = 8

[[nodes]]
name = "plain"
role = "host"
transport = "local"
shared_dir = {plain:?}

[[nodes]]
name = "tmpfs"
role = "runner"
transport = "local"
shared_dir = {tmpfs:?}

[[nodes]]
name = "ro"
role = "runner"
transport = "local"
shared_dir = {ro:?}

[[nodes]]
name = "missing"
role = "runner"
transport = "local"
shared_dir = {missing:?}
"#,
            plain = plain.display().to_string(),
            tmpfs = tmpfs.display().to_string(),
            ro = ro.display().to_string(),
            missing = missing.display().to_string(),
        ),
    )
    .expect("write config");

    let out = rivershare(
        &[
            "--config",
            config.to_str().expect("utf-8"),
            "check",
            "--only",
            "mounts",
            "--json",
        ],
        root,
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "JSON on stdout ({e}): {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(
        out.status.code(),
        Some(2),
        "critical findings exit 2; stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(report["schema"], "rivershare/check/v1");
    assert_eq!(report["exit_code"], 2);

    assert_eq!(codes_of(&report, "plain"), vec!["not_mounted"]);
    assert_eq!(
        node(&report, "plain")["mount"]["fstype"],
        real_fstype(&plain).as_str()
    );
    assert_eq!(node(&report, "plain")["access"]["write"], true);
    assert!(
        !root.join("injected").exists() && !Path::new("injected").exists(),
        "SHARED_DIR was run as code"
    );

    // Every Runner here has a SHARED_DIR string of its own: shared_dir_differs.
    assert_eq!(
        codes_of(&report, "tmpfs"),
        vec!["not_mounted", "shared_dir_differs"]
    );
    assert_eq!(node(&report, "tmpfs")["mount"]["fstype"], "tmpfs");
    assert_eq!(node(&report, "tmpfs")["mount"]["network"], false);
    assert_eq!(node(&report, "tmpfs")["layout"]["shared_data"], true);

    assert_eq!(
        codes_of(&report, "ro"),
        vec![
            "layout_missing",
            "not_mounted",
            "read_only",
            "shared_dir_differs"
        ]
    );
    assert_eq!(node(&report, "ro")["access"]["write"], false);
    assert_eq!(node(&report, "ro")["access"]["error"]["kind"], "read_only");

    assert_eq!(
        codes_of(&report, "missing"),
        vec!["path_missing", "shared_dir_differs"]
    );
    assert_eq!(node(&report, "missing")["exists"], false);

    // Human output: the same verdicts, folded, with the fix commands.
    let human = rivershare(
        &[
            "--config",
            config.to_str().expect("utf-8"),
            "check",
            "--only",
            "mounts",
        ],
        root,
    );
    let text = String::from_utf8_lossy(&human.stdout);
    assert_eq!(human.status.code(), Some(2));
    for expected in [
        "path_missing",
        "read_only",
        "not_mounted",
        "$ sudo mount -o remount,rw",
    ] {
        assert!(
            text.contains(expected),
            "human output lacks {expected:?}:\n{text}"
        );
    }
    assert!(
        !text.contains("\x1b["),
        "no colour when stdout is not a terminal"
    );
}

#[test]
fn healthy_looking_local_node_without_findings_exits_zero_and_warning_exits_one() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    let share = root.join("share");
    std::fs::create_dir_all(&share).expect("dir");
    let _tmpfs = Mounted::new(&["-t", "tmpfs", "-o", "size=16m", "tmpfs"], &share);
    layout(&share);
    let config = root.join("c.toml");
    let body = format!(
        "min_free_gib = 0\n[[nodes]]\nname = \"a\"\nrole = \"host\"\ntransport = \"local\"\nshared_dir = {:?}\n",
        share.display().to_string()
    );
    std::fs::write(&config, &body).expect("write");
    let out = rivershare(
        &[
            "--config",
            config.to_str().expect("utf-8"),
            "check",
            "--only",
            "mounts",
            "--json",
        ],
        root,
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "tmpfs is only not_mounted, a warning"
    );

    // A low-space threshold no tmpfs of 16 MiB can meet adds a second warning, still exit 1.
    std::fs::write(
        &config,
        body.replace("min_free_gib = 0", "min_free_gib = 1"),
    )
    .expect("write");
    let out = rivershare(
        &[
            "--config",
            config.to_str().expect("utf-8"),
            "check",
            "--only",
            "mounts",
            "--json",
        ],
        root,
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(codes_of(&report, "a"), vec!["low_space", "not_mounted"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn bad_config_exits_3_and_names_the_line() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let config = tmp.path().join("bad.toml");
    std::fs::write(
        &config,
        "[[nodes]]\nname = \"a\"\nrole = \"host\"\nadress = \"10.0.0.1\"\n",
    )
    .expect("write");
    let out = rivershare(
        &[
            "--config",
            config.to_str().expect("utf-8"),
            "check",
            "--json",
        ],
        tmp.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "stderr: {stderr}");
    assert!(out.stdout.is_empty(), "nothing runs after a config error");
    assert!(
        stderr.contains("bad.toml:4"),
        "names file and line: {stderr}"
    );
    assert!(
        stderr.contains("address"),
        "suggests the closest key: {stderr}"
    );
}

#[test]
fn unknown_command_line_flag_exits_3() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = rivershare(&["check", "--bogus"], tmp.path());
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn embedded_default_reads_shared_dir_from_the_local_kohakuriver_config() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let home = tmp.path();
    let share = home.join("kr share");
    std::fs::create_dir_all(&share).expect("dir");
    layout(&share);
    std::fs::create_dir_all(home.join(".kohakuriver")).expect("dir");
    std::fs::write(
        home.join(".kohakuriver/host_config.py"),
        format!(
            "# KohakuRiver host config\nSHARED_DIR: str = {:?}\nHOST_PORT = 8000\n",
            share.display().to_string()
        ),
    )
    .expect("write");
    let out = rivershare(&["check", "--json"], home);
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("json: {e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(report["config"], "embedded");
    let node = node(&report, "localhost");
    assert_eq!(node["shared_dir"], share.display().to_string());
    assert_eq!(node["shared_dir_source"], "kohakuriver");
    assert_eq!(node["role"], "host");
    assert_eq!(codes_of(&report, "localhost"), vec!["not_mounted"]);
    // JSON keeps stderr quiet for cron; the human form says which config it used.
    let human = rivershare(&["check"], home);
    let stderr = String::from_utf8_lossy(&human.stderr);
    assert!(
        stderr.contains("using config embedded default"),
        "says which config it used: {stderr}"
    );
    assert_eq!(
        human.status.code(),
        Some(1),
        "not_mounted alone is a warning"
    );
}

#[test]
fn read_only_mode_never_writes_so_a_read_only_mount_is_not_flagged() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    let share = root.join("ro share");
    std::fs::create_dir_all(&share).expect("dir");
    let _ro = Mounted::new(&["-t", "tmpfs", "-o", "size=16m,ro", "tmpfs"], &share);
    let config = root.join("c.toml");
    std::fs::write(
        &config,
        format!(
            "read_only = true\nmin_free_gib = 0\n[[nodes]]\nname = \"a\"\nrole = \"runner\"\ntransport = \"local\"\nshared_dir = {:?}\n",
            share.display().to_string()
        ),
    )
    .expect("write");
    let out = rivershare(
        &[
            "--config",
            config.to_str().expect("utf-8"),
            "check",
            "--json",
        ],
        root,
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    // The write test would have hit EROFS; in read-only mode it must not run at all.
    assert_eq!(
        codes_of(&report, "a"),
        vec!["layout_missing", "not_mounted"]
    );
    let node = node(&report, "a");
    assert_eq!(node["access"]["write"], false);
    assert_eq!(node["access"]["read"], true);
    assert!(
        node["warnings"]
            .as_array()
            .expect("warnings")
            .iter()
            .any(|w| w.as_str().is_some_and(|w| w.contains("read_only = true"))),
        "says the write test was skipped: {node}"
    );
}

#[test]
fn default_check_verifies_across_nodes_and_flags_the_one_that_shares_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    let share = root.join("share");
    let other_path = root.join("same share elsewhere");
    let lonely = root.join("lonely");
    for d in [&share, &other_path, &lonely] {
        std::fs::create_dir_all(d).expect("dir");
    }
    let _share = Mounted::new(&["-t", "tmpfs", "-o", "size=16m", "tmpfs"], &share);
    layout(&share);
    let _bind = Mounted::new(&["--bind", share.to_str().expect("utf-8")], &other_path);
    let _lonely = Mounted::new(&["-t", "tmpfs", "-o", "size=16m", "tmpfs"], &lonely);
    layout(&lonely);
    let config = root.join("c.toml");
    write_local_config(
        &config,
        "min_free_gib = 0\nverify_deadline_secs = 1\n",
        &[
            ("a", "host", share.as_path()),
            ("b", "runner", other_path.as_path()),
            ("c", "runner", lonely.as_path()),
        ],
    );
    let out = rivershare(
        &[
            "--config",
            config.to_str().expect("utf-8"),
            "check",
            "--json",
        ],
        root,
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    let verify = &report["verify"];
    assert_eq!(
        verify["shared"],
        serde_json::json!(["a", "b"]),
        "{verify:#}"
    );
    assert_eq!(
        codes_of(&report, "c"),
        vec!["not_mounted", "not_shared", "shared_dir_differs"]
    );
    // a and b are verified to share storage: a tmpfs there is not a problem worth a warning.
    for n in ["a", "b"] {
        assert!(!codes_of(&report, n).contains(&"not_shared".to_owned()));
    }
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(verify["cleanup"]["complete"], true);
    for d in [&share, &lonely] {
        assert!(
            d.join(".rivershare/verify")
                .read_dir()
                .is_ok_and(|mut e| e.next().is_none()),
            "verification left {} behind",
            d.display()
        );
    }
}

#[test]
fn io_bench_measures_each_shared_node_and_flags_the_slow_ones() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    let share = root.join("share");
    let other = root.join("other");
    for d in [&share, &other] {
        std::fs::create_dir_all(d).expect("dir");
    }
    let _share = Mounted::new(&["-t", "tmpfs", "-o", "size=160m", "tmpfs"], &share);
    layout(&share);
    let _bind = Mounted::new(&["--bind", share.to_str().expect("utf-8")], &other);
    let config = root.join("c.toml");
    // No storage reaches a million MB/s: both nodes must be flagged slow.
    write_local_config(
        &config,
        "min_free_gib = 0\nslow_io_mbps = 1000000\ncommand_timeout_secs = 30\n",
        &[
            ("a", "host", share.as_path()),
            ("b", "runner", other.as_path()),
        ],
    );
    let out = rivershare(
        &[
            "--config",
            config.to_str().expect("utf-8"),
            "check",
            "--json",
            "--io-bench",
        ],
        root,
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    let bench = report["verify"]["io_bench"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(bench.len(), 2, "{:#}", report["verify"]);
    for b in &bench {
        assert!(b["write_mbps"].as_f64().is_some_and(|v| v > 0.0), "{b:#}");
        assert!(b["read_mbps"].as_f64().is_some_and(|v| v > 0.0), "{b:#}");
    }
    for n in ["a", "b"] {
        assert!(
            codes_of(&report, n).contains(&"slow_storage".to_owned()),
            "{n}: {:?}",
            codes_of(&report, n)
        );
    }
    assert!(
        share
            .join(".rivershare/verify")
            .read_dir()
            .is_ok_and(|mut e| e.next().is_none()),
        "bench files removed"
    );
    // Without --io-bench there is no speed test and no slow_storage.
    let out = rivershare(
        &[
            "--config",
            config.to_str().expect("utf-8"),
            "check",
            "--json",
        ],
        root,
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(report["verify"]["io_bench"].is_null());
    assert!(!codes_of(&report, "a").contains(&"slow_storage".to_owned()));
}

#[test]
fn the_hosts_container_dir_setting_moves_the_tarball_folder() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    let share = root.join("share");
    let runner_view = root.join("runner view");
    let custom = share.join("custom-tars");
    std::fs::create_dir_all(&custom).expect("custom folder");
    std::fs::create_dir_all(share.join("kohakuriver-containers")).expect("default folder");
    std::fs::create_dir_all(&runner_view).expect("dir");
    let _bind = Mounted::new(&["--bind", share.to_str().expect("utf-8")], &runner_view);
    for f in ["base-1700000000.tar", "base-1700000100.tar"] {
        std::fs::write(custom.join(f), b"tar bytes").expect("tarball");
        let old = Command::new("touch")
            .args(["-d", "2 days ago"])
            .arg(custom.join(f))
            .status()
            .expect("touch");
        assert!(old.success());
    }
    // The Host's own KohakuRiver config, in the HOME rivershare (and so its local transport) runs with.
    std::fs::create_dir_all(root.join(".kohakuriver")).expect("dir");
    std::fs::write(
        root.join(".kohakuriver/host_config.py"),
        format!(
            "SHARED_DIR = {:?}\nCONTAINER_DIR: str = {:?}\n",
            share.display().to_string(),
            custom.display().to_string()
        ),
    )
    .expect("host config");
    let config = root.join("c.toml");
    write_local_config(
        &config,
        "min_free_gib = 0\n",
        &[
            ("h", "host", share.as_path()),
            ("r", "runner", runner_view.as_path()),
        ],
    );
    let out = rivershare(
        &[
            "--config",
            config.to_str().expect("utf-8"),
            "check",
            "--json",
            "--only",
            "tarballs",
        ],
        root,
    );
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("json: {e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(
        report["tarball_folder"]["dir"],
        custom.display().to_string(),
        "{:#}",
        report["tarball_folder"]
    );
    let statuses: Vec<(String, String)> = report["tarballs"]
        .as_array()
        .expect("tarballs list")
        .iter()
        .map(|t| {
            (
                t["file"].as_str().unwrap_or("").to_owned(),
                t["status"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        vec![
            ("base-1700000000.tar".to_owned(), "superseded".to_owned()),
            ("base-1700000100.tar".to_owned(), "latest".to_owned())
        ]
    );
    // The Runner looks for the latest file at the same place below its own SHARED_DIR.
    let visibility = report["tarball_folder"]["visibility"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(visibility.len(), 1, "{visibility:?}");
    assert_eq!(visibility[0]["runner"], "r");
    assert_eq!(visibility[0]["status"], "visible", "{:#}", visibility[0]);
}

/// Write a config of local nodes (name, role, SHARED_DIR) after `head`, the
/// top-level keys.
fn write_local_config(config: &Path, head: &str, nodes: &[(&str, &str, &Path)]) {
    let mut body = String::from(head);
    for (name, role, dir) in nodes {
        body.push_str(&format!(
            "[[nodes]]\nname = \"{name}\"\nrole = \"{role}\"\ntransport = \"local\"\nshared_dir = {:?}\n",
            dir.display().to_string()
        ));
    }
    std::fs::write(config, body).expect("write");
}
