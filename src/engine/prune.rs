//! One prune: the re-check-then-delete of `Fleet::prune_with`, a step per file as
//! its result lands, the report, and one audit line per deletion.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::SystemTime;

use super::PruneStep;
use crate::audit::{AuditLog, AuditRecord, records_for};
use crate::report::exit;
use crate::report::prune::PruneReport;
use crate::sweep::Fleet;
use crate::tarballs::{TarballEntry, TarballInventory, prune_plan};

/// What to prune: the plan's rule (`keep`, `names`) for the report, and whether
/// to really delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PruneRequest {
    /// Newest complete versions kept per name (KohakuRiver keeps 1).
    pub keep: usize,
    /// Only these tarball names; empty: every name.
    pub names: Vec<String>,
    /// Nothing is touched; the files that would go come back as `would_delete`.
    pub dry_run: bool,
}

impl PruneRequest {
    /// The files this request removes from `inventory`: every `superseded` file
    /// beyond the `keep` newest complete versions of each (selected) name.
    pub fn plan(&self, inventory: &TarballInventory) -> Vec<TarballEntry> {
        prune_plan(&inventory.entries, self.keep, &self.names)
    }
}

/// Delete `plan` (entries of `inventory`) on the inventory's node, each file
/// re-checked right before its delete; `on_step` hears each file's result as it
/// lands. With `audit`, every deletion is appended to the log; a deletion that
/// cannot be recorded becomes a note and raises the exit code to CRITICAL.
pub async fn prune(
    fleet: &Fleet,
    inventory: &TarballInventory,
    plan: &[TarballEntry],
    request: PruneRequest,
    audit: Option<&AuditLog>,
    on_step: &(dyn Fn(PruneStep) + Sync),
) -> PruneReport {
    let total = plan.len();
    let done = AtomicUsize::new(0);
    let on_result = |result: &crate::tarballs::PruneResult| {
        let done = done.fetch_add(1, Ordering::SeqCst) + 1;
        on_step(PruneStep {
            done,
            total,
            result: result.clone(),
        });
    };
    tracing::info!(
        keep = request.keep,
        names = ?request.names,
        dry_run = request.dry_run,
        files = total,
        "prune"
    );
    let report_of = |results| {
        PruneReport::new(
            inventory,
            request.keep,
            &request.names,
            request.dry_run,
            plan.to_vec(),
            results,
        )
    };
    // Room for every audit line is reserved first: a deletion the log could not
    // record must not happen, so a full disk stops the prune before any delete.
    if let Some(log) = audit.filter(|_| !request.dry_run)
        && let Err(err) = log.reserve_for(&planned_records(inventory, plan))
    {
        tracing::error!(%err, "audit log: prune refused");
        let why = format!("not deleted: {err}");
        let results = plan
            .iter()
            .map(|e| crate::tarballs::PruneResult {
                file: e.file.clone(),
                size_bytes: e.size_bytes,
                outcome: crate::tarballs::PruneOutcome::Skipped,
                detail: Some(why.clone()),
            })
            .collect::<Vec<_>>();
        for r in &results {
            on_result(r);
        }
        let mut report = report_of(results);
        report.audit_log = Some(log.path().display().to_string());
        report.notes.push(format!(
            "nothing was deleted: the audit log cannot take the lines: {err}"
        ));
        report.exit_code = exit::UNKNOWN;
        return report;
    }
    let results = fleet
        .prune_with(inventory, plan, request.dry_run, &on_result)
        .await;
    let mut report = report_of(results);
    if let Some(log) = audit {
        report.audit_log = Some(log.path().display().to_string());
        let now = SystemTime::now();
        for record in records_for(inventory, &report.results) {
            if let Err(err) = log.append(now, &record) {
                tracing::error!(%err, path = %record.path, "audit log");
                report.notes.push(format!(
                    "{} was deleted but not recorded: {err}",
                    record.path
                ));
                report.exit_code = report.exit_code.max(exit::CRITICAL);
            }
        }
    }
    report
}

/// The audit records `plan` would make if every file went (for the reservation).
fn planned_records(inventory: &TarballInventory, plan: &[TarballEntry]) -> Vec<AuditRecord> {
    let node = inventory.node.clone().unwrap_or_default();
    let dir = inventory.dir.as_deref().unwrap_or("");
    plan.iter()
        .map(|e| AuditRecord {
            node: node.clone(),
            path: format!("{}/{}", dir.trim_end_matches('/'), e.file),
            size_bytes: e.size_bytes,
            mtime: e.mtime,
        })
        .collect()
}
