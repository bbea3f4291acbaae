//! The real probe script, run by the real `sh` on this machine against real
//! directories and mounts, parsed by the real parser. Needs root (mounts, setpriv);
//! without it the tests fail with a clear message rather than skip.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rivershare::facts::{AccessErrorKind, ProbeFacts};
use rivershare::probe::{parse, script};

#[path = "support/mounts.rs"]
mod mounts;
use mounts::{Mounted, cmd, require_root};

struct Run {
    facts: ProbeFacts,
    raw: String,
    elapsed: Duration,
}

/// Build the script for `dir` and run it with `sh -c`, optionally as another
/// user (`setpriv`) or with extra `PATH` entries in front.
fn run_probe(dir: &str, step: Duration, as_nobody: bool, path_prefix: Option<&Path>) -> Run {
    run_probe_in(dir, step, as_nobody, path_prefix, &[])
}

/// As `run_probe`, with the variables `envs` set (`TMPDIR`, a locale).
fn run_probe_in(
    dir: &str,
    step: Duration,
    as_nobody: bool,
    path_prefix: Option<&Path>,
    envs: &[(&str, &str)],
) -> Run {
    let text = script::build(dir, step);
    let mut c = if as_nobody {
        let mut c = Command::new("setpriv");
        c.args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "sh",
            "-c",
        ]);
        c
    } else {
        let mut c = Command::new("sh");
        c.arg("-c");
        c
    };
    c.arg(&text).stdin(Stdio::null()).current_dir("/");
    if let Some(p) = path_prefix {
        let old = std::env::var("PATH").unwrap_or_default();
        c.env("PATH", format!("{}:{old}", p.display()));
    }
    // The caller's locale is the node's: none unless `envs` gives one.
    c.env_remove("LC_ALL").env_remove("LC_MESSAGES");
    c.envs(envs.iter().copied());
    let start = Instant::now();
    let out = c.output().expect("sh runs the probe");
    let elapsed = start.elapsed();
    let raw = String::from_utf8_lossy(&out.stdout).into_owned();
    let facts = parse::parse(&out.stdout, dir);
    Run {
        facts,
        raw,
        elapsed,
    }
}

const STEP: Duration = Duration::from_secs(3);

fn no_probe_leftovers(dir: &Path) {
    let left: Vec<_> = std::fs::read_dir(dir)
        .expect("read dir")
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(".rivershare-probe")
        })
        .collect();
    assert!(left.is_empty(), "write test left files behind: {left:?}");
}

#[test]
fn local_temp_dir_is_healthy_and_local() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().to_str().expect("utf-8");
    for sub in ["kohakuriver-containers", "logs"] {
        std::fs::create_dir(tmp.path().join(sub)).expect("mkdir");
    }
    let r = run_probe(dir, STEP, false, None);
    let f = &r.facts;
    assert!(f.warnings.is_empty(), "{:?}\n{}", f.warnings, r.raw);
    assert!(f.exists && f.is_dir);
    assert!(f.hostname.is_some() && f.kernel.is_some());
    let m = f.mount.as_ref().expect("mount");
    assert!(!m.network && !m.is_mount_point, "{m:?}");
    assert_eq!(m.provider, "local");
    let a = f.access.as_ref().expect("access");
    assert!(a.read && a.write && a.error.is_none(), "{a:?}");
    assert!(f.usage.is_some_and(|u| u.total_bytes > 0));
    let present: Vec<bool> = f.layout.iter().map(|l| l.present).collect();
    assert_eq!(present, [true, false, true]);
    assert_eq!(f.layout[0].owner.as_deref(), Some("root"));
    assert!(f.persistence.is_some());
    no_probe_leftovers(tmp.path());
}

