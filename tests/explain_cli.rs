//! `rivershare explain`, through the real binary: an entry, the list, an
//! unknown code (exit 3 with a suggestion), and JSON.

#[path = "support/cli.rs"]
mod cli;

use cli::rivershare;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_code_prints_its_entry_with_placeholders() {
    let home = tempfile::tempdir().expect("home");
    let out = rivershare(&["explain", "stale_handle"], home.path());
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        stdout.starts_with("stale_handle (critical): stale file handle on SHARED_DIR\n"),
        "{stdout}"
    );
    for wanted in [
        "why:",
        "Stale file handle",
        "investigate (read-only",
        "  $ findmnt -T <SHARED_DIR>",
        "fix commands (change the node",
        "  $ sudo umount -l <MOUNT_POINT> && sudo mount <MOUNT_POINT>   # if busy",
        "<FUSE_MOUNT_POINT>",
    ] {
        assert!(stdout.contains(wanted), "{wanted:?} missing from\n{stdout}");
    }
}

#[test]
fn no_code_lists_every_code_with_its_severity() {
    let home = tempfile::tempdir().expect("home");
    let out = rivershare(&["explain"], home.path());
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    for (code, severity) in [
        ("unreachable", "critical"),
        ("not_mounted", "warning"),
        ("tarball_superseded", "info"),
        ("layout_mode", "warning"),
        ("logs_growth", "info"),
        ("du_partial", "info"),
    ] {
        let line = stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(code))
            .unwrap_or_else(|| panic!("{code} missing from\n{stdout}"));
        assert!(line.contains(severity), "{line}");
    }
}

#[test]
fn an_unknown_code_exits_3_with_a_suggestion() {
    let home = tempfile::tempdir().expect("home");
    let out = rivershare(&["explain", "stale_handel"], home.path());
    assert_eq!(out.status.code(), Some(3));
    assert!(out.stdout.is_empty());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("did you mean stale_handle?"), "{stderr}");
    assert!(
        stderr.contains("`rivershare explain` lists every code"),
        "{stderr}"
    );
}

#[test]
fn json_gives_the_entry_as_data() {
    let home = tempfile::tempdir().expect("home");
    let out = rivershare(&["explain", "permission_denied", "--json"], home.path());
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["code"], "permission_denied");
    assert_eq!(v["severity"], "critical");
    let debug = v["debug_commands"].as_array().expect("debug_commands");
    assert!(debug.iter().any(|c| c == "ls -ld <SHARED_DIR>"), "{v}");
    assert!(v["why"].as_str().expect("why").contains("no_root_squash"));
}

#[test]
fn logs_growth_explains_the_listing_before_the_deletion() {
    let home = tempfile::tempdir().expect("home");
    let out = rivershare(&["explain", "logs_growth"], home.path());
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        stdout.starts_with("logs_growth (info): task logs take a large part of the share\n"),
        "{stdout}"
    );
    for wanted in [
        "never deletes",
        "  $ du -sh <SHARED_DIR>/logs\n",
        "  $ du -s --inodes <SHARED_DIR>/logs\n",
        "-type d -mtime +30 -print   # list first",
        "-exec rm -rf -- {} +   # then delete them",
    ] {
        assert!(stdout.contains(wanted), "{wanted:?} missing from\n{stdout}");
    }
    let out = rivershare(&["explain", "du_partial", "--json"], home.path());
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["severity"], "info");
    assert!(
        v["fix"].as_str().expect("fix").contains("du_timeout_secs"),
        "{v}"
    );
}
