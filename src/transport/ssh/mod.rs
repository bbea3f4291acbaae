//! The SSH transport: one reused russh connection per node, behaving like
//! OpenSSH's `ssh` (resolution through `ssh -G`, agent then identity files,
//! known_hosts, ProxyJump, keepalive).
//!
//! Flow: [`SshContext::prepare`] resolves every node and loads keys once, before
//! any fan-out; [`SshContext::connect`] opens a node's connection within the
//! connect timeout; [`SshTransport`] then runs scripts on channels of that one
//! connection (at most 8 at once, one of them possibly opened ahead of need:
//! see `spare`) and reconnects once if it dropped.

mod auth;
mod exec;
mod fallback;
mod jump;
mod known_hosts;
mod resident;
mod resolve;
mod resolve_cache;
mod session;
mod spare;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::future::BoxFuture;
use tokio::sync::Semaphore;

use self::auth::Credentials;
use self::exec::ExecError;
use self::jump::Connection;
use self::resolve::{Query, Resolved};
use self::resolve_cache::SshGCache;
use self::session::Progress;
use self::spare::Spares;
use super::{CommandOutput, Transport};
use crate::config::{Node, SshSettings, TransportKind};
use crate::facts::{NodeError, NodeErrorKind};

/// Channels open at once on one connection; more callers wait their turn.
pub const MAX_CHANNELS: usize = 8;

/// How long past its timeout a run may take to clean up before it is abandoned.
const RUN_GRACE: Duration = Duration::from_millis(500);

/// What every connection of a sweep shares.
pub(crate) struct Shared {
    pub settings: SshSettings,
    pub creds: Credentials,
    /// Serialises accept-new writes to known_hosts.
    pub learn_lock: Arc<Mutex<()>>,
    /// Connections opened (whole chains, reconnects included), so a front end
    /// can tell a re-sweep that reused every connection from one that did not.
    pub opened: AtomicUsize,
    /// Runs served by a resident shell (see [`resident`]), over every connection.
    pub resident_runs: AtomicUsize,
}

impl Shared {
    /// Open `chain` within the connect timeout, or within `cap` if that is shorter.
    async fn open(
        &self,
        chain: &[Resolved],
        cap: Option<Duration>,
    ) -> Result<Connection, NodeError> {
        let limit = cap.map_or(self.settings.connect_timeout, |c| {
            c.min(self.settings.connect_timeout)
        });
        let progress = Arc::new(Progress::default());
        match tokio::time::timeout(limit, jump::open(chain, self, progress.clone())).await {
            Ok(r) => {
                if r.is_ok() {
                    self.opened.fetch_add(1, Ordering::Relaxed);
                }
                r
            }
            Err(_) => Err(progress.timeout_error(limit)),
        }
    }
}

/// Resolved nodes and loaded credentials, made once before the fan-out.
pub struct SshContext {
    shared: Arc<Shared>,
    /// Hop chain (jumps, then the target) per node name.
    chains: HashMap<String, Result<Vec<Resolved>, NodeError>>,
    notes: Vec<String>,
}

async fn resolve_node(
    node: &Node,
    settings: &SshSettings,
    cache: Option<&SshGCache>,
) -> Result<Vec<Resolved>, NodeError> {
    let q = Query {
        address: &node.address,
        user: node.user.as_deref(),
        port: node.port,
        identity_files: &node.identity_files,
        ssh_config: settings.ssh_config.as_deref(),
        cache,
    };
    let local = |e: String| NodeError::new(NodeErrorKind::Local, e);
    let target = resolve::resolve(&q).await.map_err(local)?;
    jump::build_chain(target, settings.ssh_config.as_deref(), cache)
        .await
        .map_err(local)
}