#[test]
fn real_tmpfs_mount_point() {
    require_root();
    let tmp = tempfile::tempdir().expect("tempdir");
    let mnt = tmp.path().join("share");
    std::fs::create_dir(&mnt).expect("mkdir");
    let _g = Mounted::new(&["-t", "tmpfs", "-o", "size=8m", "tmpfs"], &mnt);
    // With a trailing slash: the mount point test must normalise it.
    let dir = format!("{}/", mnt.display());
    let f = run_probe(&dir, STEP, false, None).facts;
    let m = f.mount.as_ref().expect("mount");
    assert_eq!((m.fstype.as_str(), m.source.as_str()), ("tmpfs", "tmpfs"));
    assert!(m.is_mount_point && !m.network);
    assert_eq!(f.usage.map(|u| u.total_bytes), Some(8 * 1024 * 1024));
    assert!(
        f.access
            .as_ref()
            .is_some_and(|a| a.write && a.error.is_none())
    );
    no_probe_leftovers(&mnt);
}

#[test]
fn read_only_bind_mount() {
    require_root();
    let tmp = tempfile::tempdir().expect("tempdir");
    let (src, ro) = (tmp.path().join("src"), tmp.path().join("ro"));
    std::fs::create_dir(&src).expect("mkdir");
    std::fs::create_dir(&ro).expect("mkdir");
    let _g = Mounted::new(&["--bind", src.to_str().expect("utf-8")], &ro);
    cmd(
        "mount",
        &["-o", "remount,ro,bind", ro.to_str().expect("utf-8")],
    );
    let f = run_probe(ro.to_str().expect("utf-8"), STEP, false, None).facts;
    let m = f.mount.as_ref().expect("mount");
    assert!(m.is_mount_point && m.options.first().map(String::as_str) == Some("ro"));
    let a = f.access.as_ref().expect("access");
    assert!(a.read && !a.write);
    let e = a.error.as_ref().expect("error");
    assert_eq!(e.kind, AccessErrorKind::ReadOnly, "{e:?}");
    no_probe_leftovers(&src);
}

#[test]
fn missing_path_is_missing_and_untouched() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("not/there");
    let f = run_probe(dir.to_str().expect("utf-8"), STEP, false, None).facts;
    assert!(!f.exists && !f.is_dir);
    assert_eq!(
        f.access.and_then(|a| a.error).map(|e| e.kind),
        Some(AccessErrorKind::Missing)
    );
    // The parent's mount is still reported, from mountinfo.
    assert!(f.mount.is_some_and(|m| !m.is_mount_point));
    assert!(f.layout.is_empty() && f.usage.is_none());
    assert!(
        !tmp.path().join("not").exists(),
        "the probe created something"
    );
}

#[test]
fn hostile_path_is_data_not_code() {
    require_root();
    let tmp = tempfile::tempdir().expect("tempdir");
    let canary = tmp.path().join("pwned");
    let name = format!(
        "it's a \"dir\" $(touch {c}) `touch {c}` ;touch {c}\n@@rivershare end\nx",
        c = canary.display()
    );
    let dir = tmp.path().join(&name);
    std::fs::create_dir_all(&dir).expect("mkdir hostile");
    let _g = Mounted::new(&["-t", "tmpfs", "tmpfs"], &dir);
    let r = run_probe(dir.to_str().expect("utf-8"), STEP, false, None);
    assert!(!canary.exists(), "shell injection through SHARED_DIR");
    let f = &r.facts;
    assert!(f.warnings.is_empty(), "{:?}\n{}", f.warnings, r.raw);
    assert!(f.exists && f.is_dir);
    let m = f.mount.as_ref().expect("mount");
    assert_eq!(Path::new(&m.target), dir.as_path());
    assert!(m.is_mount_point);
    assert!(f.access.as_ref().is_some_and(|a| a.read && a.write));
    no_probe_leftovers(&dir);
}

#[test]
fn mode_0555_written_by_nobody_is_permission_denied() {
    require_root();
    let tmp = tempfile::tempdir().expect("tempdir");
    cmd("chmod", &["755", tmp.path().to_str().expect("utf-8")]);
    let dir = tmp.path().join("locked");
    std::fs::create_dir(&dir).expect("mkdir");
    cmd("chmod", &["555", dir.to_str().expect("utf-8")]);
    let f = run_probe(dir.to_str().expect("utf-8"), STEP, true, None).facts;
    let a = f.access.expect("access");
    assert!(a.read && !a.write);
    let e = a.error.expect("error");
    assert_eq!(e.kind, AccessErrorKind::PermissionDenied, "{e:?}");
    assert!(e.detail.contains("Permission denied"), "{}", e.detail);
}

