//! Host resolution, the OpenSSH way: `ssh -G` when the ssh client is installed,
//! otherwise a small ssh_config parser (see [`fallback`]).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;

use super::resolve_cache::{Pairs, SshGCache};

/// One hop (the target or a jump host), fully resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Resolved {
    /// What the user wrote: the rivershare address or the ProxyJump entry.
    pub alias: String,
    /// Where to connect, and the name looked up in known_hosts.
    pub hostname: String,
    pub user: String,
    pub port: u16,
    /// Existing files only, the node's own first, then ssh_config's.
    pub identity_files: Vec<PathBuf>,
    /// ProxyJump entries, in order, not yet resolved.
    pub proxy_jump: Vec<JumpSpec>,
    pub server_alive_interval: Option<Duration>,
    /// `HashKnownHosts`: write new known_hosts entries hashed.
    pub hash_known_hosts: bool,
    /// `GlobalKnownHostsFile` (OpenSSH reads these after the user's known_hosts).
    pub global_known_hosts: Vec<PathBuf>,
    /// `ProxyCommand`, which rivershare does not run (it says so in a note).
    pub proxy_command: Option<String>,
}

/// One ProxyJump entry: `[user@]host[:port]` or `ssh://[user@]host[:port]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JumpSpec {
    pub user: Option<String>,
    pub host: String,
    pub port: Option<u16>,
}

/// What to resolve: an address plus the overrides rivershare's config gives.
pub(crate) struct Query<'a> {
    pub address: &'a str,
    pub user: Option<&'a str>,
    pub port: Option<u16>,
    pub identity_files: &'a [PathBuf],
    pub ssh_config: Option<&'a Path>,
    /// Earlier `ssh -G` answers (see [`super::resolve_cache`]).
    pub cache: Option<&'a SshGCache>,
}

pub(crate) fn home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/"))
}

pub(crate) fn local_user() -> String {
    nix::unistd::User::from_uid(nix::unistd::getuid())
        .ok()
        .flatten()
        .map(|u| u.name)
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "root".to_string())
}

/// Expand `~` and the `%d %u %h %r %%` tokens OpenSSH allows in IdentityFile.
pub(crate) fn expand_path(raw: &str, hostname: &str, user: &str) -> PathBuf {
    let home = home();
    let home_s = home.to_string_lossy();
    let raw = if raw == "~" {
        home_s.to_string()
    } else if let Some(rest) = raw.strip_prefix("~/") {
        format!("{home_s}/{rest}")
    } else {
        raw.to_string()
    };
    let mut out = String::new();
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('d') => out.push_str(&home_s),
            Some('u') => out.push_str(&local_user()),
            Some('h') => out.push_str(hostname),
            Some('r') => out.push_str(user),
            Some('%') => out.push('%'),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    PathBuf::from(out)
}

/// Parse a ProxyJump value (`none` means no jump).
pub(crate) fn parse_proxy_jump(value: &str) -> Vec<JumpSpec> {
    if value.eq_ignore_ascii_case("none") {
        return Vec::new();
    }
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|entry| {
            let entry = entry.strip_prefix("ssh://").unwrap_or(entry);
            let (user, hostport) = match entry.rsplit_once('@') {
                Some((u, h)) => (Some(u.to_string()), h),
                None => (None, entry),
            };
            // `[v6]:port`, `host:port` or a bare host.
            let (host, port) = if let Some(rest) = hostport.strip_prefix('[') {
                match rest.split_once(']') {
                    Some((h, tail)) => (
                        h.to_string(),
                        tail.strip_prefix(':').and_then(|p| p.parse().ok()),
                    ),
                    None => (rest.to_string(), None),
                }
            } else {
                match hostport.rsplit_once(':') {
                    Some((h, p)) if !h.contains(':') => (h.to_string(), p.parse().ok()),
                    _ => (hostport.to_string(), None),
                }
            };
            JumpSpec { user, host, port }
        })
        .collect()
}

