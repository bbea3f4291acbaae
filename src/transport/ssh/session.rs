//! One SSH hop: the russh client handler (host key check against known_hosts),
//! the handshake over any byte stream, and progress tracking so a connect
//! timeout can say which step hung.

use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use russh::client::{self, Handle, Handler};
use russh::keys::{Algorithm, PublicKey, PublicKeyOrCertificate};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::auth::{Credentials, authenticate};
use super::known_hosts::{self, Verdict, fingerprint, lookup_name};
use super::resolve::Resolved;
use crate::config::{HostKeyPolicy, SshSettings};
use crate::facts::{NodeError, NodeErrorKind};

/// Where a connect attempt is, so a timeout names the step that hung.
#[derive(Default)]
pub(crate) struct Progress {
    stage: AtomicU8,
    label: Mutex<String>,
}

pub(crate) const TCP: u8 = 0;
pub(crate) const BANNER: u8 = 1;
pub(crate) const KEX: u8 = 2;
pub(crate) const AUTH: u8 = 3;

impl Progress {
    pub(crate) fn set(&self, stage: u8, label: &str) {
        self.stage.store(stage, Ordering::SeqCst);
        if let Ok(mut l) = self.label.lock() {
            *l = label.to_string();
        }
    }

    /// The error for "the connect timeout expired now".
    pub(crate) fn timeout_error(&self, limit: Duration) -> NodeError {
        let label = self.label.lock().map(|l| l.clone()).unwrap_or_default();
        let secs = limit.as_secs_f64();
        let (kind, what) = match self.stage.load(Ordering::SeqCst) {
            TCP => (
                NodeErrorKind::Unreachable,
                format!("no TCP connection within {secs} s"),
            ),
            BANNER => (
                NodeErrorKind::Unreachable,
                format!("no SSH banner within {secs} s"),
            ),
            KEX => (
                NodeErrorKind::Unreachable,
                format!("key exchange did not finish within {secs} s"),
            ),
            _ => (
                NodeErrorKind::Transport,
                format!("authentication did not finish within {secs} s"),
            ),
        };
        NodeError::new(kind, format!("{label}: {what}"))
    }

    fn saw_bytes(&self) {
        let _ = self
            .stage
            .compare_exchange(BANNER, KEX, Ordering::SeqCst, Ordering::SeqCst);
    }

    fn stage(&self) -> u8 {
        self.stage.load(Ordering::SeqCst)
    }
}

/// A stream that tells [`Progress`] when the server's first bytes (its banner) arrive.
pub(crate) struct Watched<S> {
    inner: S,
    progress: Arc<Progress>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.progress.saw_bytes();
        }
        r
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Everything a hop's host key check needs.
struct HostCheck {
    known_hosts: PathBuf,
    /// `GlobalKnownHostsFile`s, consulted (read-only) when the user file does not know the host.
    global: Vec<PathBuf>,
    policy: HostKeyPolicy,
    hashed: bool,
    host: String,
    port: u16,
    label: String,
    learn_lock: Arc<Mutex<()>>,
}

impl HostCheck {
    fn verify(&self, key: &PublicKey) -> Result<(), NodeError> {
        let fp = fingerprint(key);
        let path = self.known_hosts.display();
        let local =
            |e: String| NodeError::new(NodeErrorKind::Local, format!("{}: {e}", self.label));
        // As OpenSSH: the user's file first, then the global ones; the first file
        // with an opinion (known or changed) decides.
        let mut verdict =
            known_hosts::check(&self.known_hosts, &self.host, self.port, key).map_err(local)?;
        for g in &self.global {
            if verdict != Verdict::Unknown {
                break;
            }
            verdict = known_hosts::check(g, &self.host, self.port, key).map_err(local)?;
        }
        match verdict {
            Verdict::Known => Ok(()),
            Verdict::Changed {
                path,
                line,
                revoked,
            } => Err(NodeError::new(
                NodeErrorKind::HostKeyChanged,
                format!(
                    "{}: host key {}: {} {fp} ({} line {line})",
                    self.label,
                    if revoked {
                        "is marked @revoked"
                    } else {
                        "changed"
                    },
                    key.algorithm(),
                    path.display()
                ),
            )),
            Verdict::Unknown if self.policy == HostKeyPolicy::Strict => Err(NodeError::new(
                NodeErrorKind::HostKeyUnknown,
                format!(
                    "{}: host key {} {fp} for {} is not in {path} (host_key_policy = strict)",
                    self.label,
                    key.algorithm(),
                    lookup_name(&self.host, self.port)
                ),
            )),
            Verdict::Unknown => {
                // Serialised so two connects to one new host do not race on the file.
                let _guard = self.learn_lock.lock();
                if known_hosts::check(&self.known_hosts, &self.host, self.port, key)
                    == Ok(Verdict::Known)
                {
                    return Ok(());
                }
                known_hosts::learn(&self.known_hosts, &self.host, self.port, key, self.hashed)
                    .map_err(|e| {
                        NodeError::new(NodeErrorKind::Local, format!("{}: {e}", self.label))
                    })?;
                tracing::info!("{}: recorded new host key {fp} in {path}", self.label);
                Ok(())
            }
        }
    }
}

/// The russh handler: it only checks the server's key; a refusal is kept in
/// `refusal` so the caller reports it instead of russh's generic error.
pub(crate) struct ClientHandler {
    check: HostCheck,
    refusal: Arc<Mutex<Option<NodeError>>>,
    progress: Arc<Progress>,
}

