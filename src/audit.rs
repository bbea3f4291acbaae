//! The audit log: one line per file rivershare deleted, appended to
//! `$XDG_STATE_HOME/rivershare/audit.log` (default `~/.local/state/rivershare/audit.log`).
//!
//! A line is `TIME user=USER node=NODE path="PATH" size=BYTES mtime=TIME`, times in
//! RFC 3339 UTC. The path is written as a quoted, escaped string so that a file
//! name with spaces, tabs or newlines can never forge a second line.

use std::ffi::OsString;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::report::time::rfc3339;
use crate::tarballs::{PruneOutcome, PruneResult, TarballInventory};

/// One deletion, as it goes into the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// The node the file was deleted on.
    pub node: String,
    /// The full path on that node.
    pub path: String,
    pub size_bytes: u64,
    /// The file's mtime (unix seconds) as re-checked before the delete.
    pub mtime: i64,
}

/// One record per `deleted` result: the inventory's node, the full path in its
/// folder, the size, and the mtime the re-check confirmed (from the inventory).
pub fn records_for(inventory: &TarballInventory, results: &[PruneResult]) -> Vec<AuditRecord> {
    let node = inventory.node.clone().unwrap_or_default();
    let dir = inventory.dir.as_deref().unwrap_or("");
    results
        .iter()
        .filter(|r| r.outcome == PruneOutcome::Deleted)
        .map(|r| AuditRecord {
            node: node.clone(),
            path: format!("{}/{}", dir.trim_end_matches('/'), r.file),
            size_bytes: r.size_bytes,
            mtime: inventory
                .entries
                .iter()
                .find(|e| e.file == r.file)
                .map_or(0, |e| e.mtime),
        })
        .collect()
}

/// `$XDG_STATE_HOME/rivershare/audit.log`, else `$HOME/.local/state/rivershare/audit.log`.
/// `None` when neither variable is set (or both are empty).
pub fn default_path_from(
    xdg_state_home: Option<OsString>,
    home: Option<OsString>,
) -> Option<PathBuf> {
    let state = xdg_state_home
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            home.filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".local/state"))
        })?;
    Some(state.join("rivershare/audit.log"))
}

/// [`default_path_from`] with this process's environment.
pub fn default_path() -> Option<PathBuf> {
    default_path_from(std::env::var_os("XDG_STATE_HOME"), std::env::var_os("HOME"))
}

/// The local user running rivershare: the passwd name of the real uid, else
/// `$USER`, else `uid=N`.
pub fn local_user() -> String {
    let uid = nix::unistd::getuid();
    match nix::unistd::User::from_uid(uid) {
        Ok(Some(user)) => user.name,
        _ => std::env::var("USER")
            .ok()
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| format!("uid={uid}")),
    }
}

/// The text of one audit line (with its trailing newline).
pub fn format_line(when: SystemTime, user: &str, record: &AuditRecord) -> String {
    let mtime = if record.mtime >= 0 {
        rfc3339(UNIX_EPOCH + Duration::from_secs(record.mtime.unsigned_abs()))
    } else {
        record.mtime.to_string()
    };
    format!(
        "{} user={} node={} path={:?} size={} mtime={}\n",
        rfc3339(when),
        token(user),
        token(&record.node),
        record.path,
        record.size_bytes,
        mtime
    )
}

/// A user or node name as one unquoted word: anything outside the safe set
/// (spaces, control characters, `=`) is escaped, so fields stay parseable.
fn token(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@' | '$'))
    {
        s.to_owned()
    } else {
        format!("{s:?}")
    }
}

/// An append-only audit log file.
#[derive(Debug, Clone)]
pub struct AuditLog {
    path: PathBuf,
    user: String,
}

impl AuditLog {
    /// The log at `path`, written as the local user.
    pub fn at(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            user: local_user(),
        }
    }

    /// The log at [`default_path`]; an error when neither XDG_STATE_HOME nor HOME is set.
    pub fn open_default() -> std::io::Result<Self> {
        default_path().map(Self::at).ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "neither XDG_STATE_HOME nor HOME is set: no place for the audit log",
            )
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Make sure the log can be written (creating it, empty, if needed) before
    /// anything is deleted: a deletion that cannot be recorded must not happen.
    pub fn ensure_writable(&self) -> std::io::Result<()> {
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                std::io::Error::new(
                    e.kind(),
                    format!(
                        "audit log {}: cannot create its folder: {e}",
                        self.path.display()
                    ),
                )
            })?;
        }
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map(drop)
            .map_err(|e| {
                std::io::Error::new(
                    e.kind(),
                    format!("audit log {}: cannot open: {e}", self.path.display()),
                )
            })
    }

    /// Reserve disk space for these lines before anything is deleted, so that the
    /// appends after the deletions cannot fail for lack of space (a full disk).
    /// The file's length does not change (`FALLOC_FL_KEEP_SIZE`). A filesystem
    /// without `fallocate` (some FUSE and NFS) gets no reservation, only a log line.
    pub fn reserve_for(&self, records: &[AuditRecord]) -> std::io::Result<()> {
        // A line's length does not depend on when it is written (RFC 3339, UTC,
        // whole seconds); the slack covers a clock past year 9999 and rounding.
        let bytes: usize = records
            .iter()
            .map(|r| format_line(SystemTime::now(), &self.user, r).len() + 8)
            .sum();
        if bytes == 0 {
            return Ok(());
        }
        let context = |what: &str, e: std::io::Error| {
            std::io::Error::new(
                e.kind(),
                format!("audit log {}: {what}: {e}", self.path.display()),
            )
        };
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| context("cannot open", e))?;
        let len = file
            .metadata()
            .map_err(|e| context("cannot stat", e))?
            .len();
        let (Ok(offset), Ok(want)) = (i64::try_from(len), i64::try_from(bytes)) else {
            return Err(std::io::Error::other(format!(
                "audit log {}: too large to reserve {bytes} more bytes",
                self.path.display()
            )));
        };
        match nix::fcntl::fallocate(
            &file,
            nix::fcntl::FallocateFlags::FALLOC_FL_KEEP_SIZE,
            offset,
            want,
        ) {
            Ok(()) => Ok(()),
            Err(nix::errno::Errno::EOPNOTSUPP) => {
                tracing::debug!(path = %self.path.display(), "audit log: no fallocate here; nothing reserved");
                Ok(())
            }
            Err(e) => Err(context(
                &format!("cannot reserve {bytes} bytes for {} lines", records.len()),
                std::io::Error::from(e),
            )),
        }
    }

    /// Append one line (creating the file and its folders as needed). The line
    /// goes out in a single `write` on an `O_APPEND` file, so concurrent
    /// rivershare runs never interleave within a line.
    pub fn append(&self, when: SystemTime, record: &AuditRecord) -> std::io::Result<()> {
        let context = |what: &str, e: std::io::Error| {
            std::io::Error::new(
                e.kind(),
                format!("audit log {}: {what}: {e}", self.path.display()),
            )
        };
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| context("cannot create its folder", e))?;
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| context("cannot open", e))?;
        let line = format_line(when, &self.user, record);
        file.write_all(line.as_bytes())
            .map_err(|e| context("cannot write", e))?;
        file.flush().map_err(|e| context("cannot flush", e))
    }
}

#[cfg(test)]
mod tests;
