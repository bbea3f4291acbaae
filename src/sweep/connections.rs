//! The fleet's connections: one per node, opened on first use and reused across
//! sweeps, and every script's run on them, bounded by its limit.

use std::sync::Arc;
use std::time::Duration;

use super::Fleet;
use crate::config::{Node, TransportKind};
use crate::facts::{NodeError, NodeErrorKind};
use crate::transport::local::LocalTransport;
use crate::transport::{CommandOutput, OnStdout, Transport};

/// Time a remote `timeout -k` may need to kill a step, on top of the step's own limit.
const KILL_GRACE: Duration = Duration::from_millis(1500);

impl Fleet {
    pub(super) async fn run(
        &self,
        node: &Node,
        transport: &dyn Transport,
        script: &str,
    ) -> Result<CommandOutput, NodeError> {
        // The probe bounds every step that may hang itself, so a transport may
        // keep a shell open for it between sweeps.
        let limit = self.config.command_timeout;
        within_limit(
            node,
            "probe",
            limit,
            transport.run_self_bounded(script, limit),
        )
        .await
    }

    /// Run `script` on `node` within `limit` (plus the kill grace); `what` names
    /// the script in the timeout message.
    pub(crate) async fn run_with(
        &self,
        node: &Node,
        transport: &dyn Transport,
        script: &str,
        limit: Duration,
        what: &str,
    ) -> Result<CommandOutput, NodeError> {
        within_limit(node, what, limit, transport.run(script, limit)).await
    }

    /// Run `script` on `node` over its (reused or new) connection within `limit`;
    /// a dead session is dropped so the next use reconnects.
    pub(crate) async fn run_on(
        &self,
        node: &Node,
        script: &str,
        limit: Duration,
        what: &str,
    ) -> Result<CommandOutput, NodeError> {
        self.run_streaming_on(node, script, limit, what, None).await
    }

    /// As [`Fleet::run_on`], handing stdout to `on_stdout` as it arrives, when
    /// given: a caller keeps what streamed even when the limit cuts the run.
    pub(super) async fn run_streaming_on(
        &self,
        node: &Node,
        script: &str,
        limit: Duration,
        what: &str,
        on_stdout: Option<OnStdout<'_>>,
    ) -> Result<CommandOutput, NodeError> {
        let transport = self.transport(node).await?;
        let result = match on_stdout {
            Some(f) => {
                within_limit(node, what, limit, transport.run_streaming(script, limit, f)).await
            }
            None => {
                self.run_with(node, transport.as_ref(), script, limit, what)
                    .await
            }
        };
        if let Err(e) = &result
            && connection_gone(e)
        {
            self.connections.lock().await.remove(&node.name);
        }
        result
    }

    /// The node's connection: reused when there is one, opened within the connect timeout otherwise.
    pub(crate) async fn transport(&self, node: &Node) -> Result<Arc<dyn Transport>, NodeError> {
        if let Some(existing) = self.connections.lock().await.get(&node.name) {
            return Ok(existing.clone());
        }
        let transport: Arc<dyn Transport> = match node.transport {
            TransportKind::Local => Arc::new(LocalTransport::new()),
            TransportKind::Ssh => {
                let limit = self.config.ssh.connect_timeout;
                match tokio::time::timeout(limit + KILL_GRACE, self.ssh.connect(node)).await {
                    Ok(result) => result?,
                    Err(_) => {
                        return Err(NodeError::new(
                            NodeErrorKind::Unreachable,
                            format!(
                                "node {}: no SSH session within {} s",
                                node.name,
                                limit.as_secs_f64()
                            ),
                        ));
                    }
                }
            }
        };
        self.connections
            .lock()
            .await
            .insert(node.name.clone(), transport.clone());
        Ok(transport)
    }
}

/// `run` within `limit` plus the kill grace; `what` names the script in the
/// timeout message.
async fn within_limit(
    node: &Node,
    what: &str,
    limit: Duration,
    run: impl std::future::Future<Output = Result<CommandOutput, NodeError>>,
) -> Result<CommandOutput, NodeError> {
    match tokio::time::timeout(limit + KILL_GRACE, run).await {
        Ok(result) => result,
        Err(_) => Err(NodeError::new(
            NodeErrorKind::CommandTimeout,
            format!(
                "node {}: {what} did not finish within {} s",
                node.name,
                crate::probe::script::timeout_arg(limit)
            ),
        )),
    }
}

/// Errors after which a node's connection is not worth reusing: a broken session,
/// or a node that stopped answering mid-run (the transport says `Unreachable`).
pub(super) fn connection_gone(error: &NodeError) -> bool {
    matches!(
        error.kind,
        NodeErrorKind::Transport | NodeErrorKind::Unreachable
    )
}
