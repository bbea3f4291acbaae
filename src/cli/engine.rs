//! TEMPORARY STAND-INS (branch tarballs-front): the three tarball engine calls
//! `check` and `prune` make, gathered here so the lead can wire them when branch
//! `tarballs-core` (which owns `Fleet::tarball_inventory`, `Fleet::prune` and
//! `tarballs::prune_plan`) is merged. Each body is a stand-in; the real call is
//! the line in its doc comment. After wiring, this file can be deleted and the
//! callers can call the engine directly.

use rivershare::facts::NodeFacts;
use rivershare::sweep::{Fleet, Progress};
use rivershare::tarballs::{PruneOutcome, PruneResult, TarballEntry, TarballInventory};

const NOT_WIRED: &str = "the tarball engine (branch tarballs-core) is not wired in yet";

/// `fleet.tarball_inventory(facts, shared, in_progress_secs, on_progress).await`
pub async fn inventory(
    fleet: &Fleet,
    facts: &[NodeFacts],
    shared: Option<&[String]>,
    in_progress_secs: u64,
    on_progress: &(dyn Fn(Progress) + Sync),
) -> TarballInventory {
    let _ = (fleet, facts, shared, in_progress_secs, on_progress);
    TarballInventory {
        node: None,
        dir: None,
        entries: Vec::new(),
        summary: Vec::new(),
        visibility: Vec::new(),
        error: Some(NOT_WIRED.to_owned()),
    }
}

/// `rivershare::tarballs::prune_plan(entries, keep, names)`
pub fn plan(entries: &[TarballEntry], keep: usize, names: &[String]) -> Vec<TarballEntry> {
    let _ = (entries, keep, names);
    Vec::new()
}

/// `fleet.prune(inventory, plan, dry_run).await`
pub async fn prune(
    fleet: &Fleet,
    inventory: &TarballInventory,
    plan: &[TarballEntry],
    dry_run: bool,
) -> Vec<PruneResult> {
    let _ = (fleet, inventory, dry_run);
    plan.iter()
        .map(|e| PruneResult {
            file: e.file.clone(),
            size_bytes: e.size_bytes,
            outcome: PruneOutcome::Failed,
            detail: Some(NOT_WIRED.to_owned()),
        })
        .collect()
}
