//! Credentials and public-key authentication, in OpenSSH's order: every
//! ssh-agent identity first, then the identity files.
//!
//! Keys are loaded once, in [`Credentials::load`], before any fan-out: an
//! encrypted key asks its passphrase then (only on a TTY) and never again.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use russh::client::Handle;
use russh::keys::agent::client::AgentClient;
use russh::keys::{HashAlg, PrivateKey, PrivateKeyWithHashAlg, PublicKey};

use super::known_hosts::fingerprint;
use super::session::ClientHandler;
use crate::facts::{NodeError, NodeErrorKind};

/// Keys usable by every connection of a sweep.
#[derive(Default)]
pub(crate) struct Credentials {
    /// `SSH_AUTH_SOCK`, when set.
    pub agent_sock: Option<PathBuf>,
    /// Decrypted identity files, by path.
    pub keys: HashMap<PathBuf, Arc<PrivateKey>>,
    /// Identity files that exist but could not be used, with why (for auth_failed).
    pub skipped: HashMap<PathBuf, String>,
}

async fn agent_public_keys(sock: &Path) -> Vec<PublicKey> {
    match AgentClient::connect_uds(sock).await {
        Ok(mut a) => match a.request_identities().await {
            Ok(ids) => ids.iter().map(|i| i.public_key().into_owned()).collect(),
            Err(e) => {
                tracing::debug!("ssh-agent {}: {e}", sock.display());
                Vec::new()
            }
        },
        Err(e) => {
            tracing::debug!("ssh-agent {}: {e}", sock.display());
            Vec::new()
        }
    }
}

/// Ask on /dev/tty, whatever stdin is, with echo turned off before the prompt
/// shows: a passphrase typed the moment the prompt appears is never echoed
/// (rpassword printed the prompt first and turned echo off after, a window the
/// security tests hit on a loaded machine).
fn ask_passphrase(path: &Path) -> Option<String> {
    use nix::sys::termios::{LocalFlags, SetArg, tcgetattr, tcsetattr};
    use std::io::{BufRead, Write};
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .ok()?;
    let saved = tcgetattr(&tty).ok()?;
    let mut quiet = saved.clone();
    quiet.local_flags.remove(LocalFlags::ECHO);
    quiet.local_flags.insert(LocalFlags::ECHONL);
    tcsetattr(&tty, SetArg::TCSANOW, &quiet).ok()?;
    let answer = (|| {
        let mut out = &tty;
        write!(out, "Enter passphrase for key '{}': ", path.display()).ok()?;
        out.flush().ok()?;
        let mut line = String::new();
        std::io::BufReader::new(&tty).read_line(&mut line).ok()?;
        Some(line.trim_end_matches(['\n', '\r']).to_owned())
    })();
    let _ = tcsetattr(&tty, SetArg::TCSANOW, &saved);
    answer
}

impl Credentials {
    /// Load every identity file once. Missing files are skipped silently (OpenSSH
    /// lists defaults that may not exist); anything else unusable becomes a note.
    pub(crate) async fn load(
        files: &[PathBuf],
        interactive: bool,
        notes: &mut Vec<String>,
    ) -> Self {
        let agent_sock = std::env::var_os("SSH_AUTH_SOCK")
            .map(PathBuf::from)
            .filter(|p| !p.as_os_str().is_empty());
        let agent_keys = match &agent_sock {
            Some(s) => agent_public_keys(s).await,
            None => Vec::new(),
        };
        let mut keys = HashMap::new();
        let mut skipped = HashMap::new();
        // `why` reads after "skipped key X: " or "skipped encrypted key X: ".
        let mut skip = |path: &Path, encrypted: bool, why: String| {
            let kind = if encrypted { "encrypted key" } else { "key" };
            notes.push(format!("skipped {kind} {}: {why}", path.display()));
            skipped.insert(path.to_path_buf(), format!("{kind}: {why}"));
        };
        for path in files {
            if keys.contains_key(path) {
                continue;
            }
            let text = match std::fs::read_to_string(path) {
                Ok(t) => t,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => {
                    skip(path, false, e.to_string());
                    continue;
                }
            };
            let key = match russh::keys::decode_secret_key(&text, None) {
                Ok(k) => k,
                Err(russh::keys::Error::KeyIsEncrypted) => {
                    // The agent already holds it (per the .pub next to it): no need to ask.
                    let pub_path = PathBuf::from(format!("{}.pub", path.display()));
                    if let Ok(public) = russh::keys::load_public_key(&pub_path)
                        && agent_keys.iter().any(|k| k.key_data() == public.key_data())
                    {
                        continue;
                    }
                    if !interactive {
                        skip(path, true, "no TTY to ask its passphrase".to_string());
                        continue;
                    }
                    let p = path.clone();
                    let pass = tokio::task::spawn_blocking(move || ask_passphrase(&p))
                        .await
                        .ok()
                        .flatten();
                    let Some(pass) = pass else {
                        skip(path, true, "no passphrase given".to_string());
                        continue;
                    };
                    match russh::keys::decode_secret_key(&text, Some(&pass)) {
                        Ok(k) => k,
                        Err(e) => {
                            skip(path, true, format!("cannot decrypt it: {e}"));
                            continue;
                        }
                    }
                }
                Err(e) => {
                    skip(path, false, e.to_string());
                    continue;
                }
            };
            keys.insert(path.clone(), Arc::new(key));
        }
        Credentials {
            agent_sock,
            keys,
            skipped,
        }
    }
}

