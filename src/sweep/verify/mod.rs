//! Cross-node write verification over the fleet's existing connections:
//! write (every eligible node writes its token), read (every node that can read
//! reads every written token by exact path), group, the optional speed test, and
//! clean-up, which always runs. Every node's failure is data in the report.
//!
//! Deadlines: the write and clean-up scripts get the command timeout; the read
//! script gets the verify deadline plus the command timeout (its retries end at
//! the deadline; a hung `cat` costs one step timeout and stops that node's
//! reads); each bench step gets [`script::bench::step_timeout`].

mod cells;
mod cleanup;
mod early;

pub use early::EarlyWrites;

use cells::build_cells;

use std::collections::HashMap;
use std::time::Duration;

use super::{Fleet, Progress, VerifyPhase, fan_out};
use crate::config::Node;
use crate::facts::{AccessErrorKind, NodeError, NodeErrorKind, NodeFacts};
use crate::transport::CommandOutput;
use crate::verify::parse::{self, ReadParsed};
use crate::verify::script::{self, read::Expected};
use crate::verify::{
    BENCH_BYTES, BenchResult, VerifyOptions, VerifyReport, WriteOutcome, WriteStatus, matrix,
};

/// What a node may do, decided from the probe's facts before any script runs.
#[derive(Debug, Clone, Default)]
struct Plan {
    write_skip: Option<String>,
    read_skip: Option<String>,
}

impl Plan {
    fn both(reason: &str) -> Self {
        Plan {
            write_skip: Some(reason.into()),
            read_skip: Some(reason.into()),
        }
    }
}

fn plan(facts: Option<&NodeFacts>, read_only_mode: bool) -> Plan {
    if read_only_mode {
        return Plan::both("read_only mode");
    }
    let Some(f) = facts else {
        return Plan::default();
    };
    if let Some(e) = &f.error {
        // `unreachable`, `auth_failed`, `host_key_unknown`, ...: no session, no verification.
        return Plan::both(e.kind.as_str());
    }
    let Some(p) = &f.probe else {
        return Plan::default();
    };
    // Hung or stale storage also reads as "not a directory": name the real cause first.
    if !p.hung_steps.is_empty() {
        return Plan::both("storage hung");
    }
    let access_error = p
        .access
        .as_ref()
        .and_then(|a| a.error.as_ref())
        .map(|e| e.kind);
    if !p.is_dir && access_error == Some(AccessErrorKind::StaleHandle) {
        return Plan::both("stale handle");
    }
    if !p.is_dir && access_error == Some(AccessErrorKind::PermissionDenied) {
        return Plan::both("permission denied");
    }
    if !p.exists || !p.is_dir {
        return Plan::both("path missing");
    }
    let read_only = p
        .access
        .as_ref()
        .and_then(|a| a.error.as_ref())
        .is_some_and(|e| e.kind == AccessErrorKind::ReadOnly);
    Plan {
        write_skip: read_only.then(|| "read_only".into()),
        read_skip: None,
    }
}

/// One node's write phase.
struct Written {
    outcome: WriteOutcome,
    /// The write script ran (folders may exist): this node cleans up.
    ran: bool,
    stale_removed: u32,
    problem: Option<String>,
    /// Why this node does not read, from the plan or from how the write went.
    read_skip: Option<String>,
}

