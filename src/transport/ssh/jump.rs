//! The hop chain of a node (ProxyJump hosts, then the target) and opening it:
//! TCP to the first hop, then each next hop through a `direct-tcpip` channel of
//! the previous one, with the host key verified at every hop.

use std::sync::Arc;
use std::time::{Duration, Instant};

use russh::client::Handle;
use tokio::net::TcpStream;

use super::Shared;
use super::resolve::{self, Query, Resolved};
use super::session::{ClientHandler, Progress, TCP, handshake};
use crate::facts::{NodeError, NodeErrorKind};

/// Jump chains longer than this are a loop in ssh_config.
const MAX_HOPS: usize = 8;

/// A live connection to a node. The jump handles are kept so their sessions,
/// which carry the tunnel, stay up as long as the target's does.
pub(crate) struct Connection {
    pub handle: Handle<ClientHandler>,
    pub _jumps: Vec<Handle<ClientHandler>>,
    /// See [`open`] for what is measured.
    pub rtt: Duration,
}

/// Resolve the jump hosts of `target` (recursively for the first one, whose own
/// ProxyJump OpenSSH also honours) and return the hops in connection order.
pub(crate) async fn build_chain(
    target: Resolved,
    ssh_config: Option<&std::path::Path>,
    cache: Option<&super::resolve_cache::SshGCache>,
) -> Result<Vec<Resolved>, String> {
    let mut chain = vec![target];
    while let Some(first) = chain.first() {
        if first.proxy_jump.is_empty() {
            break;
        }
        if chain.len() > MAX_HOPS {
            return Err(format!(
                "{}: more than {MAX_HOPS} ProxyJump hops (a loop in ssh_config?)",
                chain[chain.len() - 1].alias
            ));
        }
        let specs = first.proxy_jump.clone();
        let mut jumps = Vec::new();
        for (i, spec) in specs.iter().enumerate() {
            let q = Query {
                address: &spec.host,
                user: spec.user.as_deref(),
                port: spec.port,
                identity_files: &[],
                ssh_config,
                cache,
            };
            let mut hop = resolve::resolve(&q).await?;
            // Only the first jump's own ProxyJump applies: later ones are reached
            // through the previous entry of this list (`ssh -J a,b`).
            if i > 0 {
                hop.proxy_jump.clear();
            }
            jumps.push(hop);
        }
        // The hop we just expanded now reaches its first jump's successor directly.
        chain[0].proxy_jump.clear();
        jumps.extend(chain);
        chain = jumps;
    }
    Ok(chain)
}

/// How a hop is named in errors: `runner-3 (10.0.0.5:22)` or `10.0.0.5:22`.
pub(crate) fn hop_label(hop: &Resolved, is_target: bool) -> String {
    let addr = format!("{}:{}", hop.hostname, hop.port);
    let base = if hop.alias == hop.hostname {
        addr
    } else {
        format!("{} ({addr})", hop.alias)
    };
    if is_target {
        base
    } else {
        format!("jump host {base}")
    }
}

fn tcp_error(label: &str, e: &std::io::Error) -> NodeError {
    let what = match e.kind() {
        std::io::ErrorKind::ConnectionRefused => "connection refused".to_string(),
        _ => e.to_string(),
    };
    NodeError::new(NodeErrorKind::Unreachable, format!("{label}: {what}"))
}

/// Open every hop of `chain`. The caller bounds the whole call by the connect timeout.
///
/// RTT: for a direct connection, the time of the TCP connect (one SYN/SYN-ACK
/// round trip); through ProxyJump, the time to open the `direct-tcpip` channel to
/// the target (a round trip to the last jump host plus its TCP connect).
pub(crate) async fn open(
    chain: &[Resolved],
    shared: &Shared,
    progress: Arc<Progress>,
) -> Result<Connection, NodeError> {
    let Some((first, rest)) = chain.split_first() else {
        return Err(NodeError::new(NodeErrorKind::Local, "empty hop chain"));
    };
    let label = hop_label(first, rest.is_empty());
    progress.set(TCP, &label);
    let started = Instant::now();
    let tcp = TcpStream::connect((first.hostname.as_str(), first.port))
        .await
        .map_err(|e| tcp_error(&label, &e))?;
    let mut rtt = started.elapsed();
    if let Err(e) = tcp.set_nodelay(true) {
        tracing::debug!("{label}: set_nodelay: {e}");
    }
    let mut handle = handshake(
        tcp,
        first,
        &label,
        &shared.settings,
        &shared.creds,
        shared.learn_lock.clone(),
        progress.clone(),
    )
    .await?;
    let mut jumps = Vec::new();
    for (i, hop) in rest.iter().enumerate() {
        let label = hop_label(hop, i + 1 == rest.len());
        progress.set(TCP, &label);
        let started = Instant::now();
        let channel = handle
            .channel_open_direct_tcpip(hop.hostname.clone(), u32::from(hop.port), "127.0.0.1", 0)
            .await
            .map_err(|e| {
                NodeError::new(
                    NodeErrorKind::Unreachable,
                    format!("{label}: the jump host could not open a connection to it: {e}"),
                )
            })?;
        rtt = started.elapsed();
        let next = handshake(
            channel.into_stream(),
            hop,
            &label,
            &shared.settings,
            &shared.creds,
            shared.learn_lock.clone(),
            progress.clone(),
        )
        .await?;
        jumps.push(std::mem::replace(&mut handle, next));
    }
    Ok(Connection {
        handle,
        _jumps: jumps,
        rtt,
    })
}