/// Build a [`Resolved`] from `key value` pairs (ssh -G output or the parser's).
pub(crate) fn from_pairs(q: &Query<'_>, pairs: &[(String, String)]) -> Resolved {
    let first = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.clone())
    };
    let hostname = first("hostname").unwrap_or_else(|| q.address.to_string());
    let user = q
        .user
        .map(str::to_string)
        .or_else(|| first("user"))
        .unwrap_or_else(local_user);
    let port = q
        .port
        .or_else(|| first("port").and_then(|p| p.parse().ok()))
        .unwrap_or(22);
    let mut identity_files: Vec<PathBuf> = Vec::new();
    let config_ids = pairs
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("identityfile"))
        .map(|(_, v)| expand_path(v, &hostname, &user));
    for p in q.identity_files.iter().cloned().chain(config_ids) {
        // OpenSSH lists defaults that may not exist; a missing file is skipped silently.
        if p.is_file() && !identity_files.contains(&p) {
            identity_files.push(p);
        }
    }
    let proxy_jump = first("proxyjump")
        .map(|v| parse_proxy_jump(&v))
        .unwrap_or_default();
    let server_alive_interval = first("serveraliveinterval")
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|&s| s > 0)
        .map(Duration::from_secs);
    let hash_known_hosts = first("hashknownhosts").is_some_and(|v| v.eq_ignore_ascii_case("yes"));
    let global_known_hosts = first("globalknownhostsfile")
        .unwrap_or_else(|| "/etc/ssh/ssh_known_hosts /etc/ssh/ssh_known_hosts2".to_string())
        .split_whitespace()
        .map(|p| expand_path(p, &hostname, &user))
        .collect();
    let proxy_command = first("proxycommand").filter(|v| !v.eq_ignore_ascii_case("none"));
    Resolved {
        alias: q.address.to_string(),
        hostname,
        user,
        port,
        identity_files,
        proxy_jump,
        server_alive_interval,
        hash_known_hosts,
        global_known_hosts,
        proxy_command,
    }
}

/// Resolve with `ssh -G` (or its cached answer); `Ok(None)` when the ssh
/// binary is not installed.
async fn with_ssh_g(q: &Query<'_>) -> Result<Option<Pairs>, String> {
    let mut args: Vec<String> = vec!["-G".into()];
    if let Some(f) = q.ssh_config {
        args.push("-F".into());
        args.push(f.to_string_lossy().into_owned());
    }
    if let Some(p) = q.port {
        args.push("-p".into());
        args.push(p.to_string());
    }
    if let Some(u) = q.user {
        args.push("-l".into());
        args.push(u.to_string());
    }
    // `--` keeps an address starting with '-' from being read as an option.
    args.push("--".into());
    args.push(q.address.to_string());
    let key = SshGCache::key(&args);
    if let Some(pairs) = q.cache.and_then(|c| c.get(&key)) {
        return Ok(Some(pairs));
    }
    let mut cmd = Command::new("ssh");
    cmd.args(&args);
    cmd.stdin(Stdio::null()).kill_on_drop(true);
    let out = match tokio::time::timeout(Duration::from_secs(10), cmd.output()).await {
        Err(_) => return Err(format!("{}: ssh -G did not answer within 10 s", q.address)),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Ok(Err(e)) => return Err(format!("{}: cannot run ssh -G: {e}", q.address)),
        Ok(Ok(o)) => o,
    };
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let err = err.trim();
        return Err(format!("{}: ssh -G failed: {err}", q.address));
    }
    let pairs: Pairs = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    if let Some(c) = q.cache {
        c.put(key, pairs.clone());
    }
    Ok(Some(pairs))
}

/// Resolve one address: `ssh -G`, or the built-in parser when ssh is missing.
pub(crate) async fn resolve(q: &Query<'_>) -> Result<Resolved, String> {
    let pairs = match with_ssh_g(q).await? {
        Some(p) => p,
        None => {
            tracing::debug!(
                "ssh client not installed; parsing ssh_config for {}",
                q.address
            );
            super::fallback::pairs_for(q.address, q.ssh_config)?
        }
    };
    Ok(from_pairs(q, &pairs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_jump_forms() {
        let j = parse_proxy_jump("a@b:23,c, ssh://d@[::1]:2200");
        assert_eq!(
            j,
            vec![
                JumpSpec {
                    user: Some("a".into()),
                    host: "b".into(),
                    port: Some(23)
                },
                JumpSpec {
                    user: None,
                    host: "c".into(),
                    port: None
                },
                JumpSpec {
                    user: Some("d".into()),
                    host: "::1".into(),
                    port: Some(2200)
                },
            ]
        );
        assert!(parse_proxy_jump("none").is_empty());
    }

    #[test]
    fn tokens_expand() {
        let p = expand_path("%d/.ssh/%r@%h%%", "h1", "bob");
        assert_eq!(p, home().join(".ssh/bob@h1%"));
        assert_eq!(expand_path("~/.ssh/x", "h", "u"), home().join(".ssh/x"));
    }
}