/// A script's output without the frame's begin marker: the script never ran.
fn no_frame(node: &Node, what: &str, out: &CommandOutput) -> Option<NodeError> {
    let marker = script::BEGIN_MARKER.as_bytes();
    if out.stdout.windows(marker.len()).any(|w| w == marker) {
        return None;
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let first = stderr.lines().next().unwrap_or("no output");
    Some(NodeError::new(
        NodeErrorKind::Probe,
        format!("node {}: {what} printed no header: {first}", node.name),
    ))
}

impl Fleet {
    /// Cross-node verification over the existing connections. `facts` (from
    /// probe_mounts, same sweep) lets it skip nodes already known to be unusable;
    /// without facts it just tries.
    pub async fn verify(
        &self,
        facts: Option<&[NodeFacts]>,
        opts: VerifyOptions,
        on_progress: &(dyn Fn(Progress) + Sync),
    ) -> VerifyReport {
        self.verify_with(facts, None, opts, on_progress).await
    }

    /// [`Fleet::verify`], with the tokens the mount phase already wrote
    /// (`early`, see [`EarlyWrites`]): only the nodes it has no write for write
    /// now, so a whole sweep takes two round trips after the mount phase.
    pub async fn verify_with(
        &self,
        facts: Option<&[NodeFacts]>,
        early: Option<EarlyWrites>,
        opts: VerifyOptions,
        on_progress: &(dyn Fn(Progress) + Sync),
    ) -> VerifyReport {
        let (run_id, mut done) = match early {
            Some(e) => e.into_parts(),
            None => (script::new_run_id(), HashMap::new()),
        };
        let nodes = self.resolved_nodes(facts);
        let read_only_mode = self.config.read_only;
        let plans: Vec<Plan> = nodes
            .iter()
            .map(|n| {
                let f = facts.and_then(|fs| fs.iter().find(|f| f.name == n.name));
                plan(f, read_only_mode)
            })
            .collect();
        let pre: Vec<Option<(String, Written)>> =
            nodes.iter().map(|n| done.remove(&n.name)).collect();
        let tokens: Vec<String> = nodes
            .iter()
            .zip(&pre)
            .map(|(n, p)| match p {
                Some((token, _)) => token.clone(),
                None => script::new_token(&run_id, &n.name),
            })
            .collect();
        let limit = self.config.concurrency;

        // Items are indices, not references: a closure over borrowed items makes
        // rustc unable to prove the future `Send` (its lifetimes are not general
        // enough), and the console runs sweeps on spawned tasks.
        let pre = pre.into_iter().map(|p| p.map(|(_, w)| w)).enumerate();
        let written: Vec<Written> = fan_out(pre, limit, |(i, pre)| {
            let (nodes, plans, tokens, run_id) = (&nodes, &plans, &tokens, &run_id);
            async move {
                match pre {
                    Some(w) => early::reconcile(w, &plans[i]),
                    None => {
                        self.write_node(&nodes[i], &plans[i], run_id, &tokens[i], on_progress)
                            .await
                    }
                }
            }
        })
        .await;

        // Tokens to read: those written, in config order.
        let ok_writers: Vec<usize> = (0..nodes.len())
            .filter(|&i| written[i].outcome.status == WriteStatus::Ok)
            .collect();
        let reads: Vec<Option<Result<Vec<ReadParsed>, NodeError>>> =
            fan_out(0..nodes.len(), limit, |i| {
                let (reader, w) = (&nodes[i], &written[i]);
                let expected: Vec<Expected> = ok_writers
                    .iter()
                    .map(|&wi| Expected {
                        path: format!(
                            "{}/{}",
                            script::run_dir(&reader.shared_dir, &run_id),
                            nodes[wi].name
                        ),
                        content: tokens[wi].clone(),
                    })
                    .collect();
                let skip = w.read_skip.is_some();
                async move {
                    if skip {
                        return None;
                    }
                    Some(
                        self.read_node(reader, &expected, opts.deadline, on_progress)
                            .await,
                    )
                }
            })
            .await;

        let cells = build_cells(&nodes, &written, &reads, &ok_writers, read_only_mode);
        let participants: Vec<String> = nodes
            .iter()
            .enumerate()
            .filter(|(i, _)| {
                written[*i].outcome.status == WriteStatus::Ok || matches!(reads[*i], Some(Ok(_)))
            })
            .map(|(_, n)| n.name.clone())
            .collect();
        let g = matrix::groups(&participants, &cells);

        let io_bench = if opts.io_bench {
            let mut results = Vec::new();
            // One node at a time: nodes of the shared group hit the same server,
            // and running them together would measure the contention instead.
            for name in g.shared.iter().flatten() {
                let Some(i) = nodes.iter().position(|n| &n.name == name) else {
                    continue;
                };
                if written[i].outcome.status == WriteStatus::Ok {
                    results.push(self.bench_node(&nodes[i], &run_id, on_progress).await);
                }
            }
            Some(results)
        } else {
            None
        };

        let cleanup = self
            .clean_up(&nodes, &written, &g.groups, &run_id, on_progress)
            .await;

        VerifyReport {
            run_id,
            deadline_ms: u64::try_from(opts.deadline.as_millis()).unwrap_or(u64::MAX),
            matrix: cells,
            groups: g.groups,
            shared: g.shared,
            split: g.split,
            writes: written.into_iter().map(|w| w.outcome).collect(),
            io_bench,
            cleanup,
        }
    }

    /// Run a verification script on `node`; a dead session is dropped so the
    /// next use reconnects.
    async fn run_script(
        &self,
        node: &Node,
        script: &str,
        limit: Duration,
        what: &str,
    ) -> Result<CommandOutput, NodeError> {
        let out = self.run_on(node, script, limit, what).await?;
        match no_frame(node, what, &out) {
            Some(e) => Err(e),
            None => Ok(out),
        }
    }

    async fn write_node(
        &self,
        node: &Node,
        plan: &Plan,
        run_id: &str,
        token: &str,
        on_progress: &(dyn Fn(Progress) + Sync),
    ) -> Written {
        let outcome = |status, detail: Option<String>, error_kind| WriteOutcome {
            node: node.name.clone(),
            status,
            detail,
            error_kind,
        };
        if let Some(reason) = &plan.write_skip {
            return Written {
                outcome: outcome(WriteStatus::Skipped, Some(reason.clone()), None),
                ran: false,
                stale_removed: 0,
                problem: None,
                read_skip: plan.read_skip.clone(),
            };
        }
        on_progress(Progress::Verifying {
            node: node.name.clone(),
            phase: VerifyPhase::Write,
        });
        let text = script::write::build(
            &node.shared_dir,
            run_id,
            &node.name,
            token,
            self.step_timeout(),
        );
        match self
            .run_script(node, &text, self.config.command_timeout, "verify write")
            .await
        {
            Ok(out) => {
                let p = parse::parse_write(&out.stdout);
                Written {
                    outcome: outcome(p.status, p.detail, p.error_kind),
                    ran: true,
                    stale_removed: u32::try_from(p.stale_removed.len()).unwrap_or(u32::MAX),
                    problem: p.stale_problem.map(|m| format!("node {}: {m}", node.name)),
                    read_skip: if p.hung {
                        Some("storage hung".into())
                    } else {
                        plan.read_skip.clone()
                    },
                }
            }
            Err(e) => {
                let hung = e.kind == NodeErrorKind::CommandTimeout;
                let connected = !matches!(
                    e.kind,
                    NodeErrorKind::Unreachable
                        | NodeErrorKind::AuthFailed
                        | NodeErrorKind::HostKeyUnknown
                        | NodeErrorKind::HostKeyChanged
                        | NodeErrorKind::Local
                );
                Written {
                    outcome: outcome(
                        WriteStatus::Error,
                        Some(e.detail.clone()),
                        Some(if hung {
                            AccessErrorKind::Hung
                        } else {
                            AccessErrorKind::Other
                        }),
                    ),
                    ran: connected,
                    stale_removed: 0,
                    problem: None,
                    read_skip: Some(
                        if hung {
                            "storage hung"
                        } else if connected {
                            "script failed"
                        } else {
                            "unreachable"
                        }
                        .into(),
                    ),
                }
            }
        }
    }

    async fn read_node(
        &self,
        node: &Node,
        expected: &[Expected],
        deadline: Duration,
        on_progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<Vec<ReadParsed>, NodeError> {
        on_progress(Progress::Verifying {
            node: node.name.clone(),
            phase: VerifyPhase::Read,
        });
        let text = script::read::build(expected, deadline, self.step_timeout());
        let limit = deadline + self.config.command_timeout;
        let out = self.run_script(node, &text, limit, "verify read").await?;
        Ok(parse::parse_read(&out.stdout, expected.len()))
    }

    async fn bench_node(
        &self,
        node: &Node,
        run_id: &str,
        on_progress: &(dyn Fn(Progress) + Sync),
    ) -> BenchResult {
        on_progress(Progress::Verifying {
            node: node.name.clone(),
            phase: VerifyPhase::Bench,
        });
        let step = script::bench::step_timeout();
        let mib = BENCH_BYTES / (1024 * 1024);
        let text = script::bench::build(&node.shared_dir, run_id, &node.name, mib, step);
        // write, a direct read, a plain read and the removal, each bounded.
        let limit = step * 4 + Duration::from_secs(2);
        match self.run_script(node, &text, limit, "speed test").await {
            Ok(out) => parse::parse_bench(&out.stdout, &node.name, BENCH_BYTES).0,
            Err(e) => BenchResult {
                node: node.name.clone(),
                write_mbps: None,
                read_mbps: None,
                error: Some(e.detail),
            },
        }
    }
}

#[cfg(test)]
mod tests;
