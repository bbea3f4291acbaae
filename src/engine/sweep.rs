//! One sweep: the mount probe (streamed node by node), then verification and
//! the tarball inventory at once, then the findings over all of it. The
//! inventory's listing starts on the Host as soon as the Host's probe is in;
//! when the Host cannot list, the inventory waits for verification's shared
//! group instead.

use std::sync::Mutex;
use std::time::{Instant, SystemTime};

use tokio::sync::oneshot;

use super::{Event, SweepOptions, SweepResult};
use crate::diagnose::{Policy, diagnose_with, with_usage};
use crate::facts::NodeFacts;
use crate::report::CheckReport;
use crate::sweep::{EarlyWrites, Fleet};
use crate::transport::CommandOutput;
use crate::verify::VerifyOptions;

/// The most of a probe's raw output kept for the detail view.
pub const RAW_CAP: usize = 64 * 1024;

/// stdout then stderr, capped at [`RAW_CAP`] bytes, lossy UTF-8.
pub fn raw_text(output: &CommandOutput) -> String {
    let mut bytes = Vec::with_capacity((output.stdout.len() + output.stderr.len()).min(RAW_CAP));
    bytes.extend_from_slice(&output.stdout[..output.stdout.len().min(RAW_CAP)]);
    let room = RAW_CAP - bytes.len();
    bytes.extend_from_slice(&output.stderr[..output.stderr.len().min(room)]);
    String::from_utf8_lossy(&bytes).into_owned()
}

/// What diagnosis needs from the config.
pub fn policy(fleet: &Fleet) -> Policy {
    Policy {
        min_free_bytes: fleet.config().min_free_bytes,
        slow_io_mbps: fleet.config().slow_io_mbps,
    }
}

/// Sweep `fleet` as `opts` says, telling `on_event` everything the moment it is
/// known. A node's failure is data, never an error. The connections stay open in
/// the fleet, so the next sweep reuses them.
pub async fn sweep(
    fleet: &Fleet,
    opts: &SweepOptions,
    on_event: &(dyn Fn(Event) + Sync),
) -> SweepResult {
    let started_at = SystemTime::now();
    let started = Instant::now();
    let on_progress = |p| on_event(Event::Progress(p));
    tracing::debug!(?opts, "sweep");
    // Verification and the inventory need the whole cluster. The tokens are
    // written beside the probes: two round trips after the mount phase, not three.
    let whole = opts.nodes.is_none();
    let early = (opts.verify && whole).then(EarlyWrites::new);
    let inventory_wanted = opts.tarballs && whole;
    // The Host's facts, the moment its probe is in, for the tarball listing.
    let host = fleet.tarball_host().filter(|_| inventory_wanted);
    let (host_tx, host_rx) = oneshot::channel::<NodeFacts>();
    let host_tx = Mutex::new(Some(host_tx));
    let on_node = |facts: &NodeFacts, output: Option<&CommandOutput>| {
        on_event(Event::NodeProbed {
            facts: Box::new(facts.clone()),
            raw: output.map(raw_text),
        });
        if host == Some(facts.name.as_str())
            && let Some(tx) = host_tx.lock().ok().and_then(|mut tx| tx.take())
        {
            let _ = tx.send(facts.clone());
        }
    };
    // The inventory runs beside the probes and verification: its listing needs
    // only the Host's own facts and starts the moment they are in, so its
    // growth pause (2 s) overlaps the other nodes' probes and verification.
    // The Runners' view of the listing needs every node's facts; when the Host
    // cannot list, the inventory needs verification's shared group instead.
    let (facts_tx, facts_rx) = oneshot::channel::<Vec<NodeFacts>>();
    let (shared_tx, shared_rx) = oneshot::channel::<Option<Vec<String>>>();
    let mounts_and_verify = async {
        let facts = fleet
            .probe_nodes_writing(
                opts.nodes.as_deref(),
                early.as_ref(),
                &on_progress,
                &on_node,
            )
            .await;
        // No Host facts came (no Host, no inventory): the listing waits no more.
        drop(host_tx.lock().ok().and_then(|mut tx| tx.take()));
        tracing::debug!(after = ?started.elapsed(), "sweep: mounts probed");
        if inventory_wanted {
            let _ = facts_tx.send(facts.clone());
        }
        let verify = match early {
            Some(early) => {
                let vopts = VerifyOptions {
                    deadline: fleet.config().verify_deadline,
                    io_bench: opts.io_bench,
                };
                let report = fleet
                    .verify_with(Some(&facts), Some(early), vopts, &on_progress)
                    .await;
                tracing::debug!(after = ?started.elapsed(), "sweep: verified");
                on_event(Event::Verified(Box::new(report.clone())));
                Some(report)
            }
            None => None,
        };
        let _ = shared_tx.send(verify.as_ref().and_then(|v| v.shared.clone()));
        (facts, verify)
    };
    let inventory = async {
        if !inventory_wanted {
            return None;
        }
        let secs = fleet.config().in_progress_secs;
        let listing = match host_rx.await {
            Ok(host) => fleet.host_tarball_listing(&host, secs, &on_progress).await,
            Err(_) => None,
        };
        let facts = facts_rx.await.ok()?;
        let inventory = match listing {
            Some(listing) => fleet.tarball_visibility(listing, &facts).await,
            None => {
                let shared = shared_rx.await.ok().flatten();
                fleet
                    .tarball_inventory(&facts, shared.as_deref(), secs, &on_progress)
                    .await
            }
        };
        tracing::debug!(after = ?started.elapsed(), "sweep: tarballs listed");
        on_event(Event::Tarballs(Box::new(inventory.clone())));
        Some(inventory)
    };
    let ((facts, verify), tarballs) = futures::join!(mounts_and_verify, inventory);
    let usage = if opts.usage && whole {
        let shared = verify.as_ref().and_then(|v| v.shared.as_deref());
        let report = super::usage(fleet, &facts, shared, on_event).await;
        on_event(Event::Usage(Box::new(report.clone())));
        Some(report)
    } else {
        None
    };
    let mut findings = diagnose_with(&facts, verify.as_ref(), tarballs.as_ref(), policy(fleet));
    if let Some(report) = &usage {
        findings = with_usage(findings, report, &facts);
    }
    SweepResult {
        facts,
        verify,
        tarballs,
        usage,
        findings,
        started_at,
        duration: started.elapsed(),
    }
}

impl SweepResult {
    /// The `check` report of this sweep; `origin` names the config, `notes` are
    /// the operator's remarks (config and connection notes).
    pub fn into_report(self, origin: String, notes: Vec<String>) -> CheckReport {
        CheckReport::new(
            &self.facts,
            self.findings,
            self.started_at,
            self.duration,
            origin,
            notes,
            self.verify,
        )
        .with_tarballs(self.tarballs)
        .with_usage(self.usage)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn raw_text_is_stdout_then_stderr_capped() {
        let out = CommandOutput {
            stdout: b"out\n".to_vec(),
            stderr: b"err\xff\n".to_vec(),
            exit_status: Some(0),
            elapsed: Duration::ZERO,
        };
        assert_eq!(raw_text(&out), "out\nerr\u{fffd}\n");
        let big = CommandOutput {
            stdout: vec![b'a'; RAW_CAP + 10],
            stderr: b"lost".to_vec(),
            exit_status: None,
            elapsed: Duration::ZERO,
        };
        let text = raw_text(&big);
        assert_eq!(text.len(), RAW_CAP);
        assert!(!text.contains("lost"));
    }
}
