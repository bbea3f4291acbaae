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
mod tests {
    use super::*;

    fn record(path: &str) -> AuditRecord {
        AuditRecord {
            node: "storage".to_owned(),
            path: path.to_owned(),
            size_bytes: 4096,
            mtime: 1_732_570_234,
        }
    }

    #[test]
    fn default_path_prefers_xdg_state_home_then_home() {
        assert_eq!(
            default_path_from(Some("/s".into()), Some("/h".into())),
            Some(PathBuf::from("/s/rivershare/audit.log"))
        );
        assert_eq!(
            default_path_from(Some("".into()), Some("/h".into())),
            Some(PathBuf::from("/h/.local/state/rivershare/audit.log"))
        );
        assert_eq!(default_path_from(None, None), None);
    }

    #[test]
    fn a_line_has_every_field_and_escapes_the_path() {
        let when = UNIX_EPOCH + Duration::from_secs(1_764_135_000);
        let line = format_line(when, "op", &record("/export/c/a b\nfake-1.tar"));
        assert_eq!(
            line,
            "2025-11-26T05:30:00Z user=op node=storage path=\"/export/c/a b\\nfake-1.tar\" \
             size=4096 mtime=2024-11-25T21:30:34Z\n"
        );
        assert_eq!(line.matches('\n').count(), 1);
        let odd = format_line(when, "bad user", &record("/x"));
        assert!(odd.contains(" user=\"bad user\" "), "{odd}");
    }

    #[test]
    fn append_creates_folders_and_appends_one_line_per_deletion() {
        let dir = std::env::temp_dir().join(format!(
            "rivershare-audit-test-{}-{}",
            std::process::id(),
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .expect("clock")
                .as_nanos()
        ));
        let log = AuditLog::at(dir.join("state/rivershare/audit.log"));
        let when = SystemTime::now();
        log.append(when, &record("/export/c/x-1700000000.tar"))
            .expect("first append");
        log.append(when, &record("/export/c/y-1700000000.tar"))
            .expect("second append");
        let text = std::fs::read_to_string(log.path()).expect("log readable");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(lines[0].contains("path=\"/export/c/x-1700000000.tar\""));
        assert!(lines[1].contains("path=\"/export/c/y-1700000000.tar\""));
        assert!(lines[1].contains(&format!("user={}", token(&local_user()))));
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    #[test]
    fn records_are_made_only_for_deleted_files_with_the_inventory_mtime() {
        use crate::tarballs::{FileKind, TarballEntry, TarballStatus};
        let entry = |file: &str, mtime: i64| TarballEntry {
            file: file.to_owned(),
            file_hex: None,
            name: Some("base".to_owned()),
            timestamp: Some(1_700_000_000),
            size_bytes: 10,
            mtime,
            inode: 7,
            kind: FileKind::Regular,
            status: TarballStatus::Superseded,
            prunable: true,
        };
        let inventory = TarballInventory {
            node: Some("storage".to_owned()),
            dir: Some("/export/c/".to_owned()),
            entries: vec![
                entry("a.tar", 111),
                entry("b.tar", 222),
                entry("c.tar", 333),
            ],
            summary: vec![],
            visibility: vec![],
            error: None,
        };
        let result = |file: &str, outcome| PruneResult {
            file: file.to_owned(),
            size_bytes: 10,
            outcome,
            detail: None,
        };
        let records = records_for(
            &inventory,
            &[
                result("a.tar", PruneOutcome::Deleted),
                result("b.tar", PruneOutcome::Skipped),
                result("c.tar", PruneOutcome::Deleted),
            ],
        );
        assert_eq!(
            records,
            vec![
                AuditRecord {
                    node: "storage".to_owned(),
                    path: "/export/c/a.tar".to_owned(),
                    size_bytes: 10,
                    mtime: 111
                },
                AuditRecord {
                    node: "storage".to_owned(),
                    path: "/export/c/c.tar".to_owned(),
                    size_bytes: 10,
                    mtime: 333
                },
            ]
        );
    }

    #[test]
    fn append_reports_the_path_when_it_cannot_write() {
        let dir =
            std::env::temp_dir().join(format!("rivershare-audit-file-{}", std::process::id()));
        std::fs::write(&dir, b"a file, not a folder").expect("write");
        let log = AuditLog::at(dir.join("audit.log"));
        let early = log.ensure_writable().expect_err("checked before deleting");
        assert!(
            early.to_string().contains("cannot create its folder"),
            "{early}"
        );
        let err = log
            .append(SystemTime::now(), &record("/x"))
            .expect_err("a file cannot be a folder");
        assert!(err.to_string().contains("audit log"), "{err}");
        assert!(
            err.to_string().contains(&dir.display().to_string()),
            "{err}"
        );
        std::fs::remove_file(&dir).expect("clean up");
    }
}