/// The listing reads the folder with a glob; a folder that cannot be read
/// matches nothing, and `ls` then says why. Files in it make sure a readable
/// one would have matched.
#[test]
fn a_folder_nobody_may_not_read_fails_the_listing_with_ls_s_reason() {
    require_root();
    let tmp = tempfile::tempdir().expect("tempdir");
    cmd("chmod", &["755", tmp.path().to_str().expect("utf-8")]);
    let dir = tmp.path().join("write-only");
    std::fs::create_dir(&dir).expect("mkdir");
    for name in ["kohakuriver-containers", ".hidden"] {
        std::fs::create_dir(dir.join(name)).expect("mkdir");
    }
    cmd("chmod", &["733", dir.to_str().expect("utf-8")]);
    let r = run_probe(dir.to_str().expect("utf-8"), STEP, true, None);
    assert!(r.raw.contains("@@rivershare list err"), "{}", r.raw);
    assert!(r.raw.contains("Permission denied"), "{}", r.raw);
    let a = r.facts.access.expect("access");
    assert!(!a.read && a.write, "{a:?}");
    // Readable, with only a dotfile in it: the glob for hidden names matches.
    cmd("chmod", &["755", dir.to_str().expect("utf-8")]);
    std::fs::remove_dir(dir.join("kohakuriver-containers")).expect("rmdir");
    let r = run_probe(dir.to_str().expect("utf-8"), STEP, true, None);
    assert!(r.raw.contains("@@rivershare list ok"), "{}", r.raw);
    assert!(r.facts.access.is_some_and(|a| a.read), "{}", r.raw);
}

#[test]
fn unsearchable_parent_is_permission_denied_not_missing() {
    require_root();
    let tmp = tempfile::tempdir().expect("tempdir");
    cmd("chmod", &["700", tmp.path().to_str().expect("utf-8")]);
    let dir = tmp.path().join("share");
    std::fs::create_dir(&dir).expect("mkdir");
    let f = run_probe(dir.to_str().expect("utf-8"), STEP, true, None).facts;
    // `test -e` says no, but stat says EACCES: something is there.
    assert!(f.exists && !f.is_dir);
    let e = f.access.and_then(|a| a.error).expect("error");
    assert_eq!(e.kind, AccessErrorKind::PermissionDenied, "{e:?}");
    assert!(e.detail.starts_with("stat: "), "{}", e.detail);
}

/// A node whose login gives it a German locale (`LANG` from pam_env, here
/// `LANGUAGE=de` over `C.UTF-8`, whose messages this machine has) still reports
/// its errors in the English the parser classifies: the probe runs every
/// program with `LC_ALL=C`.
#[test]
fn a_node_in_german_still_reports_permission_denied() {
    require_root();
    let german = [("LANG", "C.UTF-8"), ("LANGUAGE", "de")];
    let said = Command::new("stat")
        .arg("/nonexistent")
        .envs(german)
        .env_remove("LC_ALL")
        .output()
        .expect("stat runs");
    let said = String::from_utf8_lossy(&said.stderr);
    assert!(
        said.contains("nicht gefunden"),
        "this machine cannot speak German (install libc-l10n and coreutils' translations): {said}"
    );
    let tmp = tempfile::tempdir().expect("tempdir");
    cmd("chmod", &["700", tmp.path().to_str().expect("utf-8")]);
    let dir = tmp.path().join("share");
    std::fs::create_dir(&dir).expect("mkdir");
    let r = run_probe_in(dir.to_str().expect("utf-8"), STEP, true, None, &german);
    let e = r.facts.access.and_then(|a| a.error).expect("error");
    assert_eq!(
        e.kind,
        AccessErrorKind::PermissionDenied,
        "{e:?}\n{}",
        r.raw
    );
    assert!(e.detail.contains("Permission denied"), "{}", e.detail);
}

/// A stand-in `name` in the tool folder `bin`: a `sh` script of `body`.
fn tool(bin: &Path, name: &str, body: &str) {
    let path = bin.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("stand-in tool");
    cmd("chmod", &["755", path.to_str().expect("utf-8")]);
}

