use std::process::Command;
use std::time::{Duration, Instant, UNIX_EPOCH};

use super::*;
use crate::shell::sh_quote;

#[test]
fn run_id_is_utc_time_and_hex() {
    let at = UNIX_EPOCH + Duration::from_secs(1_795_668_912); // 2026-11-26 04:55:12 UTC
    assert_eq!(run_id_at(at, "3f9a1c2b"), "20261126T045512Z-3f9a1c2b");
    assert_eq!(run_id_at(UNIX_EPOCH, "00"), "19700101T000000Z-00");
    // Leap day.
    let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
    assert!(run_id_at(leap, "ab").starts_with("20000229T"));
    let a = new_run_id();
    let b = new_run_id();
    assert!(looks_like_run_id(&a) && looks_like_run_id(&b), "{a} {b}");
    assert_ne!(a, b);
}

#[test]
fn run_id_shape() {
    assert!(looks_like_run_id("20261126T045512Z-3f9a1c2b"));
    for bad in [
        "20261126T045512Z-",
        "20261126T045512Z-XYZ",
        "2026112T045512Z-3f",
        "kohakuriver-containers",
        "20261126T045512Z_3f",
    ] {
        assert!(!looks_like_run_id(bad), "{bad}");
    }
}

#[test]
fn token_holds_run_writer_nonce_time() {
    let t = new_token("20261126T045512Z-3f9a1c2b", "runner-1");
    let parts: Vec<&str> = t.split(' ').collect();
    assert_eq!(
        parts[..4],
        [
            "rivershare-verify",
            "v1",
            "run=20261126T045512Z-3f9a1c2b",
            "writer=runner-1"
        ]
    );
    let nonce = parts[4].strip_prefix("nonce=").expect("nonce");
    assert_eq!(nonce.len(), 16, "64 bits");
    assert!(
        parts[5]
            .strip_prefix("time=")
            .is_some_and(|t| t.parse::<u64>().is_ok())
    );
    assert_ne!(t, new_token("20261126T045512Z-3f9a1c2b", "runner-1"));
}

#[test]
fn values_enter_each_script_once_quoted() {
    let d = "/mnt/it's $(touch /tmp/x)";
    let t = Duration::from_secs(2);
    let tok = "tok 'x' `id`";
    for s in [
        write::build(d, "R", "n", tok, t),
        cleanup::build(d, "R", "n", t),
        bench::build(d, "R", "n", 1, t),
    ] {
        assert_eq!(s.matches(&sh_quote(d)).count(), 1, "{s}");
        assert!(!s.contains("@ERR_CAP@") && !s.contains("@MISMATCH_CAP@"));
    }
    let r = read::build(
        &[read::Expected {
            path: format!("{d}/a"),
            content: tok.into(),
        }],
        t,
        t,
    );
    assert_eq!(r.matches(&sh_quote(tok)).count(), 1);
    assert!(r.contains("\nDL='2000'\n"));
    assert!(write::build("/a\0b", "R", "n", tok, t).contains("input err 2"));
}

#[test]
fn bench_step_timeout_is_one_mb_per_second_capped() {
    assert_eq!(bench::step_timeout(), Duration::from_secs(67));
}

/// The real read script through the real `sh`: a token that never appears is
/// retried until the deadline, not longer; a present one is read at once.
#[test]
fn read_retries_until_the_deadline() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let present = tmp.path().join("a");
    std::fs::write(&present, "hello\n").expect("write");
    let exp = [
        read::Expected {
            path: present.display().to_string(),
            content: "hello".into(),
        },
        read::Expected {
            path: tmp.path().join("never").display().to_string(),
            content: "x".into(),
        },
    ];
    let script = read::build(&exp, Duration::from_millis(1200), Duration::from_secs(2));
    let start = Instant::now();
    let out = run_sh(&script);
    let elapsed = start.elapsed();
    let r = crate::verify::parse::parse_read(&out.stdout, 2);
    assert_eq!(r[0].status, crate::verify::CellStatus::Ok);
    assert!(r[0].visible_after_ms.is_some_and(|ms| ms < 1000), "{r:?}");
    assert_eq!(r[1].status, crate::verify::CellStatus::Missing);
    assert!(
        elapsed >= Duration::from_millis(1150) && elapsed < Duration::from_millis(2200),
        "{elapsed:?}"
    );
}

