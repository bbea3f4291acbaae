//! Container tarballs in the tarball folder: KohakuRiver's naming rules, one
//! status per file, the prune plan, and (in `script`) the listing, visibility
//! and re-check-then-delete scripts.
//!
//! The rules (see shared/kohakuriver-facts.md): tarballs sit flat in the folder as
//! `{name}-{unix_seconds}.tar`, split greedily as `^(.+)-(\d{10,})\.tar$`; the
//! latest of a name is the largest timestamp in the file name (never mtime);
//! Runners look names up in lower case.
//!
//! - [`rules`]: naming, statuses and the prune plan (pure).
//! - [`script`]: the listing, visibility and prune scripts; [`parse`]: their output.
//! - The engine is `Fleet::tarball_inventory` and `Fleet::prune` (`crate::sweep`).
//!   It reads the default folder, `SHARED_DIR/kohakuriver-containers` of the
//!   chosen node, only: a `CONTAINER_DIR` set in the Host's KohakuRiver config is
//!   not looked up yet ([`crate::kohakuriver::tarball_dir_from`] parses it).
//!
//! CONTRACT: the types below are shared by the engine (`crate::sweep`), the
//! diagnosis, the report and the `prune` front end.

use serde::{Deserialize, Serialize};

/// What the listing saw at a path, without following symlinks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    Regular,
    Symlink,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TarballStatus {
    /// The largest timestamp of its name. Never prunable.
    Latest,
    /// Would be latest, but is young (mtime within `in_progress_secs`) or still
    /// growing: KohakuRiver writes straight to the final name. Never prunable.
    InProgress,
    /// The newest complete version while a newer one is in progress. Never prunable.
    LastGood,
    /// Any other older version. Prunable beyond `--keep`.
    Superseded,
    /// `{name}.tar` with no timestamp. Never prunable by default.
    Legacy,
    /// A `.tar` that matches no pattern. Never prunable by default.
    Unrecognized,
    /// Any symlink, even a well-named one. Never prunable.
    Symlink,
}

/// One `.tar` entry of the tarball folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TarballEntry {
    /// The file name as shown (lossy UTF-8 for display).
    pub file: String,
    /// The exact file name bytes, hex-encoded, when the name is not valid UTF-8.
    pub file_hex: Option<String>,
    /// `name` of `{name}-{ts}.tar` (or of `{name}.tar` for legacy files).
    pub name: Option<String>,
    pub timestamp: Option<u64>,
    pub size_bytes: u64,
    /// Unix seconds.
    pub mtime: i64,
    pub inode: u64,
    pub kind: FileKind,
    pub status: TarballStatus,
    /// Exactly the files a default `prune` (keep 1) would delete.
    pub prunable: bool,
}

/// Per name: how many versions, how many bytes, what a prune would reclaim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TarballSummary {
    pub name: String,
    pub versions: u32,
    pub bytes: u64,
    pub reclaimable_bytes: u64,
    pub latest_file: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisibilityStatus {
    /// The Runner sees the file at its own path with the same size.
    Visible,
    Missing,
    SizeDiffers,
    Error,
    /// The Runner could not be asked (unreachable, path missing, ...).
    Skipped,
}

/// Whether one Runner sees the `latest` file of one name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visibility {
    pub runner: String,
    pub file: String,
    pub status: VisibilityStatus,
    pub detail: Option<String>,
}

impl VisibilityStatus {
    /// The word reports use: `visible`, `missing`, `size differs`, `error`, `skipped`.
    pub fn as_str(self) -> &'static str {
        match self {
            VisibilityStatus::Visible => "visible",
            VisibilityStatus::Missing => "missing",
            VisibilityStatus::SizeDiffers => "size differs",
            VisibilityStatus::Error => "error",
            VisibilityStatus::Skipped => "skipped",
        }
    }
}

impl Visibility {
    /// What is wrong, as reports word it (`missing`, `size differs (12 vs 34)`);
    /// `None` when the Runner sees the file or was not asked.
    pub fn problem(&self) -> Option<String> {
        if matches!(
            self.status,
            VisibilityStatus::Visible | VisibilityStatus::Skipped
        ) {
            return None;
        }
        let why = self.status.as_str();
        Some(match &self.detail {
            Some(d) => format!("{why} ({d})"),
            None => why.to_owned(),
        })
    }
}

/// The inventory: read once from one node's tarball folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TarballInventory {
    /// The node the folder was listed on (and where `prune` deletes).
    pub node: Option<String>,
    /// The tarball folder on that node.
    pub dir: Option<String>,
    pub entries: Vec<TarballEntry>,
    pub summary: Vec<TarballSummary>,
    pub visibility: Vec<Visibility>,
    /// Why there is no inventory (no reachable node, folder missing, listing failed).
    pub error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PruneOutcome {
    Deleted,
    /// Not deleted because the re-check found a change; `detail` says which.
    Skipped,
    /// The delete itself failed; `detail` has the errno text.
    Failed,
    /// A dry run: would be deleted.
    WouldDelete,
}

/// One file of a prune, planned or done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PruneResult {
    pub file: String,
    pub size_bytes: u64,
    pub outcome: PruneOutcome,
    pub detail: Option<String>,
}

pub mod parse;
pub mod rules;
pub mod script;

pub use rules::{Listed, Parsed, classify, newer_survivor, prune_plan, split_name};
