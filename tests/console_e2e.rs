//! The real binary end to end: `rivershare demo` in a real terminal (tmux),
//! driven by real key presses, pruning a real file; and the headless routes
//! (`demo --check --json`, plain `rivershare` under `CI=true`).
//!
//! The demo creates its folder inside `$RIVERSHARE_DEMO_DIR` when that is set:
//! that is how these tests find the files the console prunes, and check that
//! the folder is gone after quitting. tmux is required: without it the tests
//! fail, they never skip.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_rivershare");

#[path = "support/tmux.rs"]
mod tmux;
use tmux::{Tmux, children, colour_codes, eventually, listing};

// The disk-usage view's journey (issue 8).
#[path = "support/console_usage.rs"]
mod console_usage;

/// `{name}-{ts}.tar` split into name and timestamp.
fn split(file: &str) -> Option<(&str, u64)> {
    let stem = file.strip_suffix(".tar")?;
    let (name, ts) = stem.rsplit_once('-')?;
    Some((name, ts.parse().ok()?))
}

/// What pane `key` shows: the tab line marks it as `[N Name]`.
const PANES: [(&str, &str); 4] = [
    ("1", "[1 Mounts]"),
    ("2", "[2 Verify]"),
    ("3", "[3 Tarballs & usage]"),
    ("4", "[4 Hints]"),
];

#[test]
fn demo_console_opens_every_pane_prunes_a_file_and_gives_the_terminal_back() {
    let (tmp, tmux) = demo_shell();
    let (state, demos) = (tmp.path().join("state"), tmp.path().join("demos"));
    let started = Instant::now();
    tmux.key("Enter");

    // The first frame: the header names the config.
    tmux.wait_for("the first frame", Duration::from_secs(10), |s| {
        s.contains("rivershare") && s.contains("demo") && !s.contains("e2e-prompt$")
    });
    let first_frame = started.elapsed();
    assert!(tmux.alternate_on(), "the console uses the alternate screen");
    let demo_dirs = children(&demos);
    assert_eq!(demo_dirs.len(), 1, "one demo folder: {demo_dirs:?}");
    let tars = demo_dirs[0].join("storage/kohakuriver-containers");
    let before = listing(&tars);
    eprintln!("first frame after {first_frame:?} (process start included)");

    // Every pane, by number, then Tab wraps from the last to the first.
    for (key, marker) in PANES {
        tmux.key(key);
        tmux.wait_for(marker, Duration::from_secs(5), |s| s.contains(marker));
    }
    tmux.key("Tab");
    tmux.wait_for("Tab from Hints to Mounts", Duration::from_secs(5), |s| {
        s.contains("[1 Mounts]")
    });
    // The sweep reached every node: the Mounts pane names the missing path's node.
    tmux.wait_for("runner-04 in Mounts", Duration::from_secs(30), |s| {
        s.contains("runner-04")
    });

    // Hints: the worst finding first (runner-04's missing path); `c` puts its
    // fix commands on the clipboard through OSC 52.
    tmux.key("4");
    tmux.wait_for("the findings", Duration::from_secs(30), |s| {
        s.contains("path_missing")
    });
    tmux.key("g");
    tmux.key("c");
    let missing = demo_dirs[0].join("nodes/runner-04/mnt/shared");
    eventually(
        "the fix commands on the clipboard",
        Duration::from_secs(5),
        || {
            tmux.clipboard().is_some_and(|c| {
                c.contains("mkdir -p") && c.contains(&missing.display().to_string())
            })
        },
    );

    // Tarballs: wait for the inventory, filter down to superseded files; the
    // first row is then one.
    tmux.key("3");
    tmux.wait_for("the tarball inventory", Duration::from_secs(60), |s| {
        s.contains("pytorch-cuda12")
    });
    tmux.key("/");
    tmux.type_text("superseded");
    tmux.key("Enter");
    tmux.key("g");
    tmux.key("Space");
    tmux.wait_for("the marked panel", Duration::from_secs(5), |s| {
        s.contains("Marked 1 file")
    });
    tmux.key("d");
    // The dialog names the file's folder; its default is No: move to Yes.
    tmux.wait_for("the confirm dialog", Duration::from_secs(5), |s| {
        s.contains("kohakuriver-containers") && s.contains("Yes") && s.contains("No")
    });
    tmux.key("Tab");
    tmux.key("Enter");
    // The results popup says when the engine is done (audit log written).
    tmux.wait_for("the prune result", Duration::from_secs(30), |s| {
        s.contains("1 deleted")
    });

    // The file is gone from the disk, and only that one.
    let audit = state.join("rivershare/audit.log");
    let after = listing(&tars);
    let gone: Vec<&String> = before.iter().filter(|f| !after.contains(f)).collect();
    assert_eq!(gone.len(), 1, "{gone:?}");
    let gone = gone[0].as_str();
    let (name, ts) = split(gone).unwrap_or_else(|| panic!("{gone} is a versioned tarball"));
    assert!(
        after
            .iter()
            .filter_map(|f| split(f))
            .any(|(n, t)| n == name && t > ts),
        "{gone} was superseded: a newer {name} remains in {after:?}"
    );
    let log = std::fs::read_to_string(&audit).expect("audit log");
    let line = log.lines().find(|l| l.contains(gone)).expect("audit line");
    assert!(line.contains("node=host"), "{line}");
    assert!(
        line.contains(&format!("{}/{gone}", tars.display())),
        "{line}"
    );

    // Close the results, quit, and the shell is back on the normal screen.
    tmux.key("Escape");
    tmux.key("q");
    let screen = tmux.wait_for("the shell after quitting", Duration::from_secs(10), |s| {
        s.contains("rivershare exited 0")
    });
    assert!(
        screen.contains("e2e-prompt$"),
        "the prompt is back:\n{screen}"
    );
    assert!(!tmux.alternate_on(), "the alternate screen was left");
    assert!(tmux.cursor_visible(), "the cursor is shown again");
    eventually("the demo folder is removed", Duration::from_secs(5), || {
        children(&demos).is_empty()
    });
}

