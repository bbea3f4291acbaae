//! The sweep engine: owns one connection per node (reused across sweeps), fans
//! out with bounded concurrency, and bounds every node by its deadlines. A node's
//! failure becomes data in its [`NodeFacts`], never an error of the sweep.

mod connections;
use connections::connection_gone;
mod fanout;
mod inventory;
mod kohakuriver;
pub use inventory::TarballListing;
mod tarballs;
mod usage;
mod verify;

pub use fanout::fan_out;
pub use verify::EarlyWrites;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;

use crate::config::{Config, Node, TransportKind};
use crate::facts::{NodeError, NodeErrorKind, NodeFacts, Role, SharedDirSource};
use crate::probe;
use crate::transport::ssh::SshContext;
use crate::transport::{CommandOutput, Transport};

/// What a front end may show while a sweep runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    Connecting {
        node: String,
    },
    Probing {
        node: String,
    },
    Done {
        node: String,
        ok: bool,
    },
    /// The tarball inventory: `node` is listing the tarball folder (then the
    /// Runners look for its latest files). Its end is the inventory itself.
    ListingTarballs {
        node: String,
    },
    /// Cross-node verification: `node` started `phase`.
    Verifying {
        node: String,
        phase: VerifyPhase,
    },
    /// The disk-usage walk on `node`: `done` of `total` top-level entries of
    /// SHARED_DIR measured (`total` is 0 until the node has listed them).
    Usage {
        node: String,
        done: usize,
        total: usize,
    },
}

/// The phases of cross-node verification, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyPhase {
    Write,
    Read,
    Bench,
    Cleanup,
}

pub struct Fleet {
    config: Arc<Config>,
    ssh: SshContext,
    connections: Mutex<HashMap<String, Arc<dyn Transport>>>,
}

/// The one script a node whose SHARED_DIR is configured runs, in one exec: the
/// probe ([`probe::script::build_carrying`]) carrying the KohakuRiver
/// discovery's reads for `role`.
pub fn probe_script_with_discovery(
    shared_dir: &str,
    step_timeout: Duration,
    write_test: bool,
    role: Role,
) -> String {
    probe::script::build_carrying(
        shared_dir,
        step_timeout,
        write_test,
        Some(&kohakuriver::carried(role)),
    )
}

