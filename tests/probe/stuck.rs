//! The stuck-process scan's two ways (shell builtins for a node with few
//! processes, one awk for a node with many) print the same lines, on folders
//! shaped like `/proc/<pid>`: odd command names, a process that ended between
//! the glob and the read, a missing or empty wchan.

use super::*;

/// (pid, stat line, wchan: None for no file), and whether the scan names it.
const PROCS: &[(&str, &str, Option<&str>, Option<&str>)] = &[
    (
        "101",
        "101 (stat) D 1 101 101 0 -1",
        Some("rpc_wait_bit_killable"),
        Some("101 stat (rpc_wait_bit_killable)"),
    ),
    (
        "102",
        "102 (a) b) c) S 1 102 102 0 -1",
        Some("request_wait_answer"),
        Some("102 a) b) c (request_wait_answer)"),
    ),
    (
        "103",
        "103 (sleep) S 1 103",
        Some("hrtimer_nanosleep"),
        None,
    ),
    ("104", "104 (x y) R 1 104", Some("0"), None),
    // D in the command name is not the state.
    ("105", "105 (D ) S 1 105", Some("do_select"), None),
    (
        "106",
        "106 (fusermount) D 1 106",
        None,
        Some("106 fusermount (?)"),
    ),
    ("107", "107 (cp) D 5 107", Some(""), Some("107 cp (?)")),
];

#[test]
fn the_builtin_and_awk_scans_name_the_same_processes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut dirs = Vec::new();
    for (pid, stat, wchan, _) in PROCS {
        let d = tmp.path().join(pid);
        std::fs::create_dir(&d).expect("mkdir");
        std::fs::write(d.join("stat"), format!("{stat}\n")).expect("stat");
        if let Some(w) = wchan {
            std::fs::write(d.join("wchan"), w).expect("wchan");
        }
        dirs.push(d.display().to_string());
    }
    // A process that ended after the glob: its folder is gone.
    dirs.insert(2, tmp.path().join("999").display().to_string());
    let expected: String = PROCS
        .iter()
        .filter_map(|p| p.3)
        .map(|l| format!("{l}\n"))
        .collect();
    for way in ["stuck_builtin", "stuck_awk"] {
        let script = format!("{}\n{way} \"$@\"", rivershare::probe::stuck::STUCK_SCAN);
        let out = Command::new("sh")
            .arg("-c")
            .arg(&script)
            .arg("stuck-test")
            .args(&dirs)
            .output()
            .expect("sh runs");
        assert!(out.status.success(), "{way}: {out:?}");
        assert_eq!(String::from_utf8_lossy(&out.stdout), expected, "{way}");
        assert!(
            out.stderr.is_empty(),
            "{way}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