impl Handler for ClientHandler {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        server_key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let key = match server_key {
            PublicKeyOrCertificate::PublicKey { key, .. } => key.clone(),
            PublicKeyOrCertificate::Certificate(c) => PublicKey::new(c.public_key().clone(), ""),
        };
        match self.check.verify(&key) {
            Ok(()) => {
                self.progress.set(AUTH, &self.check.label);
                Ok(true)
            }
            Err(e) => {
                if let Ok(mut slot) = self.refusal.lock() {
                    *slot = Some(e);
                }
                Ok(false)
            }
        }
    }
}

/// russh client config for one hop: keepalive on, host key algorithms already
/// recorded for this host first (as OpenSSH orders HostKeyAlgorithms), no SHA-1 RSA.
fn client_config(hop: &Resolved, known_hosts: &std::path::Path) -> Arc<client::Config> {
    let mut known = known_hosts::known_algorithms(known_hosts, &hop.hostname, hop.port);
    for g in &hop.global_known_hosts {
        known.extend(known_hosts::known_algorithms(g, &hop.hostname, hop.port));
    }
    let defaults: Vec<Algorithm> = russh::Preferred::DEFAULT
        .key
        .iter()
        .filter(|a| **a != Algorithm::Rsa { hash: None })
        .cloned()
        .collect();
    let is_known = |a: &Algorithm| {
        known.iter().any(|k| match (k, a) {
            (Algorithm::Rsa { .. }, Algorithm::Rsa { .. }) => true,
            _ => k == a,
        })
    };
    let mut keys: Vec<Algorithm> = defaults.iter().filter(|a| is_known(a)).cloned().collect();
    keys.extend(defaults.iter().filter(|a| !is_known(a)).cloned());
    Arc::new(client::Config {
        keepalive_interval: Some(hop.server_alive_interval.unwrap_or(Duration::from_secs(5))),
        keepalive_max: 3,
        inactivity_timeout: None,
        nodelay: true,
        preferred: russh::Preferred {
            kex: kex_order().into(),
            key: keys.into(),
            ..russh::Preferred::DEFAULT
        },
        ..Default::default()
    })
}

/// The key exchanges offered, most preferred first: curve25519-sha256 (and its
/// pre-RFC name) before russh's default first choice, the mlkem768x25519 hybrid,
/// because a fan-out to many nodes spends its connect time largely in key
/// exchange and curve25519's costs the least CPU of the modern ones. Every other
/// default stays allowed in russh's order (the hybrid included, so a server
/// that allows only it still connects), with the ext-info and strict-kex
/// pseudo algorithms russh needs.
pub(crate) fn kex_order() -> Vec<russh::kex::Name> {
    let first = [russh::kex::CURVE25519, russh::kex::CURVE25519_PRE_RFC_8731];
    let mut order = first.to_vec();
    order.extend(
        russh::Preferred::DEFAULT
            .kex
            .iter()
            .filter(|name| !first.contains(name))
            .copied(),
    );
    order
}

/// Run the SSH handshake for `hop` over `stream`, verify its host key, authenticate.
pub(crate) async fn handshake<S>(
    stream: S,
    hop: &Resolved,
    label: &str,
    settings: &SshSettings,
    creds: &Credentials,
    learn_lock: Arc<Mutex<()>>,
    progress: Arc<Progress>,
) -> Result<Handle<ClientHandler>, NodeError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    progress.set(BANNER, label);
    let refusal = Arc::new(Mutex::new(None));
    let handler = ClientHandler {
        check: HostCheck {
            known_hosts: settings.known_hosts.clone(),
            global: hop.global_known_hosts.clone(),
            policy: settings.host_key_policy,
            hashed: hop.hash_known_hosts,
            host: hop.hostname.clone(),
            port: hop.port,
            label: label.to_string(),
            learn_lock,
        },
        refusal: refusal.clone(),
        progress: progress.clone(),
    };
    let watched = Watched {
        inner: stream,
        progress: progress.clone(),
    };
    let config = client_config(hop, &settings.known_hosts);
    let mut handle = match client::connect_stream(config, watched, handler).await {
        Ok(h) => h,
        Err(e) => {
            if let Some(refused) = refusal.lock().ok().and_then(|mut r| r.take()) {
                return Err(refused);
            }
            let kind = if progress.stage() == BANNER {
                NodeErrorKind::Unreachable
            } else {
                NodeErrorKind::Transport
            };
            let step = if progress.stage() == BANNER {
                "no SSH banner"
            } else {
                "SSH handshake failed"
            };
            return Err(NodeError::new(kind, format!("{label}: {step}: {e}")));
        }
    };
    progress.set(AUTH, label);
    authenticate(&mut handle, creds, &hop.user, &hop.identity_files, label).await?;
    Ok(handle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use russh::kex;

    #[test]
    fn curve25519_comes_first_and_every_default_stays() {
        let order = kex_order();
        assert_eq!(order[..2], [kex::CURVE25519, kex::CURVE25519_PRE_RFC_8731]);
        let defaults = russh::Preferred::DEFAULT.kex;
        assert_eq!(order.len(), defaults.len(), "{order:?}");
        for name in defaults.iter() {
            assert!(order.contains(name), "{name:?} dropped from {order:?}");
        }
        // The hybrid stays allowed, straight after curve25519.
        assert_eq!(order[2], kex::MLKEM768X25519_SHA256);
        for pseudo in [
            kex::EXTENSION_SUPPORT_AS_CLIENT,
            kex::EXTENSION_OPENSSH_STRICT_KEX_AS_CLIENT,
        ] {
            assert!(order.contains(&pseudo), "{pseudo:?} kept");
        }
    }
}
