//! The result of `check`: the public JSON document (`rivershare/check/v1`), the
//! human rendering, and the exit-code policy. Keys may be added, never renamed.

pub mod human;
pub mod nodeset;
pub mod prune;
pub mod time;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::diagnose::{Finding, Severity, worst};
use crate::facts::{
    Access, KohakuriverFacts, LAYOUT_DIRS, MountInfo, NodeError, NodeFacts, Persistence,
    ProbeFacts, Role, SharedDirSource, Usage,
};
use crate::tarballs::{TarballEntry, TarballInventory, TarballSummary, Visibility};
use crate::usage::UsageReport;
use crate::verify::VerifyReport;

pub const SCHEMA: &str = "rivershare/check/v1";

/// Exit codes, as in monitoring plugins.
pub mod exit {
    pub const OK: i32 = 0;
    pub const WARNING: i32 = 1;
    pub const CRITICAL: i32 = 2;
    /// rivershare itself could not run (bad config, unusable terminal, ...).
    pub const UNKNOWN: i32 = 3;
}

/// The one exit-code policy: the worst finding decides.
pub fn exit_code(findings: &[Finding]) -> i32 {
    match worst(findings) {
        Some(Severity::Critical) => exit::CRITICAL,
        Some(Severity::Warning) => exit::WARNING,
        Some(Severity::Info) | None => exit::OK,
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckReport {
    pub schema: String,
    pub exit_code: i32,
    /// RFC 3339, UTC.
    pub started_at: String,
    pub duration_ms: u64,
    /// The config file used, or `embedded`.
    pub config: String,
    pub nodes: Vec<NodeReport>,
    /// Cross-node verification; `null` when it did not run (`--only mounts`).
    pub verify: Option<VerifyReport>,
    pub findings: Vec<Finding>,
    /// Things the operator should know that are not findings (a skipped key, ...).
    pub notes: Vec<String>,
    /// One object per `.tar` file of the tarball folder; `null` when the
    /// inventory did not run (`--only` without `tarballs`).
    pub tarballs: Option<Vec<TarballEntry>>,
    /// Per name: versions, bytes, reclaimable bytes, latest file; `null` as `tarballs`.
    pub tarball_summary: Option<Vec<TarballSummary>>,
    /// Where the inventory was read, why it failed, and what each Runner sees;
    /// `null` as `tarballs`.
    pub tarball_folder: Option<TarballFolder>,
    /// The disk-usage walk (`check --du`, `--only du`); `null` when it did not run.
    #[serde(default)]
    pub usage: Option<UsageReport>,
    /// Every sweep of this `check` run, in order (`--repeat N` runs N over the
    /// same connections; the rest of the report is the last one's). Always at
    /// least one element in `check`'s output; empty only when read back from a
    /// document written before the key existed.
    #[serde(default)]
    pub sweeps: Vec<SweepTiming>,
}

/// One sweep of a `check` run, for the warm re-sweep (`check --repeat N`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepTiming {
    /// Wall time of this sweep; the first also covers preparing the fleet
    /// (resolving nodes, loading keys), as the report's own `duration_ms`.
    pub duration_ms: u64,
    /// False for the first sweep (cold: its connections are new), true for
    /// every re-sweep over the connections the earlier sweeps left open.
    pub warm: bool,
    /// SSH connections this sweep had to open: every SSH node's on a cold
    /// sweep, 0 on a warm sweep that reused them all (a node whose session
    /// died is reconnected and counted here).
    pub connections_opened: usize,
    /// Probes of this sweep that ran on a shell kept open on their node
    /// instead of a new session: 0 on the first sweep, every SSH node's on a
    /// re-sweep (the second starts the shells; a node whose shell died or
    /// was busy is not counted).
    #[serde(default)]
    pub resident_runs: usize,
    /// What this sweep alone would have exited with.
    pub exit_code: i32,
}

/// The inventory's context: the folder, the node it was listed on, and the
/// per-Runner visibility of every `latest` file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TarballFolder {
    pub node: Option<String>,
    pub dir: Option<String>,
    pub error: Option<String>,
    pub visibility: Vec<Visibility>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeReport {
    pub name: String,
    pub role: Role,
    pub address: String,
    pub shared_dir: String,
    pub shared_dir_source: SharedDirSource,
    pub reachable: bool,
    pub rtt_ms: Option<f64>,
    pub error: Option<NodeError>,
    pub hostname: Option<String>,
    pub kernel: Option<String>,
    pub exists: Option<bool>,
    pub mount: Option<MountInfo>,
    pub access: Option<Access>,
    pub usage: Option<Usage>,
    /// Folder name -> present. `null` when the node could not be probed.
    pub layout: Option<BTreeMap<String, bool>>,
    pub persistence: Option<Persistence>,
    pub hung_steps: Vec<String>,
    /// Processes stuck on storage on the node (`pid comm (wchan)`), from `/proc`.
    #[serde(default)]
    pub stuck_processes: Vec<String>,
    pub warnings: Vec<String>,
    /// What the node's own KohakuRiver unit and config say (`unit: null`: no
    /// kohakuriver-<role> unit); `null` when discovery did not run.
    #[serde(default)]
    pub kohakuriver: Option<KohakuriverFacts>,
}

impl NodeReport {
    pub fn from_facts(facts: &NodeFacts) -> Self {
        let probe = facts.probe.as_ref();
        Self {
            name: facts.name.clone(),
            role: facts.role,
            address: facts.address.clone(),
            shared_dir: facts.shared_dir.clone(),
            shared_dir_source: facts.shared_dir_source,
            reachable: facts.reachable,
            rtt_ms: facts.rtt_ms,
            error: facts.error.clone(),
            hostname: probe.and_then(|p| p.hostname.clone()),
            kernel: probe.and_then(|p| p.kernel.clone()),
            exists: probe.map(|p| p.exists),
            mount: probe.and_then(|p| p.mount.clone()),
            access: probe.and_then(|p| p.access.clone()),
            usage: probe.and_then(|p| p.usage),
            layout: probe.and_then(layout_of),
            persistence: probe.and_then(|p| p.persistence.clone()),
            hung_steps: probe.map(|p| p.hung_steps.clone()).unwrap_or_default(),
            stuck_processes: probe.map(|p| p.stuck_processes.clone()).unwrap_or_default(),
            warnings: probe.map(|p| p.warnings.clone()).unwrap_or_default(),
            kohakuriver: facts.kohakuriver.clone(),
        }
    }
}

/// Folder -> present. A missing SHARED_DIR has none of them; a path the probe
/// could not list (hung, stale) has unknown layout, which is `None`.
fn layout_of(probe: &ProbeFacts) -> Option<BTreeMap<String, bool>> {
    if !probe.exists {
        return Some(
            LAYOUT_DIRS
                .iter()
                .map(|d| ((*d).to_owned(), false))
                .collect(),
        );
    }
    if probe.layout.is_empty() {
        return None;
    }
    Some(
        probe
            .layout
            .iter()
            .map(|e| (e.name.clone(), e.present))
            .collect(),
    )
}

impl CheckReport {
    pub fn new(
        nodes: &[NodeFacts],
        findings: Vec<Finding>,
        started: std::time::SystemTime,
        duration: std::time::Duration,
        config: String,
        notes: Vec<String>,
        verify: Option<VerifyReport>,
    ) -> Self {
        Self {
            schema: SCHEMA.to_owned(),
            exit_code: exit_code(&findings),
            started_at: time::rfc3339(started),
            duration_ms: u64::try_from(duration.as_millis()).unwrap_or(u64::MAX),
            config,
            nodes: nodes.iter().map(NodeReport::from_facts).collect(),
            verify,
            findings,
            notes,
            tarballs: None,
            tarball_summary: None,
            tarball_folder: None,
            usage: None,
            sweeps: Vec::new(),
        }
    }

    /// Attach every sweep's timing (this report being the last sweep's).
    pub fn with_sweeps(mut self, sweeps: Vec<SweepTiming>) -> Self {
        self.sweeps = sweeps;
        self
    }

    /// Attach the disk-usage walk (its findings are already in `findings`).
    pub fn with_usage(mut self, usage: Option<UsageReport>) -> Self {
        self.usage = usage;
        self
    }

    /// Attach the tarball inventory (its findings are already in `findings`).
    /// On a failed inventory `tarballs` is an empty list and the folder's
    /// `error` says why.
    pub fn with_tarballs(mut self, inventory: Option<TarballInventory>) -> Self {
        if let Some(inv) = inventory {
            self.tarballs = Some(inv.entries);
            self.tarball_summary = Some(inv.summary);
            self.tarball_folder = Some(TarballFolder {
                node: inv.node,
                dir: inv.dir,
                error: inv.error,
                visibility: inv.visibility,
            });
        }
        self
    }
}

#[cfg(test)]
mod tests;