impl SshContext {
    /// Resolve every SSH node (ssh -G or a parser) and load credentials ONCE, before any fan-out.
    /// `interactive`: stdin/stderr is a TTY, so an encrypted key may ask its passphrase once here.
    pub async fn prepare(nodes: &[Node], settings: &SshSettings, interactive: bool) -> SshContext {
        // Owned nodes: a closure over `&Node` would make this future non-Send
        // (a higher-ranked lifetime), and the sweep spawns it.
        let ssh_nodes: Vec<Node> = nodes
            .iter()
            .filter(|n| n.transport == TransportKind::Ssh)
            .cloned()
            .collect();
        let cache = (!ssh_nodes.is_empty())
            .then(resolve_cache::default_file)
            .flatten()
            .map(|f| SshGCache::open(f, settings.ssh_config.as_deref()));
        let cache_ref = cache.as_ref();
        let chains: HashMap<String, Result<Vec<Resolved>, NodeError>> =
            futures::stream::iter(ssh_nodes)
                .map(|n: Node| async move {
                    let chain = resolve_node(&n, settings, cache_ref).await;
                    (n.name, chain)
                })
                .buffer_unordered(16)
                .collect()
                .await;
        if let Some(c) = &cache {
            tracing::debug!("ssh -G: {} answers from the cache", c.hits());
            c.save();
        }
        // Key files in first-use order, so passphrase prompts come in a stable order.
        let mut files = Vec::new();
        for node in nodes {
            if let Some(Ok(chain)) = chains.get(&node.name) {
                for hop in chain {
                    for f in &hop.identity_files {
                        if !files.contains(f) {
                            files.push(f.clone());
                        }
                    }
                }
            }
        }
        let mut notes = Vec::new();
        for node in nodes {
            if let Some(Ok(chain)) = chains.get(&node.name) {
                for hop in chain.iter().filter(|h| h.proxy_command.is_some()) {
                    notes.push(format!(
                        "{}: ssh_config sets ProxyCommand for {}, which rivershare does not run \
                         (use ProxyJump); connecting directly",
                        node.name, hop.alias
                    ));
                }
            }
        }
        let creds = Credentials::load(&files, interactive, &mut notes).await;
        SshContext {
            shared: Arc::new(Shared {
                settings: settings.clone(),
                creds,
                learn_lock: Arc::new(Mutex::new(())),
                opened: AtomicUsize::new(0),
                resident_runs: AtomicUsize::new(0),
            }),
            chains,
            notes,
        }
    }

    /// How many SSH connections this context has opened (each node's first
    /// and every reconnect of a dropped one).
    pub fn connections_opened(&self) -> usize {
        self.shared.opened.load(Ordering::Relaxed)
    }

    /// How many runs a resident shell served, over every connection.
    pub fn resident_runs(&self) -> usize {
        self.shared.resident_runs.load(Ordering::Relaxed)
    }

    /// Notes for the operator, e.g. "skipped encrypted key /root/.ssh/id_x: no TTY to ask its passphrase".
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// Connect (TCP + banner + kex + host key check + auth) within settings.connect_timeout.
    pub async fn connect(&self, node: &Node) -> Result<Arc<SshTransport>, NodeError> {
        let chain = match self.chains.get(&node.name) {
            Some(c) => c.clone()?,
            // Not seen by prepare: resolve now (keys not loaded then are not offered).
            None => resolve_node(node, &self.shared.settings, None).await?,
        };
        let conn = self.shared.open(&chain, None).await?;
        let target = chain
            .last()
            .map(|h| format!("{}:{}", h.hostname, h.port))
            .unwrap_or_default();
        let rtt = conn.rtt;
        Ok(Arc::new(SshTransport {
            shared: self.shared.clone(),
            label: format!("{} ({target})", node.name),
            chain,
            conn: tokio::sync::Mutex::new(Arc::new(conn)),
            channels: Arc::new(Semaphore::new(MAX_CHANNELS)),
            spares: Spares::default(),
            resident: resident::Slot::default(),
            rtt: Mutex::new(rtt),
            lacks_timeout: AtomicBool::new(false),
        }))
    }
}

/// The command a node's login shell is asked to run for `script` with `limit`
/// (on a node that has `timeout`): for the benchmark's profile row, which must
/// send a script exactly as rivershare does.
pub fn node_command(script: &str, limit: Duration) -> String {
    exec::remote_command(script, limit, true)
}

/// A live SSH connection to one node, shared by every run on it.
pub struct SshTransport {
    shared: Arc<Shared>,
    label: String,
    chain: Vec<Resolved>,
    conn: tokio::sync::Mutex<Arc<Connection>>,
    channels: Arc<Semaphore>,
    spares: Spares,
    resident: resident::Slot,
    rtt: Mutex<Duration>,
    /// The node answered an exec with "timeout: not found" (see
    /// [`exec::remote_command`]): its scripts run without the node's `timeout`.
    lacks_timeout: AtomicBool,
}

impl SshTransport {
    /// The current connection, reconnected first if it dropped.
    async fn live(&self, remaining: Duration) -> Result<Arc<Connection>, NodeError> {
        let mut current = self.conn.lock().await;
        if !current.handle.is_closed() {
            return Ok(current.clone());
        }
        tracing::info!("{}: connection dropped; reconnecting", self.label);
        let fresh = self.shared.open(&self.chain, Some(remaining)).await?;
        if let Ok(mut rtt) = self.rtt.lock() {
            *rtt = fresh.rtt;
        }
        *current = Arc::new(fresh);
        Ok(current.clone())
    }

