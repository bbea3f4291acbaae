//! Where the probe makes its temp files: `$TMPDIR` when set, else `/dev/shm`
//! when it is a sticky folder this user may write (a tmpfs: no journal writes
//! for a file made and removed on every step), else `/tmp`. A `findmnt` on
//! `PATH` that prints the file its stdout goes to shows where they are.

use super::*;

/// A folder whose `findmnt` prints the path of its stdout (the step's temp file).
fn telling_findmnt(tmp: &Path) -> PathBuf {
    let bin = tmp.join("bin");
    std::fs::create_dir(&bin).expect("mkdir");
    tool(&bin, "findmnt", "readlink /proc/$$/fd/1");
    bin
}

/// Run the probe for `share` with `bin` first on PATH, `TMPDIR` as given (unset
/// for `None`), under `wrap` (a command line that runs its last argument with
/// `sh -c`). Returns the path the findmnt step's stdout went to.
fn stdout_file_of_findmnt(
    share: &Path,
    bin: &Path,
    tmpdir: Option<&Path>,
    wrap: &[&str],
) -> String {
    let text = script::build(share.to_str().expect("utf-8"), STEP);
    let mut c = Command::new(wrap[0]);
    c.args(&wrap[1..])
        .arg(&text)
        .stdin(Stdio::null())
        .current_dir("/");
    let old = std::env::var("PATH").unwrap_or_default();
    c.env("PATH", format!("{}:{old}", bin.display()));
    match tmpdir {
        Some(t) => c.env("TMPDIR", t),
        None => c.env_remove("TMPDIR"),
    };
    let out = c.output().expect("the probe runs");
    let raw = String::from_utf8_lossy(&out.stdout).into_owned();
    let body = raw
        .split("@@rivershare findmnt ")
        .nth(1)
        .and_then(|s| s.lines().nth(1))
        .unwrap_or_else(|| {
            panic!(
                "no findmnt section: {raw}\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    let file = body.strip_prefix('|').unwrap_or(body).to_string();
    assert!(!Path::new(&file).exists(), "{file} was left behind");
    file
}

#[test]
fn temp_files_go_to_tmpdir_when_set_else_to_a_sticky_dev_shm() {
    require_root();
    let tmp = tempfile::tempdir().expect("tempdir");
    let bin = telling_findmnt(tmp.path());
    let share = tmp.path().join("share");
    std::fs::create_dir(&share).expect("mkdir");
    let tmpdir = tmp.path().join("tmpdir");
    std::fs::create_dir(&tmpdir).expect("mkdir");
    let sh = ["sh", "-c"];

    let set = stdout_file_of_findmnt(&share, &bin, Some(&tmpdir), &sh);
    assert!(
        set.starts_with(&format!("{}/rivershare.", tmpdir.display())),
        "{set}"
    );

    // This machine's /dev/shm is a sticky tmpfs, as on every systemd system.
    let shm = std::fs::metadata("/dev/shm").expect("/dev/shm");
    assert!(
        std::os::unix::fs::PermissionsExt::mode(&shm.permissions()) & 0o1000 != 0,
        "this test needs the usual sticky /dev/shm"
    );
    let unset = stdout_file_of_findmnt(&share, &bin, None, &sh);
    assert!(unset.starts_with("/dev/shm/rivershare."), "{unset}");

    // A /dev/shm that is not sticky (any user could replace a file in it) is
    // passed over for /tmp: here a private one, in a mount namespace.
    let not_sticky = [
        "unshare",
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        "mount -t tmpfs -o mode=0777 rivershare-test /dev/shm && exec sh -c \"$0\"",
    ];
    let fallback = stdout_file_of_findmnt(&share, &bin, None, &not_sticky);
    assert!(fallback.starts_with("/tmp/rivershare."), "{fallback}");
    no_probe_leftovers(&share);
}
