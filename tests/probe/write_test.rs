//! The write test syncs and removes its file with one `shred` where shred can
//! (GNU coreutils), and with `dd` and `rm` where it cannot, with the same
//! result. Wrappers first on `PATH` log which of the three ran, and on what.

use super::*;

/// A folder with logging wrappers for `shred`, `dd` and `rm` (each appends its
/// name and arguments to `log`, then runs the real tool), or, for `shred` when
/// `shred_fails`, one that logs and fails without touching anything.
fn logging_tools(tmp: &Path, log: &Path, shred_fails: bool) -> PathBuf {
    let bin = tmp.join("bin");
    std::fs::create_dir(&bin).expect("mkdir");
    let log = rivershare::shell::sh_quote(&log.display().to_string());
    for name in ["shred", "dd", "rm"] {
        let run = if name == "shred" && shred_fails {
            "echo 'shred: unrecognized option' >&2; exit 1".to_string()
        } else {
            format!("PATH=/usr/bin:/bin exec {name} \"$@\"")
        };
        tool(&bin, name, &format!("echo \"{name} $*\" >>{log}\n{run}"));
    }
    bin
}

/// The probe's write section and the tools' log, for a share in a fresh folder.
fn write_test(shred_fails: bool) -> (ProbeFacts, String, Vec<String>, tempfile::TempDir) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let log = tmp.path().join("tools.log");
    let bin = logging_tools(tmp.path(), &log, shred_fails);
    let share = tmp.path().join("share");
    std::fs::create_dir(&share).expect("mkdir");
    let r = run_probe(share.to_str().expect("utf-8"), STEP, false, Some(&bin));
    let write = r
        .raw
        .split("@@rivershare write ")
        .nth(1)
        .and_then(|s| s.split("\n@@").next())
        .unwrap_or_else(|| panic!("no write section: {}", r.raw))
        .to_string();
    let ran: Vec<String> = std::fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains(&share.display().to_string()))
        .map(str::to_owned)
        .collect();
    no_probe_leftovers(&share);
    (r.facts, write, ran, tmp)
}

#[test]
fn the_write_test_syncs_and_removes_with_one_shred() {
    let (facts, write, ran, _tmp) = write_test(false);
    assert!(
        facts.access.as_ref().is_some_and(|a| a.read && a.write),
        "{write}"
    );
    assert!(
        write.starts_with("ok\n") && write.contains("|stage=remove\n|stage=done"),
        "{write}"
    );
    // On the share: one shred, with the options that make it one pass of zeros
    // over the exact size, synced, then an unlink; no dd, no rm.
    assert_eq!(ran.len(), 1, "{ran:?}");
    assert!(
        ran[0].starts_with("shred -n 0 -z -x --remove=unlink -- "),
        "{ran:?}"
    );
}

#[test]
fn where_shred_cannot_dd_and_rm_do_it_with_the_same_result() {
    let (facts, write, ran, _tmp) = write_test(true);
    assert!(
        facts.access.as_ref().is_some_and(|a| a.read && a.write),
        "{write}"
    );
    assert!(write.starts_with("ok\n"), "{write}");
    assert!(
        write.contains("|stage=remove\n|stage=write\n|stage=remove\n|stage=done"),
        "the file is synced and removed again, each stage named: {write}"
    );
    assert!(
        !write.contains("unrecognized"),
        "shred's complaint is not the section's: {write}"
    );
    let tools: Vec<&str> = ran
        .iter()
        .map(|l| l.split(' ').next().unwrap_or(""))
        .collect();
    assert_eq!(tools, ["shred", "dd", "rm"], "{ran:?}");
    assert!(ran[1].contains("conv=notrunc,fsync"), "{ran:?}");
}