/// A shell in tmux whose HOME, XDG_STATE_HOME and RIVERSHARE_DEMO_DIR are the
/// folders `home`, `state` and `demos` of a fresh temp folder, with
/// `rivershare demo; echo "rivershare exited $?"` typed, not yet entered.
fn demo_shell() -> (tempfile::TempDir, Tmux) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let home = tmp.path().join("home");
    let state = tmp.path().join("state");
    let demos = tmp.path().join("demos");
    std::fs::create_dir_all(&home).expect("home");
    let tmux = Tmux::start(
        "env PS1='e2e-prompt$ ' sh",
        &[
            ("HOME", &home),
            ("XDG_STATE_HOME", &state),
            ("RIVERSHARE_DEMO_DIR", &demos),
        ],
    );
    tmux.wait_for("the shell prompt", Duration::from_secs(10), |s| {
        s.contains("e2e-prompt$")
    });
    tmux.type_text(&format!("'{BIN}' demo; echo \"rivershare exited $?\""));
    (tmp, tmux)
}

fn rivershare(args: &[&str], home: &Path, envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_STATE_HOME", home.join(".state"))
        .env_remove("RIVERSHARE_CONFIG")
        .env_remove("SSH_AUTH_SOCK")
        .env_remove("CI");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("rivershare runs")
}

fn codes_on(report: &Value, node: &str) -> Vec<String> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| {
            f["nodes"]
                .as_array()
                .is_some_and(|n| n.iter().any(|n| n == node))
        })
        .map(|f| f["code"].as_str().expect("code").to_owned())
        .collect()
}

