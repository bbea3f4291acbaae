//! A folder the walking user cannot read (what root_squash does to root on
//! NFS): du exits 1, and the entry is partial with du's own words. Run for
//! real as `nobody` (setpriv), so root is needed to switch.

use super::mounts::require_root;
use super::*;
use rivershare::usage::parse::{parse_listing, parse_walk};
use rivershare::usage::script;

/// `sh -c script` (or `program args`) as nobody:nogroup.
fn as_nobody(program: &str, args: &[&OsStr]) -> std::process::Output {
    Command::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--",
            program,
        ])
        .args(args)
        .output()
        .expect("setpriv (util-linux) runs")
}

#[test]
fn an_unreadable_folder_makes_its_entry_partial_with_du_s_words() {
    require_root();
    let tmp = tempfile::tempdir().expect("tempdir");
    let chmod = |p: &Path, mode: u32| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
    };
    chmod(tmp.path(), 0o755);
    let s = tmp.path().join("share");
    write(&s.join("shared_data/open/f"), 10_000);
    write(&s.join("shared_data/locked/inner/f"), 20_000);
    write(&s.join("logs/7001/stdout.log"), 3_000);
    let locked = s.join("shared_data/locked");
    chmod(&locked, 0o000);
    let d = s.to_str().expect("utf-8");
    let step = Duration::from_secs(3);
    let out = as_nobody(
        "sh",
        &[OsStr::new("-c"), OsStr::new(&script::listing(d, step))],
    );
    let names: Vec<Vec<u8>> = parse_listing(&out.stdout)
        .expect("listing parses")
        .entries
        .into_iter()
        .map(|e| e.name)
        .collect();
    let walk = script::walk(d, &names, Duration::from_secs(30), step);
    let out = as_nobody("sh", &[OsStr::new("-c"), OsStr::new(&walk)]);
    chmod(&locked, 0o755);
    let w = parse_walk(&out.stdout, d, &names, 30);
    assert_eq!(w.error, None, "{}", String::from_utf8_lossy(&out.stdout));
    let sd = w
        .entries
        .iter()
        .find(|e| e.path == "shared_data")
        .expect("shared_data");
    assert!(!sd.complete, "{sd:?}");
    let note = sd.note.as_deref().unwrap_or_default();
    assert!(
        note.starts_with("du could not read all of it: ") && note.contains("Permission denied"),
        "{note}"
    );
    // What nobody's own `du -s` counts (it, too, exits 1 and prints the total).
    chmod(&locked, 0o000);
    let reference = as_nobody(
        "du",
        &[
            OsStr::new("-x"),
            OsStr::new("-B1"),
            OsStr::new("-s"),
            OsStr::new("--"),
            s.join("shared_data").as_os_str(),
        ],
    );
    chmod(&locked, 0o755);
    assert_eq!(reference.status.code(), Some(1));
    let want: u64 = String::from_utf8_lossy(&reference.stdout)
        .split('\t')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a total");
    assert_eq!(sd.bytes, want);
    let child = |p: &str| {
        sd.children
            .iter()
            .find(|c| c.path == p)
            .unwrap_or_else(|| panic!("{p}: {sd:?}"))
    };
    assert!(!child("shared_data/locked").complete);
    assert!(child("shared_data/open").complete);
    let logs = w.entries.iter().find(|e| e.path == "logs").expect("logs");
    assert!(logs.complete && logs.task_folders == Some(1), "{logs:?}");
}
