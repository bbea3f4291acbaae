//! Line numbers, syntax problems and unit ordering, on the fixtures of
//! tests/fixtures/kohakuriver/ (unit files as `systemctl cat` prints them, and
//! KohakuRiver config files).

use std::path::PathBuf;

use super::*;
use crate::facts::{ConfigProblem, Role};

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/kohakuriver")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

fn text(name: &str) -> String {
    String::from_utf8(fixture(name)).expect("utf-8 fixture")
}

fn lines(problems: &[ConfigProblem]) -> Vec<Option<usize>> {
    problems.iter().map(|p| p.line).collect()
}

#[test]
fn plain_generated_unit_names_its_config_and_orders_after_the_network_only() {
    let unit = text("runner-plain.unit");
    assert_eq!(
        config_path_from_unit(&unit),
        Some(PathBuf::from("/root/.kohakuriver/runner_config.py"))
    );
    let facts = unit_facts(Role::Runner, &unit);
    assert_eq!(facts.name, "kohakuriver-runner");
    assert!(facts.requires_mounts_for.is_empty());
    assert_eq!(facts.ordered_after, ["network.target"]);
}

#[test]
fn drop_in_adds_requires_mounts_for() {
    let facts = unit_facts(Role::Runner, &text("runner-dropin-requires.unit"));
    assert_eq!(facts.requires_mounts_for, ["/mnt/cluster-share"]);
    assert_eq!(facts.ordered_after, ["network.target"]);
}

#[test]
fn after_and_requires_keep_the_escaped_mount_unit_name() {
    let facts = unit_facts(Role::Runner, &text("runner-after-mount.unit"));
    assert_eq!(
        facts.ordered_after,
        ["network.target", "mnt-cluster\\x2dshare.mount"],
        "deduplicated, the backslash kept as systemd keeps it"
    );
    assert_eq!(
        facts.ordered_after[1],
        format!(
            "{}.mount",
            crate::probe::parse::persist::systemd_escape_path("/mnt/cluster-share")
        )
    );
}

#[test]
fn drop_ins_reset_exec_start_and_after_and_add_binds_to() {
    let unit = text("host-config-variants.unit");
    assert_eq!(
        config_path_from_unit(&unit),
        Some(PathBuf::from("/etc/kohaku river/host config.py"))
    );
    let facts = unit_facts(Role::Host, &unit);
    assert_eq!(facts.name, "kohakuriver-host");
    // An empty `After=` in a drop-in removes nothing (systemd cannot drop
    // dependencies there); key by key: After, Requires, BindsTo, Wants.
    assert_eq!(
        facts.ordered_after,
        [
            "network.target",
            "network-online.target",
            "srv-share.mount",
            "remote-fs.target"
        ]
    );
}

#[test]
fn generated_runner_config_reads_cleanly() {
    let read = read_config(
        "/root/.kohakuriver/runner_config.py",
        &fixture("runner_config.py"),
        false,
        Role::Runner,
    );
    assert_eq!(read.shared_dir.as_deref(), Some("/mnt/cluster-share"));
    assert_eq!(
        read.tarball_dir, None,
        "CONTAINER_TAR_DIR = \"\" means the default"
    );
    assert!(read.problems.is_empty(), "{:?}", read.problems);
}

#[test]
fn expressions_are_reported_with_their_lines() {
    let read = read_config(
        "/root/.kohakuriver/host_config.py",
        &fixture("host_config_fstring.py"),
        false,
        Role::Host,
    );
    assert_eq!(read.shared_dir, None);
    assert_eq!(read.tarball_dir, None);
    assert_eq!(lines(&read.problems), [Some(5), Some(6)]);
    assert!(
        read.problems[0]
            .message
            .contains("SHARED_DIR in /root/.kohakuriver/host_config.py is not a plain string (f\"{BASE}/cluster-share\")"),
        "{:?}",
        read.problems
    );
    assert!(read.problems[1].message.contains("CONTAINER_DIR"));
    // A Runner does not read CONTAINER_DIR: only SHARED_DIR counts for it.
    let runner = read_config(
        "r.py",
        &fixture("host_config_fstring.py"),
        false,
        Role::Runner,
    );
    assert_eq!(lines(&runner.problems), [Some(5)]);
}