#[test]
fn demo_check_json_names_the_broken_nodes_and_removes_its_folder() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let demos = tmp.path().join("demos");
    let demos_str = demos.to_str().expect("utf-8");
    let out = rivershare(
        &["demo", "--check", "--json"],
        tmp.path(),
        &[("RIVERSHARE_DEMO_DIR", demos_str)],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Critical findings (not_shared, path_missing): exit 2.
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    let nodes: Vec<&str> = report["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["name"].as_str().expect("name"))
        .collect();
    let root = nix_is_root();
    let mut expected = vec!["host", "runner-01", "runner-02", "runner-03", "runner-04"];
    if !root {
        expected.push("runner-05");
    }
    assert_eq!(nodes, expected);
    assert!(codes_on(&report, "runner-03").contains(&"not_shared".to_owned()));
    assert!(codes_on(&report, "runner-04").contains(&"path_missing".to_owned()));
    for healthy in ["host", "runner-01", "runner-02"] {
        let codes = codes_on(&report, healthy);
        assert!(
            !codes
                .iter()
                .any(|c| c == "not_shared" || c == "path_missing"),
            "{healthy}: {codes:?}"
        );
    }
    if !root {
        assert!(codes_on(&report, "runner-05").contains(&"permission_denied".to_owned()));
    }
    // runner-01 and runner-02 reach the host's storage through symlinks at other
    // paths: tarballs work, task logs would not. The host's own path is the reference.
    for runner in ["runner-01", "runner-02"] {
        assert!(
            codes_on(&report, runner).contains(&"shared_dir_differs".to_owned()),
            "{runner}: {:?}",
            codes_on(&report, runner)
        );
    }
    assert!(!codes_on(&report, "host").contains(&"shared_dir_differs".to_owned()));
    // The demo never reads the operator's own KohakuRiver files.
    for n in report["nodes"].as_array().expect("nodes") {
        assert!(n["kohakuriver"].is_null(), "{n}");
        assert_eq!(n["shared_dir_source"], "config", "{n}");
    }
    let tarballs = &report["tarballs"];
    assert!(
        tarballs
            .as_array()
            .is_some_and(|e| e.iter().any(|e| e["status"] == "superseded")),
        "{tarballs}"
    );
    assert!(children(&demos).is_empty(), "the demo folder is removed");
}

fn nix_is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

#[test]
fn without_a_terminal_plain_rivershare_prints_the_check_report() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (_, config) = solo_node(tmp.path(), "config.toml");
    let config = config.to_str().expect("utf-8");
    let check = rivershare(&["--config", config, "check"], tmp.path(), &[]);
    let plain = rivershare(&["--config", config], tmp.path(), &[("CI", "true")]);
    let (check_out, plain_out) = (
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&plain.stdout),
    );
    assert_eq!(plain.status.code(), check.status.code(), "{plain_out}");
    let first = |s: &str| s.lines().next().unwrap_or_default().to_owned();
    assert!(first(&plain_out).starts_with("NODES"), "{plain_out}");
    assert_eq!(first(&plain_out), first(&check_out));
    assert!(plain_out.contains("solo"), "{plain_out}");
    // No terminal: `tui` refuses instead of drawing into a pipe.
    let tui = rivershare(&["--config", config, "tui"], tmp.path(), &[]);
    assert_eq!(tui.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&tui.stderr).contains("needs a terminal"));
    let demo = rivershare(&["demo"], tmp.path(), &[]);
    assert_eq!(demo.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&demo.stderr).contains("demo --check"));
}

