//! The walk scripts: quoting (run for real with `sh` against hostile names:
//! nothing in a name ever executes), escapes, limits.

use std::path::Path;
use std::process::Command;

use super::*;
use crate::usage::parse::{parse_listing, parse_walk};

const STEP: Duration = Duration::from_secs(3);

fn sh(script: &str) -> Vec<u8> {
    sh_in(script, Path::new("/"))
}

fn sh_in(script: &str, cwd: &Path) -> Vec<u8> {
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(cwd)
        .output()
        .expect("sh runs");
    out.stdout
}

#[test]
fn escape_keeps_plain_bytes_and_octal_escapes_the_rest() {
    assert_eq!(escape_name(b"logs"), "logs");
    assert_eq!(
        escape_name(b"a b'\n\xff-_.+"),
        "a\\0040b\\0047\\0012\\0377-_.+"
    );
    assert!(
        escape_name(b"$(x)`y`\\%")
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '\\')
    );
}

#[test]
fn breakdown_by_name() {
    assert_eq!(Breakdown::of(b"logs"), Breakdown::TaskFolders);
    assert_eq!(Breakdown::of(b"shared_data"), Breakdown::Children);
    assert_eq!(Breakdown::of(b"kohakuriver-containers"), Breakdown::None);
    assert_eq!(Breakdown::of(b"logs2"), Breakdown::None);
}

#[test]
fn walk_limit_counts_every_budget_and_grace() {
    let b = Duration::from_secs(60);
    let names = vec![b"a".to_vec(), b"logs".to_vec(), b"shared_data".to_vec()];
    // 3 du runs of 60 + 2 + 3 + 1, one task-folder count of 60 + 2, set-up and margin.
    assert_eq!(
        walk_limit(&names, b, STEP),
        Duration::from_secs(3 + 3 * 66 + 62 + 3)
    );
    assert_eq!(walk_limit(&[], b, STEP), Duration::from_secs(6));
}

#[test]
fn walked_count_caps_entries_and_script_size() {
    let many: Vec<Vec<u8>> = (0..1000).map(|i| format!("e{i}").into_bytes()).collect();
    assert_eq!(walked_count(&many), MAX_ENTRIES);
    let long: Vec<Vec<u8>> = (0..200).map(|_| vec![0xffu8; 255]).collect();
    let n = walked_count(&long);
    assert!(n > 0 && n < 200, "{n}");
    let text = walk("/mnt/share", &long[..n], Duration::from_secs(60), STEP);
    // Quoted twice by the SSH transport, still far below one 128 KiB argv string.
    assert!(2 * sh_quote(&text).len() < 120 * 1024, "{}", text.len());
    assert_eq!(walked_count(&long[..1]), 1);
}

#[test]
fn a_nul_in_the_folder_is_refused() {
    let out = sh(&walk(
        "/a\0b",
        &[b"x".to_vec()],
        Duration::from_secs(1),
        STEP,
    ));
    let w = parse_walk(&out, "/a\0b", &[b"x".to_vec()], 1);
    assert!(
        w.error.as_deref().is_some_and(|e| e.contains("NUL")),
        "{:?}",
        w.error
    );
    assert!(parse_listing(&sh(&listing("/a\0b", STEP))).is_err_and(|e| e.contains("NUL")));
}

/// SHARED_DIR and an entry whose names carry shell syntax that would create
/// `canary` if it ever ran: the walk measures them and the canary never appears.
#[test]
fn hostile_names_are_data_never_code() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // Relative: a name holds no `/`; the scripts run with `tmp` as their cwd.
    let canary = tmp.path().join("canary");
    let c = "canary";
    let evil = format!("-x $(touch {c}) `touch {c}` \"'; touch {c}; '\n");
    let dir = tmp.path().join(&evil);
    std::fs::create_dir(&dir).expect("mkdir share");
    let inner = dir.join(&evil);
    std::fs::create_dir(&inner).expect("mkdir entry");
    std::fs::write(inner.join("f"), vec![7u8; 10_000]).expect("write");
    let logs = dir.join("logs").join(&evil);
    std::fs::create_dir_all(&logs).expect("mkdir logs");
    let d = dir.to_str().expect("utf-8");

    let listed = parse_listing(&sh_in(&listing(d, STEP), tmp.path())).expect("listing parses");
    let mut names: Vec<Vec<u8>> = listed.entries.into_iter().map(|e| e.name).collect();
    names.sort();
    assert_eq!(names, [evil.as_bytes().to_vec(), b"logs".to_vec()]);
    let out = sh_in(&walk(d, &names, Duration::from_secs(30), STEP), tmp.path());
    let w = parse_walk(&out, d, &names, 30);
    assert_eq!(w.error, None, "{}", String::from_utf8_lossy(&out));
    assert!(!canary.exists(), "a name was executed");
    let e = w.entries.iter().find(|e| e.path == evil).expect("entry");
    assert!(e.complete && e.bytes >= 10_000, "{e:?}");
    let logs = w.entries.iter().find(|e| e.path == "logs").expect("logs");
    assert_eq!(logs.task_folders, Some(1));
    assert_eq!(logs.children.len(), 1);
    assert_eq!(logs.children[0].path, format!("logs/{evil}"));
    assert!(Path::new(&inner).exists());
}