fn is_rsa(key: &PublicKey) -> bool {
    matches!(key.algorithm(), russh::keys::Algorithm::Rsa { .. })
}

/// rsa-sha2-512/256 as the server's `server-sig-algs` allows; never SHA-1.
async fn rsa_hash(handle: &Handle<ClientHandler>) -> Option<HashAlg> {
    match handle.best_supported_rsa_hash().await {
        Ok(Some(Some(h))) => Some(h),
        _ => Some(HashAlg::Sha256),
    }
}

/// Try the agent's identities, then the identity files, until one is accepted.
pub(crate) async fn authenticate(
    handle: &mut Handle<ClientHandler>,
    creds: &Credentials,
    user: &str,
    identity_files: &[PathBuf],
    label: &str,
) -> Result<(), NodeError> {
    let mut tried: Vec<String> = Vec::new();
    let mut offered: Vec<PublicKey> = Vec::new();
    if let Some(sock) = &creds.agent_sock {
        match AgentClient::connect_uds(sock).await {
            Ok(mut agent) => {
                let ids = agent.request_identities().await.unwrap_or_default();
                for id in ids {
                    let public = id.public_key().into_owned();
                    let hash = if is_rsa(&public) {
                        rsa_hash(handle).await
                    } else {
                        None
                    };
                    tried.push(format!("agent key {}", fingerprint(&public)));
                    offered.push(public.clone());
                    match handle
                        .authenticate_publickey_with(user, public, hash, &mut agent)
                        .await
                    {
                        Ok(r) if r.success() => return Ok(()),
                        Ok(_) => {}
                        Err(e) => tracing::debug!("{label}: agent signing failed: {e}"),
                    }
                }
            }
            Err(e) => tracing::debug!("{label}: ssh-agent {}: {e}", sock.display()),
        }
    }
    let mut unusable: Vec<String> = Vec::new();
    let mut ended: Option<String> = None;
    for path in identity_files {
        let Some(key) = creds.keys.get(path) else {
            if let Some(why) = creds.skipped.get(path) {
                unusable.push(format!("{} ({why})", path.display()));
            }
            continue;
        };
        let public = key.public_key().clone();
        // The agent already offered this very key; OpenSSH does not offer it twice.
        if offered.iter().any(|k| k.key_data() == public.key_data()) {
            continue;
        }
        let hash = if is_rsa(&public) {
            rsa_hash(handle).await
        } else {
            None
        };
        tried.push(path.display().to_string());
        match handle
            .authenticate_publickey(user, PrivateKeyWithHashAlg::new(key.clone(), hash))
            .await
        {
            Ok(r) if r.success() => return Ok(()),
            Ok(_) => {}
            // sshd drops the connection after MaxAuthTries refusals (6 by default),
            // as it does for OpenSSH's ssh: still every offered key was refused.
            Err(e) => {
                tracing::debug!("{label}: server ended authentication: {e}");
                ended = Some(e.to_string());
                break;
            }
        }
    }
    let mut detail = if tried.is_empty() {
        format!(
            "{label}: no key to offer as {user} (no ssh-agent identity, no usable identity file)"
        )
    } else {
        format!(
            "{label}: every key was refused for user {user} (tried: {})",
            tried.join(", ")
        )
    };
    if let Some(e) = ended {
        detail.push_str(&format!("; the server then closed the connection ({e})"));
    }
    if !unusable.is_empty() {
        detail.push_str(&format!("; not offered: {}", unusable.join(", ")));
    }
    Err(NodeError::new(NodeErrorKind::AuthFailed, detail))
}