    async fn run_script(
        &self,
        script: &str,
        limit: Duration,
        on_stdout: Option<crate::transport::OnStdout<'_>>,
    ) -> Result<CommandOutput, NodeError> {
        let started = Instant::now();
        let deadline = tokio::time::Instant::from_std(started + limit);
        let mut conn = self.live(limit).await?;
        let (mut ready, _permit) = self.channel_for(&conn, deadline, limit).await?;
        let mut retried = false;
        loop {
            // Opened while this script runs, ready for the next run.
            self.spares.refill(&conn, &self.channels, &self.label);
            let channel = ready.take();
            let bounded = !self.lacks_timeout.load(Ordering::Relaxed);
            match exec::exec(
                &conn.handle,
                channel,
                &exec::remote_command(script, limit, bounded),
                started,
                limit,
                &self.label,
                on_stdout,
            )
            .await
            {
                // Nothing ran: this node has no `timeout`; run it, and every later
                // script, without one.
                Ok(out) if bounded && exec::lacks_timeout(&out) => {
                    tracing::info!(
                        "{}: no `timeout` on the node; its scripts run bounded by rivershare's deadline alone",
                        self.label
                    );
                    self.lacks_timeout.store(true, Ordering::Relaxed);
                }
                Ok(out) => return Ok(out),
                // Nothing ran: reconnect once and try again.
                Err(ExecError::ConnectionLost(_)) if !retried => {
                    retried = true;
                    conn = self.live(limit.saturating_sub(started.elapsed())).await?;
                }
                Err(ExecError::ConnectionLost(e) | ExecError::Failed(e)) => return Err(e),
            }
        }
    }

    /// How many runs started on a channel opened ahead of need.
    pub fn spare_channels_used(&self) -> usize {
        self.spares.used()
    }
}

impl SshTransport {
    async fn run_bounded(
        &self,
        script: &str,
        timeout: Duration,
        on_stdout: Option<crate::transport::OnStdout<'_>>,
    ) -> Result<CommandOutput, NodeError> {
        self.within_grace(timeout, self.run_script(script, timeout, on_stdout))
            .await
    }

    /// Backstop for the contract "resolves within `timeout` plus a small
    /// grace": the steps of `run` keep the deadline themselves, except a wait
    /// behind another task's reconnect.
    async fn within_grace(
        &self,
        timeout: Duration,
        run: impl std::future::Future<Output = Result<CommandOutput, NodeError>>,
    ) -> Result<CommandOutput, NodeError> {
        match tokio::time::timeout(timeout + RUN_GRACE, run).await {
            Ok(r) => r,
            Err(_) => Err(NodeError::new(
                NodeErrorKind::CommandTimeout,
                format!(
                    "{}: no result within {} s (waiting to reconnect)",
                    self.label,
                    timeout.as_secs_f64()
                ),
            )),
        }
    }
}

impl Transport for SshTransport {
    fn run<'a>(
        &'a self,
        script: &'a str,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<CommandOutput, NodeError>> {
        Box::pin(self.run_bounded(script, timeout, None))
    }

    /// Each `Data` message goes to `on_stdout` as it arrives.
    fn run_streaming<'a>(
        &'a self,
        script: &'a str,
        timeout: Duration,
        on_stdout: &'a (dyn Fn(&[u8]) + Send + Sync),
    ) -> BoxFuture<'a, Result<CommandOutput, NodeError>> {
        Box::pin(self.run_bounded(script, timeout, Some(on_stdout)))
    }

    fn run_self_bounded<'a>(
        &'a self,
        script: &'a str,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<CommandOutput, NodeError>> {
        Box::pin(self.within_grace(timeout, self.run_on_resident(script, timeout)))
    }

    /// TCP connect time of the direct connection, or the time to open the
    /// `direct-tcpip` channel to the target through the last jump host.
    fn rtt(&self) -> Option<Duration> {
        self.rtt.lock().ok().map(|r| *r)
    }

    fn describe(&self) -> String {
        match self.chain.split_last() {
            Some((t, jumps)) if !jumps.is_empty() => {
                let via: Vec<String> = jumps
                    .iter()
                    .map(|j| format!("{}:{}", j.hostname, j.port))
                    .collect();
                format!(
                    "ssh {}@{}:{} via {}",
                    t.user,
                    t.hostname,
                    t.port,
                    via.join(",")
                )
            }
            Some((t, _)) => format!("ssh {}@{}:{}", t.user, t.hostname, t.port),
            None => "ssh".to_string(),
        }
    }
}
