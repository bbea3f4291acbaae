//! A small ssh_config reader for machines without the `ssh` client, so that
//! `ssh -G` cannot be asked. It understands what rivershare needs: `Host`
//! blocks with `*`, `?` and `!` patterns, `HostName` (with `%h`), `User`,
//! `Port`, `IdentityFile`, `ProxyJump`, `ServerAliveInterval` and
//! `HashKnownHosts`. As in OpenSSH, the first value of a keyword wins (every
//! `IdentityFile` is kept). `Match` blocks cannot be evaluated here and are skipped.

use std::path::Path;

use super::known_hosts::glob_match;
use super::resolve::home;

/// Does a `Host` line's pattern list select `alias`?
fn host_line_matches(patterns: &str, alias: &str) -> bool {
    let alias = alias.to_ascii_lowercase();
    let mut matched = false;
    for pat in patterns.split_whitespace() {
        let pat = pat.trim_matches('"').to_ascii_lowercase();
        if let Some(neg) = pat.strip_prefix('!') {
            if glob_match(neg, &alias) {
                return false;
            }
        } else if glob_match(&pat, &alias) {
            matched = true;
        }
    }
    matched
}

/// `key value`, `key=value` or `key = value`, lowercased key, quotes removed.
pub(crate) fn split_line(line: &str) -> Option<(String, String)> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let cut = line.find(|c: char| c.is_whitespace() || c == '=')?;
    let (k, rest) = line.split_at(cut);
    let v = rest.trim_start().trim_start_matches('=').trim();
    Some((k.to_ascii_lowercase(), v.trim_matches('"').to_string()))
}

/// Apply one config text to `out` for `alias` (first value wins).
pub(crate) fn apply(text: &str, alias: &str, out: &mut Vec<(String, String)>) {
    let mut active = true;
    for line in text.lines() {
        let Some((key, value)) = split_line(line) else {
            continue;
        };
        match key.as_str() {
            "host" => active = host_line_matches(&value, alias),
            "match" => active = false,
            _ if !active => {}
            "identityfile" => out.push((key, value)),
            _ if out.iter().any(|(k, _)| *k == key) => {}
            _ => out.push((key, value)),
        }
    }
}

/// `key value` pairs for `alias`, as `ssh -G` would print the few we use.
pub(crate) fn pairs_for(
    alias: &str,
    ssh_config: Option<&Path>,
) -> Result<Vec<(String, String)>, String> {
    let user_config = match ssh_config {
        Some(p) => Some(p.to_path_buf()),
        None => Some(home().join(".ssh/config")).filter(|p| p.is_file()),
    };
    let mut out = Vec::new();
    if let Some(p) = user_config {
        let text = std::fs::read_to_string(&p)
            .map_err(|e| format!("{alias}: cannot read ssh_config {}: {e}", p.display()))?;
        apply(&text, alias, &mut out);
    }
    // Like ssh without -F, the system-wide file comes after the user's.
    if ssh_config.is_none()
        && let Ok(text) = std::fs::read_to_string("/etc/ssh/ssh_config")
    {
        apply(&text, alias, &mut out);
    }
    if let Some((_, v)) = out.iter_mut().find(|(k, _)| k == "hostname") {
        *v = v.replace("%h", alias);
    }
    if !out.iter().any(|(k, _)| k == "identityfile") {
        for d in ["id_rsa", "id_ecdsa", "id_ed25519"] {
            out.push(("identityfile".to_string(), format!("~/.ssh/{d}")));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "\
# global
User globaluser
Host bastion
    HostName 10.9.9.9
    Port 2200
Host runner-? !runner-9
  HostName=%h.cluster.lan
  IdentityFile ~/.ssh/runner
  ProxyJump bastion
  User first
Match host *
  User never
Host *
  User last
  IdentityFile ~/.ssh/all
";

    fn get(pairs: &[(String, String)], k: &str) -> Vec<String> {
        pairs
            .iter()
            .filter(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .collect()
    }

    #[test]
    fn first_value_wins_and_identity_files_accumulate() {
        let mut out = Vec::new();
        apply(CONFIG, "runner-3", &mut out);
        assert_eq!(get(&out, "user"), vec!["globaluser"]);
        assert_eq!(get(&out, "hostname"), vec!["%h.cluster.lan"]);
        assert_eq!(
            get(&out, "identityfile"),
            vec!["~/.ssh/runner", "~/.ssh/all"]
        );
        assert_eq!(get(&out, "proxyjump"), vec!["bastion"]);
    }

    #[test]
    fn negation_and_question_mark() {
        let mut out = Vec::new();
        apply(CONFIG, "runner-9", &mut out);
        assert!(get(&out, "proxyjump").is_empty());
        let mut out = Vec::new();
        apply(CONFIG, "runner-10", &mut out);
        assert!(get(&out, "proxyjump").is_empty());
        let mut out = Vec::new();
        apply(CONFIG, "bastion", &mut out);
        assert_eq!(get(&out, "port"), vec!["2200"]);
    }

    #[test]
    fn hostname_token_expands() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("config");
        std::fs::write(&p, CONFIG).expect("write");
        let out = pairs_for("runner-3", Some(&p)).expect("parse");
        assert_eq!(get(&out, "hostname"), vec!["runner-3.cluster.lan"]);
    }
}