#[test]
fn unparsable_files_give_no_values_and_say_where() {
    let cases = [
        ("runner_config_unterminated.py", 2, "unterminated string"),
        ("runner_config_unclosed.py", 2, "'[' was never closed"),
        ("runner_config_latin1.py", 1, "not valid UTF-8 (byte 0xe9)"),
    ];
    for (name, line, what) in cases {
        let read = read_config(name, &fixture(name), false, Role::Runner);
        assert_eq!(read.shared_dir, None, "{name}: Python cannot load it");
        assert_eq!(lines(&read.problems), [Some(line)], "{name}");
        assert!(
            read.problems[0].message.contains(what)
                && read.problems[0]
                    .message
                    .contains("Python refuses to load it"),
            "{name}: {:?}",
            read.problems
        );
    }
}

#[test]
fn syntax_problems_carry_lines() {
    let p = parse_config("A = 'x'\nB = '''never\nclosed\n");
    assert_eq!(p.syntax.len(), 1);
    assert_eq!(p.syntax[0].line, 2);
    assert!(p.syntax[0].message.contains("triple-quoted"));
    let p = parse_config("A = 'x'\n\nB = (1,\n 2]\n");
    assert_eq!(p.syntax[0].line, 4);
    assert!(p.syntax[0].message.contains("opened on line 3"), "{p:?}");
    let p = parse_config("A = 1)\n");
    assert_eq!(
        (p.syntax[0].line, p.syntax[0].message.as_str()),
        (1, "unmatched ')'")
    );
    // Lines keep counting through continuations, brackets and multi-line strings.
    let p = parse_config("X = \\\n  'a'\nD = '''\n\n'''\nL = [\n1]\nSHARED_DIR = f'{X}'\n");
    assert!(p.syntax.is_empty(), "{p:?}");
    assert_eq!(p.assignments["X"].line, 1);
    assert_eq!(p.assignments["D"].line, 3);
    assert_eq!(p.assignments["L"].line, 6);
    assert_eq!(p.assignments["SHARED_DIR"].line, 8);
    // Strings hide brackets and comment signs.
    assert!(parse_config("A = '(#'\nB = \"]\"\n").syntax.is_empty());
}

#[test]
fn relative_shared_dir_oversized_and_hostile_values() {
    let read = read_config("c.py", b"\n\nSHARED_DIR = 'share'\n", false, Role::Runner);
    assert_eq!(read.shared_dir, None);
    assert_eq!(lines(&read.problems), [Some(3)]);
    assert!(read.problems[0].message.contains("not an absolute path"));
    let big = read_config("c.py", b"SHARED_DIR = '/a'\n", true, Role::Runner);
    assert_eq!(big.shared_dir, None);
    assert!(big.problems[0].message.contains("larger than 64 KiB"));
    let hostile = "/mnt/it's $(touch x) \"q\"";
    let src = format!("SHARED_DIR = {hostile:?}\nCONTAINER_TAR_DIR = '/t/$(id)'\n");
    let read = read_config("c.py", src.as_bytes(), false, Role::Runner);
    assert_eq!(read.shared_dir.as_deref(), Some(hostile));
    assert_eq!(read.tarball_dir.as_deref(), Some("/t/$(id)"));
    let long = format!("SHARED_DIR = os.path.join({})\n", "'a', ".repeat(50));
    let read = read_config("c.py", long.as_bytes(), false, Role::Runner);
    assert!(
        read.problems[0].message.contains("...)"),
        "{:?}",
        read.problems
    );
}

#[test]
fn local_discovery_names_lines_and_ignores_a_file_python_cannot_load() {
    let home = tempfile::tempdir().expect("tempdir");
    let cfg = home.path().join(".kohakuriver/host_config.py");
    std::fs::create_dir_all(cfg.parent().expect("parent")).expect("dir");
    let no_units = |_: &str| None;
    std::fs::write(&cfg, fixture("runner_config_unterminated.py")).expect("write");
    let found = discover_with(&[home.path().to_path_buf()], &no_units);
    assert_eq!(found.shared_dir, Lookup::Absent, "{:?}", found.notes);
    assert!(
        found.notes.iter().any(|n| n.ends_with(
            "host_config.py line 2: unterminated string literal: Python cannot load this file, so rivershare ignores it"
        )),
        "{:?}",
        found.notes
    );
    std::fs::write(&cfg, "import os\nSHARED_DIR = f'{X}'\n").expect("write");
    let found = discover_with(&[home.path().to_path_buf()], &no_units);
    assert!(
        found
            .notes
            .iter()
            .any(|n| n.contains("host_config.py (line 2) is not a plain string (f'{X}')")),
        "{:?}",
        found.notes
    );
}
