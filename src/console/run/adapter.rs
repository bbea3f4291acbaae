//! TEMPORARY ADAPTER (remove at the engine merge): the engine's `sweep`,
//! `prune` and `debug::run_debug` are being written in parallel. These have
//! their signatures and are built from the `Fleet` calls that exist today; at
//! the merge each body becomes one call to `crate::engine::...` (and
//! `PruneRequest` the engine's own).

use std::time::{Duration, Instant, SystemTime};

use crate::audit::{AuditLog, records_for};
use crate::diagnose::{Policy, diagnose_with};
use crate::engine::{DebugOutput, DebugTarget, Event, PruneStep, SweepOptions, SweepResult};
use crate::report::prune::PruneReport;
use crate::sweep::Fleet;
use crate::tarballs::{TarballEntry, TarballInventory};
use crate::verify::VerifyOptions;

/// What a prune should do (the engine's `PruneRequest`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PruneRequest {
    pub keep: usize,
    pub names: Vec<String>,
    pub dry_run: bool,
}

/// `crate::engine::sweep`.
pub async fn sweep(
    fleet: &Fleet,
    opts: &SweepOptions,
    on_event: &(dyn Fn(Event) + Sync),
) -> SweepResult {
    let started_at = SystemTime::now();
    let started = Instant::now();
    let on_progress = |p| on_event(Event::Progress(p));
    let mut facts = fleet.probe_mounts(&on_progress).await;
    for f in &facts {
        on_event(Event::NodeProbed {
            facts: Box::new(f.clone()),
            raw: None,
        });
    }
    let whole = opts.nodes.is_none();
    let verify = if opts.verify && whole {
        let vo = VerifyOptions {
            deadline: fleet.config().verify_deadline,
            io_bench: opts.io_bench,
        };
        let report = fleet.verify(Some(&facts), vo, &on_progress).await;
        on_event(Event::Verified(Box::new(report.clone())));
        Some(report)
    } else {
        None
    };
    let tarballs = if opts.tarballs && whole {
        let shared = verify.as_ref().and_then(|v| v.shared.as_deref());
        let secs = fleet.config().in_progress_secs;
        let inv = fleet
            .tarball_inventory(&facts, shared, secs, &on_progress)
            .await;
        on_event(Event::Tarballs(Box::new(inv.clone())));
        Some(inv)
    } else {
        None
    };
    let policy = Policy {
        min_free_bytes: fleet.config().min_free_bytes,
        slow_io_mbps: fleet.config().slow_io_mbps,
    };
    if let Some(only) = &opts.nodes {
        facts.retain(|f| only.contains(&f.name));
    }
    let findings = diagnose_with(&facts, verify.as_ref(), tarballs.as_ref(), policy);
    SweepResult {
        facts,
        verify,
        tarballs,
        findings,
        started_at,
        duration: started.elapsed(),
    }
}

/// `crate::engine::prune`.
pub async fn prune(
    fleet: &Fleet,
    inventory: &TarballInventory,
    plan: &[TarballEntry],
    request: PruneRequest,
    audit: Option<&AuditLog>,
    on_step: &(dyn Fn(PruneStep) + Sync),
) -> PruneReport {
    let results = fleet.prune(inventory, plan, request.dry_run).await;
    let total = results.len();
    for (i, result) in results.iter().enumerate() {
        on_step(PruneStep {
            done: i + 1,
            total,
            result: result.clone(),
        });
    }
    let mut report = PruneReport::new(
        inventory,
        request.keep,
        &request.names,
        request.dry_run,
        plan.to_vec(),
        results,
    );
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
                report.exit_code = report.exit_code.max(crate::report::exit::CRITICAL);
            }
        }
    }
    report
}

/// `crate::engine::debug::run_debug`.
pub async fn run_debug(
    fleet: &Fleet,
    targets: &[DebugTarget],
    on_output: &(dyn Fn(DebugOutput) + Sync),
) {
    let limit = Duration::from_secs(5);
    for target in targets {
        let Some(node) = fleet.config().nodes.iter().find(|n| n.name == target.node) else {
            continue;
        };
        for command in &target.commands {
            let out = match fleet.transport(node).await {
                Ok(t) => tokio::time::timeout(limit * 2, t.run(command, limit)).await,
                Err(e) => Ok(Err(e)),
            };
            let (output, exit_status, timed_out) = match out {
                Ok(Ok(o)) => {
                    let mut text = String::from_utf8_lossy(&o.stdout).into_owned();
                    text.push_str(&String::from_utf8_lossy(&o.stderr));
                    (
                        text,
                        o.exit_status.and_then(|s| i32::try_from(s).ok()),
                        false,
                    )
                }
                Ok(Err(e)) => (e.detail, None, false),
                Err(_) => (String::new(), None, true),
            };
            on_output(DebugOutput {
                node: target.node.clone(),
                command: command.clone(),
                output,
                exit_status,
                timed_out,
            });
        }
    }
}