/// A stand-in `name` in `bin` that logs `cut` to `log`, signals its process
/// group with USR1 (as the node's `timeout` does when the share budget ends),
/// then runs the real tool.
fn cutting_tool(bin: &Path, name: &str, log: &Path) {
    let log = rivershare::shell::sh_quote(&log.display().to_string());
    tool(
        bin,
        name,
        &format!("echo cut >>{log}\nkill -USR1 0\nPATH=/usr/bin:/bin exec {name} \"$@\""),
    );
}

/// A folder of tools whose `mktemp` always fails.
fn failing_mktemp(tmp: &Path) -> PathBuf {
    let bin = tmp.join("bin");
    std::fs::create_dir(&bin).expect("mkdir");
    tool(&bin, "mktemp", "exit 1");
    bin
}

/// The probe's temp files are a fixed set made by shell builtins in `$TMPDIR`:
/// no `mktemp` (here one that always fails), and none left when it ends.
#[test]
fn the_probe_makes_its_temp_files_without_mktemp_and_leaves_none() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let bin = failing_mktemp(tmp.path());
    // A `df` that says something on stderr, for the temp file that catches it.
    tool(
        &bin,
        "df",
        "echo df speaks on stderr >&2\nPATH=/usr/bin:/bin exec df \"$@\"",
    );
    let share = tmp.path().join("share");
    std::fs::create_dir(&share).expect("mkdir");
    let tmpdir = tmp.path().join("tmpdir");
    std::fs::create_dir(&tmpdir).expect("mkdir");
    let r = run_probe_in(
        share.to_str().expect("utf-8"),
        STEP,
        false,
        Some(&bin),
        &[("TMPDIR", tmpdir.to_str().expect("utf-8"))],
    );
    let f = &r.facts;
    assert!(f.warnings.is_empty(), "{:?}\n{}", f.warnings, r.raw);
    assert!(f.exists && f.is_dir && f.usage.is_some() && f.mount.is_some());
    assert!(f.access.as_ref().is_some_and(|a| a.read && a.write));
    // A step's stderr was captured in a temp file.
    assert!(r.raw.contains("\n!df speaks on stderr\n"), "{}", r.raw);
    let left: Vec<_> = std::fs::read_dir(&tmpdir).expect("read_dir").collect();
    assert!(left.is_empty(), "{left:?}");
    no_probe_leftovers(&share);
}

