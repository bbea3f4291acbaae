//! Cross-node write verification: every reachable node writes a token into its
//! own SHARED_DIR, every node reads every other node's token by exact path, and
//! the N×N matrix of who sees whom is the ground truth of which nodes really
//! share storage.
//!
//! Layout on the share (the only place verification touches):
//! `SHARED_DIR/.rivershare/verify/<run-id>/<node-name>` for tokens and
//! `SHARED_DIR/.rivershare/verify/<run-id>/bench-<node-name>` for the optional
//! speed test. Run folders older than an hour are removed by the next run.
//!
//! CONTRACT: the types below are shared by the engine (`script`, `parse`,
//! `crate::sweep::verify`), the analysis (`matrix`), diagnosis and the report.

pub mod matrix;
pub mod parse;
pub mod script;

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::facts::AccessErrorKind;

/// The folder, relative to SHARED_DIR, that holds every verification run.
pub const VERIFY_DIR: &str = ".rivershare/verify";

/// Size of the optional speed test's file.
pub const BENCH_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyOptions {
    /// How long a reader keeps retrying a token that is not visible yet.
    pub deadline: Duration,
    /// Run the 64 MiB write/read speed test on the nodes of the shared group.
    pub io_bench: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CellStatus {
    /// The reader saw exactly the writer's token.
    Ok,
    /// No file at the token's path by the deadline.
    Missing,
    /// A file is there but holds another token: other storage at the same path, or a stale copy.
    Mismatch,
    /// Reading failed; `error_kind` says how.
    Error,
    /// Not attempted; `detail` says why (`writer unreachable`, `read_only`, ...).
    Skipped,
}

/// One writer -> reader cell of the matrix. The diagonal (a node reading its own
/// token) is included: a node that cannot read back its own token is broken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cell {
    pub writer: String,
    pub reader: String,
    pub status: CellStatus,
    /// From the start of the read phase until the token read back correctly.
    pub visible_after_ms: Option<u64>,
    /// Why a cell is skipped, or the raw error / mismatch description.
    pub detail: Option<String>,
    /// For `error` cells: the errno class (`hung` when the read timed out).
    pub error_kind: Option<AccessErrorKind>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteStatus {
    Ok,
    Error,
    Skipped,
}

/// What happened when a node wrote its token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteOutcome {
    pub node: String,
    pub status: WriteStatus,
    pub detail: Option<String>,
    pub error_kind: Option<AccessErrorKind>,
}

/// One node's speed-test result, in MB/s (10^6 bytes per second).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchResult {
    pub node: String,
    pub write_mbps: Option<f64>,
    pub read_mbps: Option<f64>,
    pub error: Option<String>,
}

/// Whether verification left the share clean.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cleanup {
    /// Every token and the run folder were removed.
    pub complete: bool,
    /// Stale run folders (older than an hour) removed at the start of this run.
    pub stale_runs_removed: u32,
    /// Nodes whose clean-up failed, with the reason.
    pub problems: Vec<String>,
}

/// The whole verification result: the `verify` object of `check --json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerifyReport {
    pub run_id: String,
    pub deadline_ms: u64,
    /// Every writer x reader cell, writers and readers in config order.
    pub matrix: Vec<Cell>,
    /// Nodes that see each other, largest group first (see [`matrix::groups`]).
    pub groups: Vec<Vec<String>>,
    /// The largest group when it is unique: "the shared storage". `None` on a split.
    pub shared: Option<Vec<String>>,
    /// Two or more groups tie for largest: no group can be trusted.
    pub split: bool,
    pub writes: Vec<WriteOutcome>,
    /// `None` unless `--io-bench` was given.
    pub io_bench: Option<Vec<BenchResult>>,
    pub cleanup: Cleanup,
}
