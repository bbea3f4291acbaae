//! Disk usage of the share: what fills SHARED_DIR. One node walks it (the Host,
//! else the first reachable member of the shared group), one `du` per top-level
//! entry at the lowest CPU and I/O priority, each entry under its own budget
//! (`du_timeout_secs`). `shared_data/` and `logs/` are also broken down one level
//! further, and `logs/` gets its task-folder count and mtime range, because
//! KohakuRiver never deletes task logs.
//!
//! - [`script`]: the walk, POSIX `sh` in the framed protocol.
//! - [`parse`]: its output (streamed, so a walk cut short still reports what it
//!   counted) into a [`UsageReport`].
//!
//! CONTRACT: [`UsageReport`] is the JSON `usage` object of `rivershare/check/v1`
//! and what the console shows. Fields may be added, never renamed.

pub mod parse;
pub mod script;

use serde::{Deserialize, Serialize};

/// The folders that get their children listed (one level further).
pub const BROKEN_DOWN: [&str; 2] = ["shared_data", "logs"];

/// One walk of the share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageReport {
    /// The node that walked the share; `None` when no node could.
    pub node: Option<String>,
    /// That node's SHARED_DIR.
    pub dir: Option<String>,
    /// RFC 3339, UTC.
    pub started_at: String,
    pub duration_ms: u64,
    /// Each entry's budget in seconds (`du_timeout_secs`).
    pub budget_secs: u64,
    /// Size and used bytes of the filesystem, from the walking node's probe
    /// (`df`), for percentages; `None` when the probe had none.
    pub fs_total_bytes: Option<u64>,
    pub fs_used_bytes: Option<u64>,
    /// Top-level entries of SHARED_DIR, largest first.
    pub entries: Vec<UsageEntry>,
    /// Why the walk did not run or stopped early (no reachable node, the
    /// folder is missing, the storage did not answer, ...).
    pub error: Option<String>,
}

/// One top-level entry of SHARED_DIR.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageEntry {
    /// Relative to SHARED_DIR (`logs`). Bytes that are not UTF-8 are shown as
    /// U+FFFD.
    pub path: String,
    /// Bytes used on disk (`du -B1`); for a partial entry, what was counted
    /// before its budget ran out.
    pub bytes: u64,
    /// `false`: the entry timed out, was skipped, or `du` could not read all of it.
    pub complete: bool,
    /// Why the entry is partial, in words (`timed out after 60 s`, ...).
    pub note: Option<String>,
    /// One level further, largest first: for `shared_data` and `logs` only.
    pub children: Vec<UsageChild>,
    /// `logs/` only: the number of task folders directly inside it.
    pub task_folders: Option<u64>,
    /// `logs/` only: the oldest and newest modification times of its task
    /// folders, RFC 3339 UTC.
    pub oldest_mtime: Option<String>,
    pub newest_mtime: Option<String>,
}

/// One entry one level further down (`logs/1234`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageChild {
    /// Relative to SHARED_DIR (`logs/1234`).
    pub path: String,
    pub bytes: u64,
    pub complete: bool,
}

impl UsageReport {
    /// Bytes counted over every top-level entry.
    pub fn counted_bytes(&self) -> u64 {
        self.entries.iter().map(|e| e.bytes).sum()
    }

    /// The entry at top-level path `path` (`logs`).
    pub fn entry(&self, path: &str) -> Option<&UsageEntry> {
        self.entries.iter().find(|e| e.path == path)
    }

    /// Whether any entry is partial.
    pub fn partial(&self) -> bool {
        self.entries.iter().any(|e| !e.complete)
    }
}
