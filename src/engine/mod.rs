//! The one engine behind every front end: a sweep (mounts, then verification,
//! then the tarball inventory), a prune (re-check then delete, recorded in the
//! audit log) and the read-only debug commands of a finding. `check`, `prune`
//! and the console all call these; none of them sweeps on its own.
//!
//! CONTRACT: the types below are shared by the CLI (`src/cli`), the console
//! (`crate::console`) and the demo. Add fields only; never rename.

pub mod debug;
mod prune;
mod sweep;
mod usage;

use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::diagnose::Finding;
use crate::facts::NodeFacts;
use crate::sweep::Progress;
use crate::tarballs::{PruneResult, TarballInventory};
use crate::usage::UsageReport;
use crate::verify::VerifyReport;

pub use debug::{DebugOutput, DebugTarget, run_debug, targets, targets_with};
pub use prune::{PruneRequest, prune};
pub use sweep::{RAW_CAP, policy, raw_text, sweep};
pub use usage::usage;

/// What one sweep covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepOptions {
    /// Cross-node verification after the mount probe.
    pub verify: bool,
    /// The tarball inventory after that.
    pub tarballs: bool,
    /// The 64 MiB speed test during verification.
    pub io_bench: bool,
    /// The disk-usage walk after that (`check --du`; never in the default sweep).
    pub usage: bool,
    /// Only these nodes (by name), for the console's `R`. `None`: every node.
    /// A partial sweep probes mounts only: verification and the inventory
    /// need the whole cluster.
    pub nodes: Option<Vec<String>>,
}

impl SweepOptions {
    pub fn everything() -> Self {
        Self {
            verify: true,
            tarballs: true,
            io_bench: false,
            usage: false,
            nodes: None,
        }
    }
}

/// What a front end may show while a sweep runs, as soon as it is known.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// Connection / probe / verification progress of one node.
    Progress(Progress),
    /// One node's mount probe finished (before the others do).
    NodeProbed {
        facts: Box<NodeFacts>,
        /// The probe's raw output (stdout then stderr, lossy UTF-8, capped at
        /// 64 KiB), for the console's detail view. `None` when nothing ran.
        raw: Option<String>,
    },
    /// Verification finished.
    Verified(Box<VerifyReport>),
    /// The tarball inventory finished.
    Tarballs(Box<TarballInventory>),
    /// The disk-usage walk finished (progress comes as `Progress::Usage`).
    Usage(Box<UsageReport>),
}

/// Everything one sweep learned, and the findings over it.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepResult {
    /// In config order (only the swept nodes for a partial sweep).
    pub facts: Vec<NodeFacts>,
    pub verify: Option<VerifyReport>,
    pub tarballs: Option<TarballInventory>,
    /// The disk-usage walk, when `SweepOptions::usage` asked for it.
    pub usage: Option<UsageReport>,
    pub findings: Vec<Finding>,
    pub started_at: SystemTime,
    pub duration: Duration,
}

/// One file's prune result as it lands, for progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PruneStep {
    /// Files finished so far (this one included) and the plan's length.
    pub done: usize,
    pub total: usize,
    pub result: PruneResult,
}
