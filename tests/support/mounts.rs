//! Real mounts for tests, and the root check they need. Shared by the test
//! binaries that mount filesystems (included with `#[path]`).

#![allow(
    dead_code,
    reason = "each test binary uses a different part of this module"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// These tests mount filesystems and switch users: without root they fail, loudly.
pub fn require_root() {
    let out = Command::new("id").arg("-u").output().expect("id runs");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "0",
        "these tests mount filesystems: run them as root"
    );
}

/// Run `program args`, failing the test if it fails.
pub fn cmd(program: &str, args: &[&str]) {
    let st = Command::new(program)
        .args(args)
        .status()
        .unwrap_or_else(|e| panic!("{program} {args:?}: {e}"));
    assert!(st.success(), "{program} {args:?} failed: {st}");
}

/// A mount that is lazily unmounted when the test ends, pass or fail.
pub struct Mounted(PathBuf);

impl Mounted {
    /// `mount ARGS TARGET`, creating TARGET first when it is missing.
    pub fn new(args: &[&str], target: &Path) -> Self {
        std::fs::create_dir_all(target).expect("mount point");
        let mut all: Vec<&str> = args.to_vec();
        all.push(target.to_str().expect("utf-8 path"));
        cmd("mount", &all);
        Mounted(target.to_path_buf())
    }

    /// Take charge of a mount made another way (sshfs, say): unmounted on drop.
    pub fn adopt(target: &Path) -> Self {
        Mounted(target.to_path_buf())
    }

    /// A read-only bind mount of `src` at `target`.
    pub fn read_only_bind(src: &Path, target: &Path) -> Self {
        let m = Self::new(&["--bind", src.to_str().expect("utf-8")], target);
        cmd(
            "mount",
            &["-o", "remount,ro,bind", target.to_str().expect("utf-8")],
        );
        m
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// KohakuRiver's folders in `dir` with the security guide's modes (shared_data
/// 1777; the others 755 from the umask), so only what a test sets up is flagged.
#[allow(dead_code)] // not every test crate that includes this file lays out a share
pub fn layout(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    for sub in ["kohakuriver-containers", "shared_data", "logs"] {
        std::fs::create_dir_all(dir.join(sub)).expect("layout dir");
    }
    std::fs::set_permissions(
        dir.join("shared_data"),
        std::fs::Permissions::from_mode(0o1777),
    )
    .expect("chmod 1777 shared_data");
}
