//! The write test syncs and removes its file with one `shred` where shred can
//! (GNU coreutils), and with `dd` and `rm` where it cannot, with the same
//! result; where others may write SHARED_DIR, it never uses the file's name but
//! to unlink it. Wrappers first on `PATH` log which of the three ran, and on what.

use super::*;

/// What the stand-in `shred` does.
#[derive(Clone, Copy, PartialEq)]
enum Shred {
    /// Logs, then runs the real one.
    Real,
    /// Logs and fails without touching anything, as one without `-x` would.
    Fails,
    /// Logs, swaps the probe's file for a symlink to `canary` (another user
    /// racing the probe in a folder they may write), then runs the real one.
    SwapsFor,
}

/// A folder with logging wrappers for `shred`, `dd` and `rm` (each appends its
/// name and arguments to `log`, then runs the real tool), `shred` as `how`.
fn logging_tools(tmp: &Path, log: &Path, how: Shred, canary: &Path) -> PathBuf {
    let bin = tmp.join("bin");
    std::fs::create_dir(&bin).expect("mkdir");
    let log = rivershare::shell::sh_quote(&log.display().to_string());
    let canary = rivershare::shell::sh_quote(&canary.display().to_string());
    for name in ["shred", "dd", "rm"] {
        let real = format!("PATH=/usr/bin:/bin exec {name} \"$@\"");
        let run = match (name, how) {
            ("shred", Shred::Fails) => "echo 'shred: unrecognized option' >&2; exit 1".to_string(),
            ("shred", Shred::SwapsFor) => format!(
                "for f in \"$RVS_SHARE\"/.rivershare-probe.*; do\n\
                 PATH=/usr/bin:/bin; rm -f \"$f\"; ln -s {canary} \"$f\"\ndone\n{real}"
            ),
            _ => real,
        };
        tool(&bin, name, &format!("echo \"{name} $*\" >>{log}\n{run}"));
    }
    bin
}

/// The probe's write section and the tools' log (what touched the share: every
/// `shred` and `dd`, and the `rm`s that named it), for a share in a fresh folder
/// with `mode`, owned by `owner`; and the canary's content afterwards.
struct WriteTest {
    facts: ProbeFacts,
    write: String,
    ran: Vec<String>,
    canary: String,
}

fn write_test(how: Shred, mode: &str, owner: &str) -> WriteTest {
    let tmp = tempfile::tempdir().expect("tempdir");
    let log = tmp.path().join("tools.log");
    let canary = tmp.path().join("canary");
    std::fs::write(&canary, "precious\n").expect("canary");
    let bin = logging_tools(tmp.path(), &log, how, &canary);
    let share = tmp.path().join("share");
    std::fs::create_dir(&share).expect("mkdir");
    let share_s = share.to_str().expect("utf-8");
    cmd("chown", &[owner, share_s]);
    cmd("chmod", &[mode, share_s]);
    let r = run_probe_in(share_s, STEP, false, Some(&bin), &[("RVS_SHARE", share_s)]);
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
        .filter(|l| !l.starts_with("rm ") || l.contains(share_s))
        .map(str::to_owned)
        .collect();
    no_probe_leftovers(&share);
    WriteTest {
        facts: r.facts,
        write,
        ran,
        canary: std::fs::read_to_string(&canary).expect("canary"),
    }
}

#[test]
fn the_write_test_syncs_and_removes_with_one_shred() {
    let WriteTest {
        facts, write, ran, ..
    } = write_test(Shred::Real, "755", "root");
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
    let WriteTest {
        facts, write, ran, ..
    } = write_test(Shred::Fails, "755", "root");
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
    // dd writes through the file's descriptor, never its name.
    assert!(
        ran[1].contains("conv=fsync") && !ran[1].contains("of="),
        "{ran:?}"
    );
}

/// Where others may write SHARED_DIR (or it is not this user's), the write
/// test syncs through the file's descriptor (`shred -`) and unlinks by name
/// with `rm`, which follows no link.
#[test]
fn in_a_folder_others_may_write_the_name_is_only_unlinked() {
    for (mode, owner) in [
        ("775", "root"),
        ("757", "root"),
        ("1777", "root"),
        ("755", "nobody"),
    ] {
        let WriteTest {
            facts, write, ran, ..
        } = write_test(Shred::Real, mode, owner);
        assert!(
            facts.access.as_ref().is_some_and(|a| a.read && a.write),
            "{mode} {owner}: {write}"
        );
        assert!(write.contains("|stage=remove\n|stage=done"), "{write}");
        assert_eq!(ran.len(), 2, "{mode} {owner}: {ran:?}");
        assert_eq!(ran[0], "shred -n 0 -z -x -", "{mode} {owner}: {ran:?}");
        assert!(ran[1].starts_with("rm -f -- "), "{mode} {owner}: {ran:?}");
    }
}

/// Another user swaps the probe's file for a symlink to a file of root's just
/// before the sync: the probe's shred must not follow it. By name (as the probe
/// did before), root's shred would have zeroed the link's target.
#[test]
fn a_file_swapped_for_a_symlink_leaves_the_link_s_target_alone() {
    require_root();
    let t = write_test(Shred::SwapsFor, "777", "root");
    assert_eq!(t.canary, "precious\n", "{}\n{:?}", t.write, t.ran);
    assert!(t.write.contains("|stage=done"), "{}", t.write);
    assert_eq!(
        t.ran.first().map(String::as_str),
        Some("shred -n 0 -z -x -")
    );
}