impl Fleet {
    /// Resolve every node and load credentials, once, before any fan-out: an
    /// encrypted key asks for its passphrase here (only when `interactive`).
    pub async fn prepare(config: Config, interactive: bool) -> Self {
        let ssh_nodes: Vec<Node> = config
            .nodes
            .iter()
            .filter(|n| n.transport == TransportKind::Ssh)
            .cloned()
            .collect();
        let ssh = SshContext::prepare(&ssh_nodes, &config.ssh, interactive).await;
        Self {
            config: Arc::new(config),
            ssh,
            connections: Mutex::new(HashMap::new()),
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// How many SSH connections this fleet has opened since it was prepared,
    /// reconnects of a dropped session included (a reused one does not count).
    pub fn ssh_connections_opened(&self) -> usize {
        self.ssh.connections_opened()
    }

    /// How many runs were served by a shell kept open on a node (a re-sweep's
    /// probes, from each node's second), since the fleet was prepared.
    pub fn resident_runs(&self) -> usize {
        self.ssh.resident_runs()
    }

    /// Notes for the operator gathered while preparing (skipped keys, ...).
    pub fn notes(&self) -> Vec<String> {
        self.ssh.notes().to_vec()
    }

    /// The longest one node can take in a sweep: connect, then the probe.
    pub fn node_deadline(&self) -> Duration {
        self.config.ssh.connect_timeout + self.config.command_timeout
    }

    /// Each probe step's own timeout. A hung step makes the script skip the other
    /// steps that touch the share, so a sweep needs at most about three step
    /// timeouts (findmnt, the hung step, the kill grace) within the command timeout.
    pub fn step_timeout(&self) -> Duration {
        (self.config.command_timeout / 3).max(Duration::from_secs(1))
    }

    /// Probe every node's mount, concurrently, bounded by `concurrency`.
    pub async fn probe_mounts(&self, on_progress: &(dyn Fn(Progress) + Sync)) -> Vec<NodeFacts> {
        self.probe_nodes(None, on_progress, &|_, _| {}).await
    }

    /// [`Fleet::probe_mounts`] for the nodes named in `only` (config order; unknown
    /// names are ignored) or every node, calling `on_node` with each node's facts
    /// and the probe's raw output (`None` when no probe ran) the moment that node
    /// is done, before the others finish.
    pub async fn probe_nodes(
        &self,
        only: Option<&[String]>,
        on_progress: &(dyn Fn(Progress) + Sync),
        on_node: &(dyn Fn(&NodeFacts, Option<&CommandOutput>) + Sync),
    ) -> Vec<NodeFacts> {
        self.probe_nodes_writing(only, None, on_progress, on_node)
            .await
    }

    /// [`Fleet::probe_nodes`]; with `early`, each node also writes its token for
    /// that verification run, beside its probe (see [`EarlyWrites`]).
    pub async fn probe_nodes_writing(
        &self,
        only: Option<&[String]>,
        early: Option<&EarlyWrites>,
        on_progress: &(dyn Fn(Progress) + Sync),
        on_node: &(dyn Fn(&NodeFacts, Option<&CommandOutput>) + Sync),
    ) -> Vec<NodeFacts> {
        let nodes: Vec<Node> = self
            .config
            .nodes
            .iter()
            .filter(|n| only.is_none_or(|names| names.contains(&n.name)))
            .cloned()
            .collect();
        if let Some(names) = only {
            for name in names {
                if !nodes.iter().any(|n| &n.name == name) {
                    tracing::warn!("probe: no node named {name} in the config; ignored");
                }
            }
        }
        fan_out(nodes, self.config.concurrency, |node| async move {
            let (facts, output) = self.probe_node(&node, early, on_progress).await;
            on_node(&facts, output.as_ref());
            on_progress(Progress::Done {
                node: node.name.clone(),
                ok: facts.error.is_none(),
            });
            facts
        })
        .await
    }

    /// One node's facts, and the probe's raw output when the probe ran. With
    /// discovery on, the node's own KohakuRiver unit and config are read too:
    /// before the probe when its SHARED_DIR came from nowhere (a SHARED_DIR found
    /// there is the one probed), by the probe script itself otherwise.
    async fn probe_node(
        &self,
        node: &Node,
        early: Option<&EarlyWrites>,
        on_progress: &(dyn Fn(Progress) + Sync),
    ) -> (NodeFacts, Option<CommandOutput>) {
        let mut facts = NodeFacts {
            name: node.name.clone(),
            role: node.role,
            address: node.address.clone(),
            shared_dir: node.shared_dir.clone(),
            shared_dir_source: node.shared_dir_source,
            reachable: false,
            rtt_ms: None,
            error: None,
            probe: None,
            kohakuriver: None,
        };
        on_progress(Progress::Connecting {
            node: node.name.clone(),
        });
        let transport = match self.transport(node).await {
            Ok(t) => t,
            Err(error) => {
                // Refused host keys and refused auth still prove the node answers.
                facts.reachable = error.kind != NodeErrorKind::Unreachable;
                facts.error = Some(error);
                return (facts, None);
            }
        };
        facts.reachable = true;
        facts.rtt_ms = transport.rtt().map(|d| d.as_secs_f64() * 1000.0);
        on_progress(Progress::Probing {
            node: node.name.clone(),
        });
        let mut node = node.clone();
        let t = transport.as_ref();
        let discovery = self.config.kohakuriver_discovery;
        // The early write needs the SHARED_DIR discovery may give, as the probe does.
        let write = |node: Node| async move {
            if let Some(early) = early {
                self.write_early(&node, early).await;
            }
        };
        // A node whose SHARED_DIR came from nowhere reads its KohakuRiver files
        // first (the probe needs the path they give); any other node's probe
        // carries the reads, so its sweep is one exec.
        let read_first = if discovery && node.shared_dir_source == SharedDirSource::Default {
            let k = self.kohakuriver_facts(&node, t).await;
            kohakuriver::adopt(&mut node, &k);
            Some(k)
        } else {
            None
        };
        let carry = discovery && read_first.is_none();
        let script = self.probe_script(&node, carry);
        let (result, ()) = tokio::join!(self.run(&node, t, &script), write(node.clone()));
        let kohakuriver = match (&result, carry) {
            (_, false) => read_first,
            (Ok(out), true) => {
                let f = crate::probe::parse::frame::split(&out.stdout);
                Some(self.kohakuriver_from(&node, t, &f).await)
            }
            (Err(e), true) => Some(kohakuriver::not_read(e.detail.clone())),
        };
        facts.shared_dir = node.shared_dir.clone();
        facts.shared_dir_source = node.shared_dir_source;
        facts.kohakuriver = kohakuriver;
        let mut raw = None;
        match result {
            Ok(output) => {
                match probe_output(&node, &output) {
                    Ok(probe) => facts.probe = Some(probe),
                    Err(error) => facts.error = Some(error),
                }
                raw = Some(output);
            }
            Err(error) => {
                if connection_gone(&error) {
                    // A dead session: reconnect on the next sweep.
                    self.connections.lock().await.remove(&node.name);
                }
                // It answered the connect but went away while the probe ran: what its
                // KohakuRiver files say is unknown too (their read failed the same way,
                // which is no config problem), so only `unreachable` is reported.
                if error.kind == NodeErrorKind::Unreachable {
                    facts.reachable = false;
                    facts.kohakuriver = None;
                }
                facts.error = Some(error);
            }
        }
        (facts, raw)
    }

    /// The probe script for `node`; with `discovery`, carrying its KohakuRiver
    /// reads. read_only forbids every change to a node, even a probe file that
    /// is deleted at once.
    fn probe_script(&self, node: &Node, discovery: bool) -> String {
        let (step, write) = (self.step_timeout(), !self.config.read_only);
        if discovery {
            probe_script_with_discovery(&node.shared_dir, step, write, node.role)
        } else {
            probe::script::build_with(&node.shared_dir, step, write)
        }
    }

    /// The config's nodes, each with the SHARED_DIR the sweep resolved for it
    /// (`facts` from the same sweep): verification, the tarball inventory and
    /// every later stage work on these, never on the config's bare list.
    pub(crate) fn resolved_nodes(&self, facts: Option<&[NodeFacts]>) -> Vec<Node> {
        self.config
            .nodes
            .iter()
            .map(|n| {
                let f = facts.and_then(|fs| fs.iter().find(|f| f.name == n.name));
                kohakuriver::resolved(n, f)
            })
            .collect()
    }
}

/// Turn the probe's raw output into facts, or say why that is impossible.
fn probe_output(
    node: &Node,
    output: &CommandOutput,
) -> Result<crate::facts::ProbeFacts, NodeError> {
    // A login shell's rc file may print before the script; the marker may follow it.
    let marker = probe::script::BEGIN_MARKER.as_bytes();
    if !output.stdout.windows(marker.len()).any(|w| w == marker) {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let first = stderr.lines().next().unwrap_or("no output");
        return Err(NodeError::new(
            NodeErrorKind::Probe,
            format!(
                "node {}: probe printed no header (exit {}): {first}",
                node.name,
                output
                    .exit_status
                    .map_or_else(|| "none".to_owned(), |s| s.to_string())
            ),
        ));
    }
    Ok(probe::parse::parse(&output.stdout, &node.shared_dir))
}
