//! Issue 7's security properties, each proven on the real thing: a real `sshd`
//! (tests/support/sshd.rs), the real `rivershare` binary, real files.
//!
//! - `ssh`: agent forwarding is never requested; a key passphrase typed on a
//!   terminal never reaches the log (even at trace level) nor `check --json`.
//! - `token`: the `--token` given to `init` never reaches the config it writes or the log.
//! - `canary`: a SHARED_DIR full of shell syntax runs nothing, over SSH and locally.
//! - `read_only`: `--read-only` and `read_only = true` leave the share exactly as
//!   it was through every command that could change it.
//! - `tarballs`: the tarball folder's hostile cases (names with newlines and
//!   invalid UTF-8, a file swapped for a directory or deleted before the delete),
//!   and the audit log: one line per deletion, or no deletion at all (a log that
//!   cannot be opened, or a full disk).

#[path = "support/mounts.rs"]
mod mounts;
#[path = "support/sshd.rs"]
mod sshd;

#[path = "security/canary.rs"]
mod canary;
#[path = "discover_cli/host.rs"]
#[allow(dead_code)]
mod host;
#[path = "security/read_only.rs"]
mod read_only;
#[path = "security/ssh.rs"]
mod ssh;
#[path = "security/tarballs.rs"]
mod tarballs;
#[path = "security/token.rs"]
mod token;

/// A Host's `/api/nodes` answer, for `init --host` (tests/discover_cli/host.rs).
const NODES: &str = r#"[
  {"hostname": "gpu-1", "url": "http://10.0.0.11:8001", "status": "online",
   "last_heartbeat": "2026-11-26T10:41:05"}
]"#;

use std::collections::BTreeMap;
use std::os::unix::ffi::OsStrExt as _;
use std::os::unix::fs::MetadataExt as _;
use std::path::Path;
use std::process::{Command, Output};

/// The real binary with `home` as HOME and XDG folders, nothing inherited that
/// could pick another config, an SSH agent or a log level.
fn rivershare(args: &[&str], home: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rivershare"))
        .args(args)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_STATE_HOME", home.join(".state"))
        .env("NO_COLOR", "1")
        .env_remove("RIVERSHARE_CONFIG")
        .env_remove("RIVERSHARE_LOG")
        .env_remove("SSH_AUTH_SOCK")
        .output()
        .expect("rivershare runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every entry under `root` (root included), by path bytes: its type, size,
/// mtime in nanoseconds and, for files, contents. A file created and removed
/// again still changes its folder's mtime, so even a write undone at once shows.
type Tree = BTreeMap<Vec<u8>, (String, u64, i128, Vec<u8>)>;

fn tree(root: &Path) -> Tree {
    let mut out = Tree::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(p) = stack.pop() {
        let m = std::fs::symlink_metadata(&p).expect("lstat");
        let mtime = i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec());
        let (kind, body) = if m.file_type().is_symlink() {
            let to = std::fs::read_link(&p).expect("readlink");
            ("symlink", to.as_os_str().as_bytes().to_vec())
        } else if m.is_dir() {
            for e in std::fs::read_dir(&p).expect("read_dir") {
                stack.push(e.expect("entry").path());
            }
            ("dir", Vec::new())
        } else {
            ("file", std::fs::read(&p).expect("read"))
        };
        out.insert(
            p.as_os_str().as_bytes().to_vec(),
            (kind.to_owned(), m.len(), mtime, body),
        );
    }
    out
}

/// Set `p`'s mtime to `secs` seconds ago (without following a symlink's target).
fn age(p: &Path, secs: u64) {
    let when = std::time::SystemTime::now() - std::time::Duration::from_secs(secs);
    let f = std::fs::File::options()
        .write(p.is_file())
        .read(true)
        .open(p)
        .expect("open to set mtime");
    f.set_modified(when).expect("set mtime");
}

/// The paths whose entry differs between two [`tree`]s (added, removed or changed).
fn diff(a: &Tree, b: &Tree) -> Vec<String> {
    let mut keys: Vec<&Vec<u8>> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| String::from_utf8_lossy(k).into_owned())
        .collect()
}