/// A token that appears late is seen, with its delay.
#[test]
fn read_sees_a_late_token() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let late = tmp.path().join("late");
    let exp = [read::Expected {
        path: late.display().to_string(),
        content: "late token".into(),
    }];
    let script = read::build(&exp, Duration::from_secs(3), Duration::from_secs(2));
    let child = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("sh");
    std::thread::sleep(Duration::from_millis(400));
    std::fs::write(&late, "late token\n").expect("write");
    let out = child.wait_with_output().expect("wait");
    let r = crate::verify::parse::parse_read(&out.stdout, 1);
    assert_eq!(r[0].status, crate::verify::CellStatus::Ok, "{r:?}");
    let ms = r[0].visible_after_ms.expect("ms");
    assert!((350..1500).contains(&ms), "{ms}");
}

/// The real write script through the real `sh`, with a `dd` first on `PATH`
/// that swaps the token file for a symlink to another file before it runs (a
/// user who may write the run folder, racing the node): the token goes into the
/// file the script made, through its descriptor, and the link's target is
/// untouched. By name, as before, root's dd wrote the token over the target.
#[test]
fn a_token_swapped_for_a_symlink_leaves_the_link_s_target_alone() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let [share, elsewhere, bin] = folders(tmp.path());
    let canary = elsewhere.join("canary");
    std::fs::write(&canary, "precious\n").expect("canary");
    tool(
        &bin,
        "dd",
        &format!(
            "for f in \"$RVS_SHARE\"/.rivershare/verify/*/runner-1; do\n\
             PATH=/usr/bin:/bin; mv \"$f\" \"$f.made\"; ln -s {} \"$f\"\ndone\n\
             PATH=/usr/bin:/bin exec dd \"$@\"\n",
            sh_quote(&canary.display().to_string())
        ),
    );
    let run = new_run_id();
    let (w, out) = run_write(&share, &bin, &run);
    assert_eq!(
        std::fs::read_to_string(&canary).expect("canary"),
        "precious\n",
        "{out}"
    );
    assert!(matches!(w.status, crate::verify::WriteStatus::Ok), "{w:?}");
    let tok = token(&run, "runner-1", "00ff", 1_700_000_000);
    let made = share
        .join(".rivershare/verify")
        .join(&run)
        .join("runner-1.made");
    assert_eq!(
        std::fs::read_to_string(made).expect("made"),
        format!("{tok}\n")
    );
}

/// `share`, `elsewhere` (a folder of root's that a symlink may point at) and
/// `bin` (stand-in tools) in `tmp`, made.
fn folders(tmp: &std::path::Path) -> [std::path::PathBuf; 3] {
    let dirs = ["share", "etc", "bin"].map(|d| tmp.join(d));
    for d in &dirs {
        std::fs::create_dir(d).expect("mkdir");
    }
    dirs
}

/// A stand-in `name` in `bin`: a `sh` script of `body`.
fn tool(bin: &std::path::Path, name: &str, body: &str) {
    let path = bin.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}")).expect("stand-in");
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
}

/// The write failed, saying a symlink is on the way.
fn refused_for_a_symlink(w: &crate::verify::parse::WriteParsed) {
    assert!(
        matches!(w.status, crate::verify::WriteStatus::Error),
        "{w:?}"
    );
    assert!(
        w.detail.as_deref().is_some_and(|d| d.contains("a symlink")),
        "{w:?}"
    );
}

