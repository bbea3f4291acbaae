//! `check --du` and `--only du` through the real binary, on real folders with
//! the local transport: the JSON `usage` object (exact bytes, compared with an
//! independent `du -x -B1 -s` of each entry), its findings, the human table,
//! and the exit code (info findings leave it alone). The tmpfs share needs root;
//! without it the test fails loudly.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, UNIX_EPOCH};

use serde_json::Value;

#[path = "support/mounts.rs"]
mod mounts;
use mounts::{Mounted, layout, require_root};

#[path = "support/cli.rs"]
mod cli;
use cli::rivershare;

fn write(path: &Path, bytes: usize) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("parent dir");
    std::fs::write(path, vec![b'x'; bytes]).expect("write file");
}

/// The reference: `du -x -B1 -s PATH`, run here, independently of rivershare.
fn du_bytes(path: &Path) -> u64 {
    let out = Command::new("du")
        .args(["-x", "-B1", "-s"])
        .arg(path)
        .output()
        .expect("du runs");
    assert!(out.status.success(), "du {}: {:?}", path.display(), out);
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("du output for {}: {out:?}", path.display()))
}

fn touch_at(path: &Path, unix_secs: u64) {
    let st = Command::new("touch")
        .arg("-d")
        .arg(format!("@{unix_secs}"))
        .arg(path)
        .status()
        .expect("touch runs");
    assert!(st.success(), "touch {}", path.display());
}

fn config(path: &Path, head: &str, share: &Path) {
    std::fs::write(
        path,
        format!(
            "{head}verify_deadline_secs = 0\n[[nodes]]\nname = \"a\"\nrole = \"host\"\ntransport = \"local\"\nshared_dir = {:?}\n",
            share.display().to_string()
        ),
    )
    .expect("write config");
}

/// `rivershare --config CONFIG check ARGS`: (exit code, stdout, stderr).
fn check(config: &Path, home: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let mut all = vec!["--config", config.to_str().expect("utf-8"), "check"];
    all.extend(args);
    let out = rivershare(&all, home);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(stdout: &str, stderr: &str) -> Value {
    serde_json::from_str(stdout)
        .unwrap_or_else(|e| panic!("JSON on stdout ({e}): {stdout}\nstderr: {stderr}"))
}

fn codes(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["code"].as_str().expect("code").to_owned())
        .collect()
}

#[test]
fn the_default_sweep_never_walks_and_usage_is_null() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let share = tmp.path().join("share");
    layout(&share);
    let cfg = tmp.path().join("c.toml");
    config(&cfg, "min_free_gib = 0\n", &share);
    for args in [&["--only", "mounts", "--json"][..], &["--json"][..]] {
        let (code, stdout, stderr) = check(&cfg, tmp.path(), args);
        let report = json(&stdout, &stderr);
        assert_ne!(code, Some(3), "{args:?}: {stderr}");
        let usage = report.get("usage").expect("the key is always there");
        assert!(usage.is_null(), "{args:?}: {usage}");
    }
    let (_, human, _) = check(&cfg, tmp.path(), &["--only", "mounts"]);
    assert!(!human.contains("Usage of"), "{human}");
}

#[test]
fn only_du_parses_and_walks_with_mounts_only() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let share = tmp.path().join("share");
    layout(&share);
    write(&share.join("logs/7/out.log"), 3000);
    let cfg = tmp.path().join("c.toml");
    config(&cfg, "min_free_gib = 0\n", &share);
    let (code, stdout, stderr) = check(&cfg, tmp.path(), &["--only", "du", "--json"]);
    assert_ne!(code, Some(3), "--only du is a probe group: {stderr}");
    let report = json(&stdout, &stderr);
    // Like verify, `du` also runs the mount probe; nothing else.
    assert_eq!(report["nodes"][0]["name"], "a");
    assert!(report["nodes"][0]["mount"].is_object(), "{report}");
    assert!(report["verify"].is_null(), "{report}");
    assert!(report["tarballs"].is_null(), "{report}");
    let usage = &report["usage"];
    assert!(usage["error"].is_null(), "the walk failed: {usage}");
    assert_eq!(usage["node"], "a");
    assert_eq!(usage["dir"], share.display().to_string());
    let logs = usage["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["path"] == "logs")
        .unwrap_or_else(|| panic!("logs in {usage}"));
    assert_eq!(logs["bytes"], du_bytes(&share.join("logs")));
    assert_eq!(logs["task_folders"], 1);

    let (code, _, stderr) = check(&cfg, tmp.path(), &["--only", "mounts,nonsense"]);
    assert_eq!(code, Some(3));
    assert!(
        stderr.contains("du"),
        "the possible values name du: {stderr}"
    );
}

