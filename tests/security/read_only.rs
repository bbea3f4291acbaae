//! `--read-only` and `read_only = true` block every path that changes a node:
//! the probe's write test, the cross-node verification (its token files and its
//! removal of stale run folders), the speed test's 64 MiB file, and prune (with
//! or without `--yes` or `--plan`). Proven on a real share: its whole tree,
//! every mtime included, is the same after each command. The same commands
//! without read-only do change it, so the comparison can fail.
//! (The console's `d` under `--read-only`: tests/console_e2e.rs
//! `plain_rivershare_on_a_terminal_is_the_console_read_only_and_colourless`.)

use std::path::{Path, PathBuf};

use super::{age, diff, rivershare, text, tree};

struct Share {
    _tmp: tempfile::TempDir,
    home: PathBuf,
    share: PathBuf,
    stale: PathBuf,
    tars: PathBuf,
}

/// Two local nodes on one share (so verification runs between them), three
/// versions of a tarball (two of them prunable), and a stale verification run
/// folder, two hours old, that a writing `check` removes.
fn share() -> Share {
    let tmp = tempfile::tempdir().expect("tempdir");
    let home = tmp.path().join("home");
    let share = tmp.path().join("share");
    let tars = share.join("kohakuriver-containers");
    std::fs::create_dir_all(&home).expect("home");
    std::fs::create_dir_all(&tars).expect("tarball folder");
    for (i, days) in [(1, 3), (2, 2), (3, 1)] {
        let p = tars.join(format!("base-170000000{i}.tar"));
        std::fs::write(&p, vec![b'x'; 4096 * i]).expect("tarball");
        age(&p, days * 86_400);
    }
    let stale = share.join(".rivershare/verify/20200101T000000Z-0123abcd");
    std::fs::create_dir_all(&stale).expect("stale run folder");
    std::fs::write(stale.join("a"), "old token\n").expect("old token");
    for p in [&stale, &tars] {
        age(p, 2 * 3600);
    }
    age(&share.join(".rivershare/verify"), 2 * 3600);
    age(&share.join(".rivershare"), 2 * 3600);
    age(&share, 2 * 3600);
    Share {
        _tmp: tmp,
        home,
        share,
        stale,
        tars,
    }
}

fn config(dir: &Path, share: &Path, extra: &str) -> String {
    let path = dir.join(format!("c{}.toml", extra.len()));
    let node = |name: &str, role: &str| {
        format!(
            "\n[[nodes]]\nname = \"{name}\"\nrole = \"{role}\"\ntransport = \"local\"\nshared_dir = {:?}\n",
            share.display().to_string()
        )
    };
    std::fs::write(
        &path,
        format!(
            "{extra}min_free_gib = 0\ncommand_timeout_secs = 20\n{}{}",
            node("a", "host"),
            node("b", "runner")
        ),
    )
    .expect("config");
    path.display().to_string()
}

#[test]
fn read_only_leaves_the_share_exactly_as_it_was_through_every_command() {
    let s = share();
    let plain = config(&s.home, &s.share, "");
    let in_config = config(&s.home, &s.share, "read_only = true\n");
    // A saved dry-run plan, made before read-only applies, to try `--plan` with.
    let saved = rivershare(&["--config", &plain, "prune", "--json"], &s.home);
    assert_eq!(saved.status.code(), Some(0), "{}", text(&saved.stderr));
    let plan = s.home.join("plan.json");
    std::fs::write(&plan, &saved.stdout).expect("plan");
    let plan = plan.display().to_string();
    let before = tree(&s.share);

    let with = |head: &[&str], args: &[&str]| -> Vec<String> {
        head.iter().chain(args).map(|s| (*s).to_owned()).collect()
    };
    let flag = |args: &[&str]| with(&["--read-only", "--config", &plain], args);
    let conf = |args: &[&str]| with(&["--config", &in_config], args);
    let checks: [&[&str]; 3] = [
        &["check", "--json", "--io-bench"],
        &["check"],
        &["check", "--only", "mounts,verify"],
    ];
    let prunes: [&[&str]; 4] = [
        &["prune"],
        &["prune", "--yes"],
        &["prune", "--yes", "--json", "--keep", "1"],
        &["prune", "--yes", "--plan", &plan],
    ];
    for args in checks.iter().chain(prunes.iter()) {
        for run in [flag(args), conf(args)] {
            let run: Vec<&str> = run.iter().map(String::as_str).collect();
            let out = rivershare(&run, &s.home);
            let ctx = format!("{run:?}: {}", text(&out.stderr));
            if args[0] == "prune" {
                assert_eq!(out.status.code(), Some(3), "prune is refused: {ctx}");
                assert!(text(&out.stderr).contains("prune refused"), "{ctx}");
            } else {
                assert_ne!(out.status.code(), Some(3), "check runs: {ctx}");
            }
            let changed = diff(&before, &tree(&s.share));
            assert!(changed.is_empty(), "the share changed: {changed:?}: {ctx}");
        }
    }

    // In read-only mode `check` still reads: both nodes are probed and the
    // report says the write test was skipped.
    let args = flag(&["check", "--json"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = rivershare(&args, &s.home);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    for node in report["nodes"].as_array().expect("nodes") {
        assert_eq!(node["reachable"], true, "{node}");
        assert_eq!(node["access"]["read"], true, "{node}");
        assert!(
            node["warnings"]
                .as_array()
                .expect("warnings")
                .iter()
                .any(|w| w.as_str().is_some_and(|w| w.contains("read_only = true"))),
            "{node}"
        );
    }
    assert!(
        !s.home.join(".state/rivershare/audit.log").exists(),
        "no deletion, no audit line"
    );

    // Without read-only the same share does change: the stale run folder goes,
    // and a real prune deletes the two superseded versions.
    let out = rivershare(&["--config", &plain, "check", "--json"], &s.home);
    assert_ne!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(
        !diff(&before, &tree(&s.share)).is_empty(),
        "a writing check changes the share"
    );
    assert!(!s.stale.exists(), "the stale run folder is removed");
    let out = rivershare(&["--config", &plain, "prune", "--yes"], &s.home);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!s.tars.join("base-1700000001.tar").exists());
    assert!(s.tars.join("base-1700000003.tar").exists());
}