/// Every temp file the probe names, KohakuRiver reads included, is one of the
/// set it makes and removes: a name outside it would be made by a plain `>`
/// in `$TMPDIR` and left behind.
#[test]
fn the_probe_names_no_temp_file_outside_its_fixed_set() {
    let text = rivershare::sweep::probe_script_with_discovery(
        "/mnt/share",
        STEP,
        true,
        rivershare::facts::Role::Runner,
    );
    let mut names: Vec<&str> = text
        .match_indices("${W}")
        .map(|(at, _)| {
            let rest = &text[at + 4..];
            let end = rest
                .find(|c: char| !c.is_ascii_alphanumeric())
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .collect();
    names.sort_unstable();
    names.dedup();
    assert!(names.len() >= 8, "{names:?}");
    for name in &names {
        assert!(script::TEMP_FILES.contains(name), "{name} in {names:?}");
    }
}

/// With no temp files at all (`$TMPDIR` missing and `mktemp` failing), the
/// probe still runs, without the steps' stderr, and says so.
#[test]
fn without_a_temp_dir_the_probe_still_runs_and_says_so() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let bin = failing_mktemp(tmp.path());
    let share = tmp.path().join("share");
    std::fs::create_dir(&share).expect("mkdir");
    let r = run_probe_in(
        share.to_str().expect("utf-8"),
        STEP,
        false,
        Some(&bin),
        &[("TMPDIR", &tmp.path().join("missing").display().to_string())],
    );
    let f = &r.facts;
    assert_eq!(f.warnings.len(), 1, "{:?}", f.warnings);
    assert!(
        f.warnings[0].contains("mktemp -d failed"),
        "{:?}",
        f.warnings
    );
    assert!(
        f.exists && f.is_dir && f.usage.is_some() && f.mount.is_some(),
        "{}",
        r.raw
    );
    assert!(f.access.as_ref().is_some_and(|a| a.read && a.write));
    no_probe_leftovers(&share);
}

#[test]
fn a_stat_that_hangs_is_cut_by_its_own_timeout() {
    // A stand-in for a dead hard mount: `stat` that never answers. It tests the
    // script's real `timeout -k` wrapping and the skip of every later share step.
    let tmp = tempfile::tempdir().expect("tempdir");
    let bin = tmp.path().join("bin");
    std::fs::create_dir(&bin).expect("mkdir");
    std::fs::write(bin.join("stat"), "#!/bin/sh\nexec sleep 60\n").expect("fake stat");
    cmd("chmod", &["755", bin.join("stat").to_str().expect("utf-8")]);
    let share = tmp.path().join("share");
    std::fs::create_dir(&share).expect("mkdir");
    let r = run_probe(
        share.to_str().expect("utf-8"),
        Duration::from_secs(1),
        false,
        Some(&bin),
    );
    let f = &r.facts;
    assert_eq!(f.hung_steps, ["stat"], "{}", r.raw);
    assert!(r.elapsed < Duration::from_secs(4), "took {:?}", r.elapsed);
    let a = f.access.as_ref().expect("access");
    let e = a.error.as_ref().expect("error");
    assert_eq!(e.kind, AccessErrorKind::Hung);
    assert_eq!(e.detail, "stat timed out after 1 s");
    assert!(!a.write && f.usage.is_none());
    assert!(r.raw.contains("@@rivershare write skip hung"));
}

#[test]
fn script_fed_on_stdin_survives_its_own_commands() {
    // Some transports pipe the script into `sh`: no step may eat its stdin.
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().to_str().expect("utf-8");
    let mut child = Command::new("sh")
        .arg("-s")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("sh");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin
            .write_all(script::build(dir, STEP).as_bytes())
            .expect("write script");
    }
    let out = child.wait_with_output().expect("wait");
    let f = parse::parse(&out.stdout, dir);
    assert!(f.warnings.is_empty(), "{:?}", f.warnings);
    assert!(f.access.is_some_and(|a| a.write));
}

#[test]
fn busybox_sh_and_applets() {
    let bb = Command::new("busybox").arg("true").status();
    assert!(
        bb.is_ok_and(|s| s.success()),
        "busybox is not installed: apt-get install -y busybox"
    );
    let tmp = tempfile::tempdir().expect("tempdir");
    let bin = tmp.path().join("bin");
    std::fs::create_dir(&bin).expect("mkdir");
    cmd(
        "busybox",
        &["--install", "-s", bin.to_str().expect("utf-8")],
    );
    let share = tmp.path().join("share");
    std::fs::create_dir(&share).expect("mkdir");
    let dir = share.to_str().expect("utf-8");
    let out = Command::new(bin.join("sh"))
        .arg("-c")
        .arg(script::build(dir, STEP))
        .env_clear()
        .env("PATH", &bin)
        .output()
        .expect("busybox sh");
    let f = parse::parse(&out.stdout, dir);
    assert_eq!(
        f.warnings,
        ["findmnt is not installed; mount read from mountinfo"]
    );
    assert!(f.mount.is_some() && f.usage.is_some());
    assert!(
        f.access
            .is_some_and(|a| a.read && a.write && a.error.is_none())
    );
    no_probe_leftovers(&share);
}

#[path = "support/loop_sshfs.rs"]
mod loop_sshfs;

#[path = "probe/sshfs.rs"]
mod sshfs;

#[path = "probe/fstab.rs"]
mod fstab;

#[path = "probe/hostile.rs"]
mod hostile;

#[path = "probe/framing.rs"]
mod framing;

#[path = "probe/stuck.rs"]
mod stuck;

#[path = "probe/units.rs"]
mod units;

#[path = "probe/reused_tmp.rs"]
mod reused_tmp;

#[path = "probe/temp_base.rs"]
mod temp_base;

#[path = "probe/write_test.rs"]
mod write_test;

#[path = "probe/late_write.rs"]
mod late_write;
