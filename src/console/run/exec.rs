//! Carries out `update`'s effects on other tasks: sweeps, prunes and debug
//! runs own an `Arc<Fleet>` and report back through the channel as `Msg`s. The
//! fleet is prepared (SSH keys loaded) by the first effect that needs it, in
//! the background, so the first frame never waits for it.

use std::sync::Arc;

use tokio::sync::{OnceCell, mpsc};

use super::adapter::{self, PruneRequest};
use crate::audit::AuditLog;
use crate::config::Config;
use crate::console::msg::Msg;
use crate::engine::{DebugOutput, DebugTarget, Event, PruneStep, SweepOptions};
use crate::report::exit;
use crate::report::prune::PruneReport;
use crate::sweep::Fleet;
use crate::tarballs::{PruneOutcome, PruneResult, TarballEntry, TarballInventory};

/// What the tasks send to the UI loop.
#[derive(Debug)]
pub enum Incoming {
    Msg(Msg),
    /// A task panicked: the console cannot trust its state any more.
    Fatal(String),
}

pub struct Executor {
    config: Config,
    fleet: Arc<OnceCell<Arc<Fleet>>>,
    tx: mpsc::UnboundedSender<Incoming>,
    next_sweep: u64,
}

impl Executor {
    pub fn new(config: Config, tx: mpsc::UnboundedSender<Incoming>) -> Self {
        Self {
            config,
            fleet: Arc::new(OnceCell::new()),
            tx,
            next_sweep: 1,
        }
    }

    /// Run `job` with the fleet on its own thread; a panic there becomes `Fatal`.
    ///
    /// The engine's futures are not all `Send` (rustc cannot prove the fan-out
    /// closures general enough), so they cannot go to `tokio::spawn`. Each job
    /// runs on a blocking-pool thread that drives it with `Handle::block_on`:
    /// it still uses the runtime's timers and I/O, and never runs on the UI task.
    fn spawn<F, Fut>(&self, what: &'static str, job: F)
    where
        F: FnOnce(Arc<Fleet>, mpsc::UnboundedSender<Incoming>) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()> + 'static,
    {
        let cell = self.fleet.clone();
        let config = self.config.clone();
        let tx = self.tx.clone();
        let job_tx = tx.clone();
        let handle = tokio::runtime::Handle::current();
        let inner = tokio::task::spawn_blocking(move || {
            handle.block_on(async move {
                let notes_tx = job_tx.clone();
                let fleet = cell
                    .get_or_init(|| async move {
                        // Never interactive: no passphrase prompt under the console.
                        let fleet = Fleet::prepare(config, false).await;
                        let notes = fleet.notes();
                        if !notes.is_empty() {
                            let _ = notes_tx.send(Incoming::Msg(Msg::Notes(notes)));
                        }
                        Arc::new(fleet)
                    })
                    .await
                    .clone();
                job(fleet, job_tx).await;
            });
        });
        tokio::spawn(async move {
            if let Err(err) = inner.await
                && err.is_panic()
            {
                let _ = tx.send(Incoming::Fatal(format!("the {what} task panicked")));
            }
        });
    }

    /// A sweep of every node (`None`) or of these nodes.
    pub fn sweep(&mut self, nodes: Option<Vec<String>>) {
        let id = self.next_sweep;
        self.next_sweep += 1;
        self.spawn("sweep", move |fleet, tx| async move {
            let send = |msg: Msg| {
                let _ = tx.send(Incoming::Msg(msg));
            };
            send(Msg::SweepStarted {
                id,
                nodes: nodes.clone(),
            });
            let opts = SweepOptions {
                nodes,
                ..SweepOptions::everything()
            };
            let on_event = |event: Event| send(Msg::Sweep { id, event });
            let result = adapter::sweep(&fleet, &opts, &on_event).await;
            send(Msg::SweepDone {
                id,
                result: Box::new(result),
            });
        });
    }

    /// Re-check then delete `plan`, recording each deletion; refused (every
    /// file skipped) when the audit log cannot be written.
    pub fn prune(&self, inventory: TarballInventory, plan: Vec<TarballEntry>) {
        self.spawn("prune", move |fleet, tx| async move {
            let send = |msg: Msg| {
                let _ = tx.send(Incoming::Msg(msg));
            };
            let request = PruneRequest {
                keep: 1,
                names: Vec::new(),
                dry_run: false,
            };
            let log = AuditLog::open_default().and_then(|log| log.ensure_writable().map(|()| log));
            let report = match log {
                Ok(log) => {
                    let on_step = |step: PruneStep| send(Msg::PruneStep(step));
                    adapter::prune(&fleet, &inventory, &plan, request, Some(&log), &on_step).await
                }
                Err(err) => refused(&inventory, plan, &err.to_string()),
            };
            send(Msg::PruneDone(Box::new(report)));
        });
    }

    pub fn debug(&self, run: u64, targets: Vec<DebugTarget>) {
        self.spawn("debug", move |fleet, tx| async move {
            let send = |msg: Msg| {
                let _ = tx.send(Incoming::Msg(msg));
            };
            let on_output = |output: DebugOutput| send(Msg::DebugOutput { run, output });
            adapter::run_debug(&fleet, &targets, &on_output).await;
            send(Msg::DebugDone { run });
        });
    }
}

/// The report of a prune that deleted nothing because the audit log cannot be
/// written: a deletion that cannot be recorded must not happen.
pub fn refused(inventory: &TarballInventory, plan: Vec<TarballEntry>, why: &str) -> PruneReport {
    let detail = format!("not deleted: the audit log cannot be written ({why})");
    let results = plan
        .iter()
        .map(|e| PruneResult {
            file: e.file.clone(),
            size_bytes: e.size_bytes,
            outcome: PruneOutcome::Skipped,
            detail: Some(detail.clone()),
        })
        .collect();
    let mut report = PruneReport::new(inventory, 1, &[], false, plan, results);
    report.notes.push(format!("prune refused: {why}"));
    report.exit_code = exit::UNKNOWN;
    tracing::error!(%why, "prune refused: audit log");
    report
}