/// Plain `rivershare` on a terminal opens the console on the loaded config; with
/// `--read-only` no file can be marked or pruned, and `NO_COLOR` leaves the
/// screen without a single colour.
#[test]
fn plain_rivershare_on_a_terminal_is_the_console_read_only_and_colourless() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let home = tmp.path().join("home");
    let state = tmp.path().join("state");
    std::fs::create_dir_all(&home).expect("home");
    let (share, config) = solo_node(tmp.path(), "lab.toml");
    let tars = share.join("kohakuriver-containers");
    let day = Duration::from_secs(86_400);
    for (file, age) in [("app-1700000001.tar", 3), ("app-1700000002.tar", 2)] {
        let f = std::fs::File::create(tars.join(file)).expect("tarball");
        f.set_len(4096).expect("size");
        f.set_modified(std::time::SystemTime::now() - day * age)
            .expect("mtime");
    }
    let no_color = tmp.path().join("1");
    let tmux = Tmux::start(
        "env PS1='e2e-prompt$ ' sh",
        &[
            ("HOME", &home),
            ("XDG_STATE_HOME", &state),
            // Any non-empty value; a path is what `Tmux::start` takes.
            ("NO_COLOR", &no_color),
        ],
    );
    tmux.wait_for("the shell prompt", Duration::from_secs(10), |s| {
        s.contains("e2e-prompt$")
    });
    tmux.type_text(&format!(
        "CI= '{BIN}' --read-only --config '{}'; echo \"rivershare exited $?\"",
        config.display()
    ));
    tmux.key("Enter");
    let screen = tmux.wait_for("the console on lab.toml", Duration::from_secs(10), |s| {
        s.contains("lab.toml") && s.contains("READ-ONLY")
    });
    assert!(
        tmux.alternate_on(),
        "the console, not the check report:\n{screen}"
    );
    // Resizing works at any moment; below 80x24 the screen says so.
    for (w, h, what) in [
        ("70", "20", "Terminal too small"),
        ("120", "40", "lab.toml"),
    ] {
        let out = tmux.run(&["resize-window", "-t", "e2e", "-x", w, "-y", h]);
        assert!(out.status.success(), "resize-window: {out:?}");
        tmux.wait_for(what, Duration::from_secs(5), |s| s.contains(what));
    }
    tmux.key("3");
    tmux.wait_for("the inventory", Duration::from_secs(30), |s| {
        s.contains("app-1700000001.tar")
    });
    let out = tmux.run(&["capture-pane", "-e", "-p", "-t", "e2e"]);
    let styled = String::from_utf8_lossy(&out.stdout);
    assert!(
        styled.contains('\x1b'),
        "capture-pane -e keeps the attributes"
    );
    let colours = colour_codes(&styled);
    assert!(colours.is_empty(), "NO_COLOR, yet colours: {colours:?}");

    // The disk-usage walk only reads: it ran after the first sweep, and `u`
    // walks again in read-only mode too.
    tmux.wait_for("the first walk's result", Duration::from_secs(30), |s| {
        s.contains("walked ") || s.contains("usage walk failed")
    });
    tmux.key("u");
    tmux.wait_for("u allowed read-only", Duration::from_secs(5), |s| {
        s.contains("usage walk started")
    });

    // Marking is refused, and says why; no dialog, nothing deleted.
    tmux.key("/");
    tmux.type_text("superseded");
    tmux.key("Enter");
    tmux.key("Space");
    tmux.wait_for("the read-only refusal", Duration::from_secs(5), |s| {
        s.contains("--read-only was given")
    });
    tmux.key("d");
    tmux.key("q");
    tmux.wait_for("the shell after quitting", Duration::from_secs(10), |s| {
        s.contains("rivershare exited 0")
    });
    assert!(!tmux.alternate_on());
    assert_eq!(
        listing(&tars),
        ["app-1700000001.tar", "app-1700000002.tar"],
        "read-only: nothing deleted"
    );
}

/// As an ordinary user the demo has its sixth node: a read-only folder that
/// the write test is refused on (`permission_denied`). Root ignores modes, so
/// this runs the demo as `nobody` (needs root to switch; fails without it).
#[test]
fn demo_as_an_ordinary_user_has_a_permission_denied_node() {
    use std::os::unix::fs::PermissionsExt as _;
    assert!(
        nix_is_root(),
        "this test runs the demo as `nobody` through runuser, which needs root"
    );
    // A copy of the binary and a home `nobody` can reach, wherever the
    // checkout lives.
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o1777)).expect("chmod");
    let bin = tmp.path().join("rivershare");
    std::fs::copy(BIN, &bin).expect("copy the binary");
    let demos = tmp.path().join("demos");
    let out = Command::new("runuser")
        .args(["-u", "nobody", "--", "env"])
        .arg(format!("HOME={}", tmp.path().display()))
        .arg(format!(
            "XDG_STATE_HOME={}",
            tmp.path().join("state").display()
        ))
        .arg(format!("RIVERSHARE_DEMO_DIR={}", demos.display()))
        .arg(&bin)
        .args(["demo", "--check", "--json"])
        .output()
        .expect("runuser runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert!(
        codes_on(&report, "runner-05").contains(&"permission_denied".to_owned()),
        "{:?}",
        codes_on(&report, "runner-05")
    );
    assert!(!codes_on(&report, "host").contains(&"permission_denied".to_owned()));
    // The 0555 folder is writable again before removal: nothing is left.
    assert!(children(&demos).is_empty(), "{:?}", children(&demos));
}

/// A share with KohakuRiver's layout under `dir/share`, and a config `dir/name`
/// with one local node `solo` on it.
fn solo_node(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let share = dir.join("share");
    for sub in ["kohakuriver-containers", "shared_data", "logs"] {
        std::fs::create_dir_all(share.join(sub)).expect("layout");
    }
    let config = dir.join(name);
    std::fs::write(
        &config,
        format!(
            "min_free_gib = 0\n[[nodes]]\nname = \"solo\"\nrole = \"host\"\ntransport = \"local\"\nshared_dir = {:?}\n",
            share.display().to_string()
        ),
    )
    .expect("config");
    (share, config)
}