/// The real write script through the real `sh` on `share`, with `bin` first on
/// `PATH`: its parsed result and stdout.
fn run_write(
    share: &std::path::Path,
    bin: &std::path::Path,
    run: &str,
) -> (crate::verify::parse::WriteParsed, String) {
    let tok = token(run, "runner-1", "00ff", 1_700_000_000);
    let script = write::build(
        &share.display().to_string(),
        run,
        "runner-1",
        &tok,
        Duration::from_secs(3),
    );
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .env("PATH", path)
        .env("RVS_SHARE", share)
        .output()
        .expect("sh");
    (
        crate::verify::parse::parse_write(&out.stdout),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// Everything under `dir`, as paths relative to it.
fn listing(dir: &std::path::Path) -> Vec<String> {
    let out = Command::new("find")
        .arg(dir)
        .arg("-mindepth")
        .arg("1")
        .output()
        .expect("find");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// A SHARED_DIR that does not exist fails the write at once: the retries (for
/// the folders other nodes remove below it) are not waited through, which made
/// every sweep with such a node 0.8 s longer. A stand-in `sleep` counts them.
#[test]
fn a_missing_shared_dir_is_not_retried() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let [share, _, bin] = folders(tmp.path());
    let log = tmp.path().join("sleeps");
    tool(
        &bin,
        "sleep",
        &format!("echo sleep >>{}\n", sh_quote(&log.display().to_string())),
    );
    let missing = share.join("not-here");
    let (w, out) = run_write(&missing, &bin, &new_run_id());
    assert!(
        matches!(w.status, crate::verify::WriteStatus::Error),
        "{w:?}\n{out}"
    );
    assert!(
        w.detail
            .as_deref()
            .is_some_and(|d| d.contains("No such file or directory")),
        "{w:?}"
    );
    assert_eq!(std::fs::read_to_string(&log).unwrap_or_default(), "");
    assert!(!missing.exists(), "SHARED_DIR is never created");
    // A folder below SHARED_DIR that is gone is still retried (here: a file
    // named .rivershare, which mkdir and cd cannot get past, each try).
    std::fs::write(share.join(".rivershare"), "").expect("file");
    let (w, out) = run_write(&share, &bin, &new_run_id());
    assert!(
        matches!(w.status, crate::verify::WriteStatus::Error),
        "{w:?}\n{out}"
    );
    assert_eq!(
        std::fs::read_to_string(&log).unwrap_or_default(),
        "sleep\n".repeat(4)
    );
}

/// A `.rivershare` that another user made first as a symlink to a folder of
/// root's: the script makes nothing there and says why.
#[test]
fn a_rivershare_folder_that_is_a_symlink_is_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let [share, elsewhere, bin] = folders(tmp.path());
    std::os::unix::fs::symlink(&elsewhere, share.join(".rivershare")).expect("link");
    let (w, out) = run_write(&share, &bin, &new_run_id());
    assert_eq!(listing(&elsewhere), Vec::<String>::new(), "{out}");
    refused_for_a_symlink(&w);
}

/// `verify` swapped for a symlink to another folder (holding a run folder of
/// the same name) after the folders were made, while the stale run folders are
/// looked for: the token is not made there. By its path, as before, root made
/// it in the link's target.
#[test]
fn a_verify_folder_swapped_for_a_symlink_gets_no_token() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let [share, elsewhere, bin] = folders(tmp.path());
    let run = new_run_id();
    std::fs::create_dir(elsewhere.join(&run)).expect("mkdir");
    tool(
        &bin,
        "find",
        &format!(
            "PATH=/usr/bin:/bin\nv=\"$RVS_SHARE/.rivershare/verify\"\n\
             mv \"$v\" \"$v.made\" && ln -s {} \"$v\"\nexec find \"$@\"\n",
            sh_quote(&elsewhere.display().to_string())
        ),
    );
    let (w, out) = run_write(&share, &bin, &run);
    assert_eq!(
        listing(&elsewhere),
        [elsewhere.join(&run).display().to_string()],
        "{out}"
    );
    refused_for_a_symlink(&w);
}

/// A symlink where a token should be (another user's, to a file of root's) is
/// not read: the cell is an error that says so, and nothing of the link's
/// target reaches the output.
#[test]
fn a_token_that_is_a_symlink_is_not_read() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let secret = tmp.path().join("shadow");
    std::fs::write(&secret, "root:secret-hash\nline two\n").expect("secret");
    let token = tmp.path().join("runner-1");
    std::os::unix::fs::symlink(&secret, &token).expect("link");
    let exp = [read::Expected {
        path: token.display().to_string(),
        content: "x".into(),
    }];
    let script = read::build(&exp, Duration::from_millis(300), Duration::from_secs(2));
    let out = run_sh(&script);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("secret"), "{stdout}");
    let r = crate::verify::parse::parse_read(&out.stdout, 1);
    assert_eq!(r[0].status, crate::verify::CellStatus::Error, "{r:?}");
    assert!(
        r[0].detail
            .as_deref()
            .is_some_and(|d| d.contains("is a symlink")),
        "{r:?}"
    );
}

/// A symlink another user put where this node's speed-test file goes (the run
/// folder is world-writable): the test refuses to write, and the link's target
/// keeps its content. By name, root's dd truncated it and wrote zeros over it.
#[test]
fn a_bench_file_that_is_a_symlink_is_not_written_through() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let [share, elsewhere, _] = folders(tmp.path());
    let canary = elsewhere.join("passwd");
    std::fs::write(&canary, "precious\n").expect("canary");
    let run = new_run_id();
    let folder = share.join(".rivershare/verify").join(&run);
    std::fs::create_dir_all(&folder).expect("run folder");
    std::os::unix::fs::symlink(&canary, folder.join("bench-runner-1")).expect("link");
    let script = bench::build(
        &share.display().to_string(),
        &run,
        "runner-1",
        1,
        Duration::from_secs(5),
    );
    let out = run_sh(&script);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        std::fs::read_to_string(&canary).expect("canary"),
        "precious\n",
        "{stdout}"
    );
    assert!(stdout.contains("@@rivershare write err"), "{stdout}");
}

/// `script` run by the real `sh`, to its end.
fn run_sh(script: &str) -> std::process::Output {
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .output()
        .expect("sh")
}