#[test]
fn du_counts_every_entry_exactly_and_info_findings_keep_the_exit_code() {
    require_root();
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    let share = root.join("share");
    // A filesystem of its own, so `logs/` is a known share of the used space.
    let _tmpfs = Mounted::new(&["-t", "tmpfs", "-o", "size=32m", "tmpfs"], &share);
    layout(&share);
    write(
        &share.join("kohakuriver-containers/base-1700000000.tar"),
        1 << 20,
    );
    write(&share.join("shared_data/datasets/a.bin"), 300_000);
    write(&share.join("shared_data/notes.txt"), 10);
    write(&share.join("stray file.txt"), 5000);
    let folders = [
        ("1001", 1_700_000_000u64),
        ("1002", 1_700_050_000),
        ("1003", 1_700_100_000),
    ];
    for (id, _) in folders {
        write(&share.join(format!("logs/{id}/stdout.log")), 2 << 20);
    }
    // After their files: writing into a folder moves its mtime.
    for (id, secs) in folders {
        touch_at(&share.join("logs").join(id), secs);
    }
    let cfg = root.join("c.toml");
    // 1 GiB free is more than a 32 MiB tmpfs has: low_space, which gets the breakdown.
    config(&cfg, "min_free_gib = 1\n", &share);

    let (plain_code, stdout, stderr) = check(&cfg, root, &["--json"]);
    let plain = json(&stdout, &stderr);
    assert!(plain["usage"].is_null());
    let (code, stdout, stderr) = check(&cfg, root, &["--du", "--json"]);
    let report = json(&stdout, &stderr);
    let usage = &report["usage"];
    assert!(usage["error"].is_null(), "the walk failed: {usage}");
    assert_eq!(usage["node"], "a");
    assert_eq!(usage["dir"], share.display().to_string());
    assert_eq!(usage["budget_secs"], 60);
    assert!(
        usage["fs_total_bytes"].as_u64().is_some_and(|t| t > 0),
        "{usage}"
    );

    // Every top-level entry, each with exactly the bytes du gives.
    let entries = usage["entries"].as_array().expect("entries");
    let listed: BTreeSet<String> = std::fs::read_dir(&share)
        .expect("read share")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    let walked: BTreeSet<String> = entries
        .iter()
        .map(|e| e["path"].as_str().expect("path").to_owned())
        .collect();
    assert_eq!(walked, listed);
    for e in entries {
        let path = e["path"].as_str().expect("path");
        assert_eq!(e["bytes"], du_bytes(&share.join(path)), "{path}");
        assert_eq!(e["complete"], true, "{path}: {e}");
    }
    let sizes: Vec<u64> = entries
        .iter()
        .map(|e| e["bytes"].as_u64().expect("bytes"))
        .collect();
    assert!(
        sizes.windows(2).all(|w| w[0] >= w[1]),
        "largest first: {sizes:?}"
    );

    // One level further in shared_data/ and logs/, exact too.
    for parent in ["shared_data", "logs"] {
        let entry = entries.iter().find(|e| e["path"] == parent).expect(parent);
        let children = entry["children"].as_array().expect("children");
        // Every folder inside is a child (a plain file directly inside may or
        // may not be: its bytes are in the parent's either way).
        let folders: BTreeSet<String> = std::fs::read_dir(share.join(parent))
            .expect("read folder")
            .map(|e| e.expect("entry"))
            .filter(|e| e.file_type().expect("type").is_dir())
            .map(|e| format!("{parent}/{}", e.file_name().to_string_lossy()))
            .collect();
        let walked: BTreeSet<String> = children
            .iter()
            .map(|c| c["path"].as_str().expect("path").to_owned())
            .collect();
        assert!(
            walked.is_superset(&folders),
            "{parent}: {walked:?} {folders:?}"
        );
        for c in children {
            let path = c["path"].as_str().expect("path");
            assert_eq!(c["bytes"], du_bytes(&share.join(path)), "{path}");
        }
    }
    let logs = entries.iter().find(|e| e["path"] == "logs").expect("logs");
    let at = |secs: u64| rivershare::report::time::rfc3339(UNIX_EPOCH + Duration::from_secs(secs));
    assert_eq!(logs["task_folders"], 3);
    assert_eq!(logs["oldest_mtime"], at(1_700_000_000));
    assert_eq!(logs["newest_mtime"], at(1_700_100_000));

    // 6 MiB of logs in about 7.4 MiB used: logs_growth (info), and low_space
    // says what fills the share.
    let found = codes(&report);
    assert!(found.contains(&"logs_growth".to_owned()), "{found:?}");
    assert!(!found.contains(&"du_partial".to_owned()), "{found:?}");
    let low = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["code"] == "low_space")
        .expect("low_space");
    let hint = low["hint"].as_str().expect("hint");
    assert!(
        hint.contains("What fills the share (usage walk on a"),
        "{hint}"
    );
    assert!(hint.contains("logs 6 MiB (8"), "{hint}");
    // The walk's findings are info: the exit code is what it is without it.
    assert_eq!(code, plain_code, "{stderr}");
    assert_eq!(report["exit_code"], plain["exit_code"]);
    assert_eq!(code, Some(1), "not_mounted and low_space are warnings");

    // The human report has the table, largest first.
    let (_, human, _) = check(&cfg, root, &["--du", "--no-color"]);
    let head = format!("Usage of a:{} (walked in ", share.display());
    let start = human
        .find(&head)
        .unwrap_or_else(|| panic!("{head} in {human}"));
    // The title, the column heads, then the rows.
    let rows: Vec<&str> = human[start..].lines().skip(2).take(4).collect();
    let names: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.split_whitespace().next())
        .collect();
    assert_eq!(
        names,
        ["logs", "kohakuriver-containers", "shared_data", "stray"],
        "{human}"
    );
    assert!(rows[0].contains("3 task folders"), "{human}");
}
