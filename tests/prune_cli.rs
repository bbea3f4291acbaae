//! `rivershare prune` front-end rules that hold before anything is listed: the
//! read-only refusals (config and flag) and argument checks. Real binary, real
//! files; a refused prune must leave every file in place.

use std::path::Path;

#[path = "support/cli.rs"]
mod cli;
use cli::rivershare;

/// A local node whose tarball folder holds a latest and two superseded versions.
fn seeded(root: &Path, extra: &str) -> (String, Vec<std::path::PathBuf>) {
    let share = root.join("share");
    let dir = share.join("kohakuriver-containers");
    std::fs::create_dir_all(&dir).expect("dir");
    let files: Vec<_> = [
        "base-1700000100.tar",
        "base-1700000200.tar",
        "base-1700000300.tar",
    ]
    .iter()
    .map(|f| {
        let p = dir.join(f);
        std::fs::write(&p, f.as_bytes()).expect("write");
        p
    })
    .collect();
    let config = root.join("c.toml");
    std::fs::write(
        &config,
        format!(
            "{extra}min_free_gib = 0\n[[nodes]]\nname = \"a\"\nrole = \"host\"\ntransport = \"local\"\nshared_dir = {:?}\n",
            share.display().to_string()
        ),
    )
    .expect("write config");
    (config.display().to_string(), files)
}

fn all_exist(files: &[std::path::PathBuf]) {
    for f in files {
        assert!(f.exists(), "{} must survive a refused prune", f.display());
    }
}

#[test]
fn the_read_only_flag_refuses_prune_with_exit_3_and_says_why() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (config, files) = seeded(tmp.path(), "");
    let out = rivershare(
        &["--read-only", "--config", &config, "prune", "--yes"],
        tmp.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("prune refused: --read-only was given"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
    all_exist(&files);
    // The flag is global: it may also come after the subcommand.
    let out = rivershare(
        &["--config", &config, "prune", "--yes", "--read-only"],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(3));
    all_exist(&files);
    assert!(
        !tmp.path().join(".state/rivershare/audit.log").exists(),
        "a refused prune writes no audit log"
    );
}

#[test]
fn read_only_in_the_config_refuses_prune_even_as_a_dry_run() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (config, files) = seeded(tmp.path(), "read_only = true\n");
    for args in [vec!["prune"], vec!["prune", "--yes", "--json"]] {
        let mut full = vec!["--config", config.as_str()];
        full.extend(args);
        let out = rivershare(&full, tmp.path());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{stderr}");
        assert!(
            stderr.contains("prune refused: read_only = true in the config"),
            "{stderr}"
        );
        assert!(stderr.contains(&config), "names the config file: {stderr}");
    }
    all_exist(&files);
}

#[test]
fn keep_must_be_at_least_one_and_only_accepts_tarballs() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (config, files) = seeded(tmp.path(), "");
    let out = rivershare(&["--config", &config, "prune", "--keep", "0"], tmp.path());
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--keep"));
    all_exist(&files);

    let help = rivershare(&["check", "--help"], tmp.path());
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(text.contains("tarballs"), "{text}");
    assert!(text.contains("mounts,verify,tarballs"), "{text}");
    let bad = rivershare(
        &["--config", &config, "check", "--only", "tarball"],
        tmp.path(),
    );
    assert_eq!(bad.status.code(), Some(3));
    let prune_help = rivershare(&["prune", "--help"], tmp.path());
    let text = String::from_utf8_lossy(&prune_help.stdout);
    for flag in ["--keep", "--name", "--yes", "--json", "--read-only"] {
        assert!(text.contains(flag), "prune --help lists {flag}: {text}");
    }
}

#[test]
fn a_plan_that_cannot_be_read_or_is_not_a_prune_document_refuses_with_exit_3() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (config, files) = seeded(tmp.path(), "");
    let missing = tmp.path().join("no-such-plan.json");
    let missing_s = missing.display().to_string();
    let out = rivershare(
        &["--config", &config, "prune", "--yes", "--plan", &missing_s],
        tmp.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("cannot read the plan"), "{stderr}");
    assert!(stderr.contains(&missing_s), "{stderr}");

    let wrong = tmp.path().join("check.json");
    std::fs::write(&wrong, r#"{"schema": "rivershare/check/v1", "nodes": []}"#).expect("write");
    let wrong_s = wrong.display().to_string();
    let out = rivershare(
        &["--config", &config, "prune", "--yes", "--plan", &wrong_s],
        tmp.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("is not a `rivershare prune --json` document"),
        "{stderr}"
    );

    // A plan fixes the files: --keep and --name do not go with it.
    let out = rivershare(
        &[
            "--config", &config, "prune", "--plan", &wrong_s, "--keep", "2",
        ],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--plan"));
    all_exist(&files);
}
