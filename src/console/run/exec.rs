//! Carries out `update`'s effects on other tasks: sweeps, prunes, debug runs
//! and disk-usage walks own an `Arc<Fleet>` and report back through the channel as `Msg`s. The
//! fleet is prepared (SSH keys loaded) by the first effect that needs it, in
//! the background, so the first frame never waits for it.

use std::sync::Arc;

use tokio::sync::{OnceCell, mpsc, watch};

use crate::audit::AuditLog;
use crate::config::Config;
use crate::console::msg::Msg;
use crate::engine::{self, DebugOutput, DebugTarget, Event, PruneRequest, PruneStep, SweepOptions};
use crate::facts::NodeFacts;
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
    next_usage: u64,
    /// Set when the console closes: sweeps and debug runs stop at once (their
    /// local processes are killed on drop; SSH channels close). A prune is
    /// never cut short: a deletion must reach the audit log.
    closing: watch::Sender<bool>,
}

/// How a job reacts to the console closing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OnClose {
    Cancel,
    Finish,
}

impl Executor {
    pub fn new(config: Config, tx: mpsc::UnboundedSender<Incoming>) -> Self {
        Self {
            config,
            fleet: Arc::new(OnceCell::new()),
            tx,
            next_sweep: 1,
            next_usage: 1,
            closing: watch::Sender::new(false),
        }
    }

    /// Stop every sweep and debug run (prunes finish): the console is closing,
    /// and the runtime must not wait for a slow node before the process exits.
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Run `job` with the fleet on a task of its own, never on the UI task; a
    /// panic there becomes `Fatal`.
    fn spawn<F, Fut>(&self, what: &'static str, on_close: OnClose, job: F)
    where
        F: FnOnce(Arc<Fleet>, mpsc::UnboundedSender<Incoming>) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let cell = self.fleet.clone();
        let config = self.config.clone();
        let tx = self.tx.clone();
        let job_tx = tx.clone();
        let mut closing = self.closing.subscribe();
        let work = async move {
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
        };
        let inner = tokio::spawn(async move {
            match on_close {
                OnClose::Finish => work.await,
                OnClose::Cancel => tokio::select! {
                    () = work => {}
                    _ = closing.wait_for(|closed| *closed) => {
                        tracing::info!("{what} cancelled: the console closed");
                    }
                },
            }
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
        self.spawn("sweep", OnClose::Cancel, move |fleet, tx| async move {
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
            let result = engine::sweep(&fleet, &opts, &on_event).await;
            send(Msg::SweepDone {
                id,
                result: Box::new(result),
            });
        });
    }

    /// Re-check then delete `plan`, recording each deletion; refused (every
    /// file skipped) when the audit log cannot be written.
    pub fn prune(&self, inventory: TarballInventory, plan: Vec<TarballEntry>) {
        self.spawn("prune", OnClose::Finish, move |fleet, tx| async move {
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
                    engine::prune(&fleet, &inventory, &plan, request, Some(&log), &on_step).await
                }
                Err(err) => refused(&inventory, plan, &err.to_string()),
            };
            send(Msg::PruneDone(Box::new(report)));
        });
    }

    /// Walk the share's disk usage with the last sweep's `facts` and the
    /// verified shared group; read-only. Progress and the report come back
    /// tagged with the walk's id.
    pub fn usage(&mut self, facts: Vec<NodeFacts>, shared: Option<Vec<String>>) {
        let id = self.next_usage;
        self.next_usage += 1;
        self.spawn("usage walk", OnClose::Cancel, move |fleet, tx| async move {
            let send = |msg: Msg| {
                let _ = tx.send(Incoming::Msg(msg));
            };
            send(Msg::UsageStarted { id });
            let on_event = |event: Event| send(Msg::Usage { id, event });
            let report = engine::usage(&fleet, &facts, shared.as_deref(), &on_event).await;
            send(Msg::UsageDone {
                id,
                report: Box::new(report),
            });
        });
    }

    pub fn debug(&self, run: u64, targets: Vec<DebugTarget>) {
        self.spawn("debug", OnClose::Cancel, move |fleet, tx| async move {
            let send = |msg: Msg| {
                let _ = tx.send(Incoming::Msg(msg));
            };
            let on_output = |output: DebugOutput| send(Msg::DebugOutput { run, output });
            engine::run_debug(&fleet, &targets, &on_output).await;
            send(Msg::DebugDone { run });
        });
    }
}

impl Drop for Executor {
    /// Every way out of the console (quit, error, panic) closes the jobs.
    fn drop(&mut self) {
        self.close();
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
