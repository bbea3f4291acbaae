//! The real binary on every kind of bad config: exit 3 before anything runs, and
//! one message naming the file, the line and the key (issue 7, "Hostile and bad
//! input"). Each command that loads a config is tried: `check` (human and JSON),
//! `prune --yes` and `tui`.

#[path = "../support/cli.rs"]
mod support_cli;

use support_cli::rivershare as run;

const NODE: &str = "[[nodes]]\nname = \"a\"\nrole = \"host\"\ntransport = \"local\"\nshared_dir = \"/srv/share\"\n";

/// `(what, config text, line, key)`: the line and key the message must name.
fn cases() -> Vec<(&'static str, String, usize, &'static str)> {
    vec![
        (
            "malformed TOML",
            format!("concurrency = 4\nread_only = tru e\n{NODE}"),
            2,
            "read_only",
        ),
        (
            "unknown key",
            format!("{NODE}shared_dri = \"/srv/share\"\n"),
            6,
            "shared_dri",
        ),
        (
            "wrong type",
            format!(
                "{NODE}\n[[nodes]]\nname = \"b\"\nrole = \"runner\"\naddress = \"10.0.0.2\"\nport = \"22\"\n"
            ),
            11,
            "nodes[1].port",
        ),
        (
            "duplicate names",
            format!("{NODE}\n[[nodes]]\nname = \"a\"\nrole = \"runner\"\naddress = \"10.0.0.2\"\n"),
            8,
            "nodes[1].name",
        ),
        (
            "empty node list",
            "min_free_gib = 0\nnodes = []\n".into(),
            2,
            "nodes",
        ),
        (
            "relative path",
            format!("known_hosts = \"/k\"\n{NODE}").replace("\"/srv/share\"", "\"srv/share\""),
            6,
            "nodes[0].shared_dir",
        ),
        (
            "relative known_hosts",
            format!("known_hosts = \"ssh/known_hosts\"\n{NODE}"),
            1,
            "known_hosts",
        ),
    ]
}

#[test]
fn every_bad_config_exits_3_naming_file_line_and_key() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for (i, (what, text, line, key)) in cases().into_iter().enumerate() {
        let file = tmp.path().join(format!("bad {i}.toml"));
        std::fs::write(&file, &text).expect("write config");
        let f = file.to_str().expect("utf-8");
        for args in [
            vec!["--config", f, "check"],
            vec!["--config", f, "check", "--json"],
            vec!["--config", f, "prune", "--yes"],
            vec!["--config", f, "tui"],
        ] {
            let out = run(&args, tmp.path());
            let stderr = String::from_utf8_lossy(&out.stderr);
            let ctx = format!("{what} ({args:?}):\n{text}\nstderr: {stderr}");
            assert_eq!(out.status.code(), Some(3), "{ctx}");
            assert!(out.stdout.is_empty(), "nothing runs: {ctx}");
            let head = format!("rivershare: {f}:{line}:");
            assert!(stderr.starts_with(&head), "file and line {head:?}: {ctx}");
            assert!(
                stderr.contains(&format!(": {key}: ")) || stderr.contains(&format!("'{key}'")),
                "key {key:?}: {ctx}"
            );
            assert_eq!(stderr.lines().count(), 1, "one message: {ctx}");
        }
    }
}

/// A file with no node at all has no line to point at: the message names the file
/// and the `[[nodes]]` table it lacks.
#[test]
fn a_config_without_nodes_exits_3_naming_the_file_and_the_table() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("empty.toml");
    std::fs::write(&file, "concurrency = 2\n").expect("write");
    let f = file.to_str().expect("utf-8");
    let out = run(&["--config", f, "check", "--json"], tmp.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.starts_with(&format!("rivershare: {f}: no nodes defined")),
        "{stderr}"
    );
    assert!(stderr.contains("[[nodes]]"), "{stderr}");
}
