//! known_hosts, read and written the way OpenSSH does.
//!
//! russh ships a known_hosts reader, but it splits on single spaces only, does
//! not understand `@revoked`/`@cert-authority` markers, negated or wildcard
//! patterns, and miscounts line numbers after comments. This module replaces it:
//! plain, `[host]:port`, wildcard and hashed (`|1|salt|hmac`) host fields all work,
//! and a conflict is reported with its file and line.

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use data_encoding::BASE64;
use russh::keys::ssh_key::{Algorithm, HashAlg, PublicKey};

/// What known_hosts says about a server's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// A matching entry holds exactly this key.
    Known,
    /// No entry for this host holds a key of this type.
    Unknown,
    /// An entry for this host holds a different key of the same type, or this
    /// key is marked `@revoked`.
    Changed {
        path: PathBuf,
        line: usize,
        revoked: bool,
    },
}

/// The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise.
pub(crate) fn lookup_name(host: &str, port: u16) -> String {
    if port == 22 {
        host.to_string()
    } else {
        format!("[{host}]:{port}")
    }
}

/// `SHA256:...` as `ssh-keygen -l` prints it.
pub(crate) fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

/// OpenSSH's glob: `*` matches any run, `?` one character.
pub(crate) fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

fn hmac_sha1(salt: &[u8], name: &str) -> Vec<u8> {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, salt);
    ring::hmac::sign(&key, name.as_bytes()).as_ref().to_vec()
}

/// Does the comma-separated host field of a known_hosts line match `name`?
/// A matching negated pattern (`!pat`) vetoes the whole line, as in OpenSSH.
fn hosts_match(field: &str, name: &str) -> bool {
    if let Some(hashed) = field.strip_prefix("|1|") {
        let Some((salt, hash)) = hashed.split_once('|') else {
            return false;
        };
        let (Ok(salt), Ok(hash)) = (
            BASE64.decode(salt.as_bytes()),
            BASE64.decode(hash.as_bytes()),
        ) else {
            return false;
        };
        return hmac_sha1(&salt, name) == hash;
    }
    let lower = name.to_ascii_lowercase();
    let mut matched = false;
    for pat in field.split(',') {
        if let Some(neg) = pat.strip_prefix('!') {
            if glob_match(&neg.to_ascii_lowercase(), &lower) {
                return false;
            }
        } else if glob_match(&pat.to_ascii_lowercase(), &lower) {
            matched = true;
        }
    }
    matched
}

/// One parsed, host-matching line.
struct Entry {
    line: usize,
    revoked: bool,
    key: PublicKey,
}

fn matching_entries(path: &Path, name: &str) -> Result<Vec<Entry>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let mut out = Vec::new();
    for (idx, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut fields = line.split_whitespace();
        let mut hosts = fields.next().unwrap_or_default();
        let mut revoked = false;
        if hosts.starts_with('@') {
            match hosts {
                "@revoked" => revoked = true,
                // A CA line vouches for certificates; plain host keys ignore it.
                _ => continue,
            }
            hosts = fields.next().unwrap_or_default();
        }
        let (Some(_keytype), Some(blob)) = (fields.next(), fields.next()) else {
            continue;
        };
        if !hosts_match(hosts, name) {
            continue;
        }
        // A line we cannot parse is skipped, as OpenSSH does (with a debug message).
        match russh::keys::parse_public_key_base64(blob) {
            Ok(key) => out.push(Entry {
                line: idx + 1,
                revoked,
                key,
            }),
            Err(e) => tracing::debug!("{}:{}: unreadable key: {e}", path.display(), idx + 1),
        }
    }
    Ok(out)
}

fn same_type(a: &Algorithm, b: &Algorithm) -> bool {
    // RSA keys are one type whatever signature hash is negotiated.
    matches!((a, b), (Algorithm::Rsa { .. }, Algorithm::Rsa { .. })) || a == b
}

/// Check `key`, presented by `host:port`, against the known_hosts file `path`.
pub(crate) fn check(
    path: &Path,
    host: &str,
    port: u16,
    key: &PublicKey,
) -> Result<Verdict, String> {
    let name = lookup_name(host, port);
    let entries = matching_entries(path, &name)?;
    if let Some(e) = entries
        .iter()
        .find(|e| e.revoked && e.key.key_data() == key.key_data())
    {
        return Ok(Verdict::Changed {
            path: path.to_path_buf(),
            line: e.line,
            revoked: true,
        });
    }
    let live = entries.iter().filter(|e| !e.revoked);
    let mut conflict = None;
    for e in live {
        if e.key.key_data() == key.key_data() {
            return Ok(Verdict::Known);
        }
        if conflict.is_none() && same_type(&e.key.algorithm(), &key.algorithm()) {
            conflict = Some(e.line);
        }
    }
    Ok(match conflict {
        Some(line) => Verdict::Changed {
            path: path.to_path_buf(),
            line,
            revoked: false,
        },
        None => Verdict::Unknown,
    })
}

/// Host key algorithms already recorded for this host, so the client can ask
/// the server for one of them first (OpenSSH orders HostKeyAlgorithms this way).
pub(crate) fn known_algorithms(path: &Path, host: &str, port: u16) -> Vec<Algorithm> {
    let mut algs: Vec<Algorithm> = Vec::new();
    for e in matching_entries(path, &lookup_name(host, port)).unwrap_or_default() {
        let a = e.key.algorithm();
        if !e.revoked && !algs.iter().any(|x| same_type(x, &a)) {
            algs.push(a);
        }
    }
    algs
}

/// Append `key` for `host:port` to `path`, creating the directory (0700) and the
/// file (0600) when needed. `hashed` writes a `|1|salt|hmac` host field, as
/// OpenSSH does with `HashKnownHosts yes`.
pub(crate) fn learn(
    path: &Path,
    host: &str,
    port: u16,
    key: &PublicKey,
    hashed: bool,
) -> Result<(), String> {
    let ctx = |e: std::io::Error| format!("cannot record host key in {}: {e}", path.display());
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(ctx)?;
    }
    let name = lookup_name(host, port);
    let host_field = if hashed {
        let mut salt = [0u8; 20];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut salt).map_err(
            |_| {
                format!(
                    "cannot record host key in {}: no randomness",
                    path.display()
                )
            },
        )?;
        format!(
            "|1|{}|{}",
            BASE64.encode(&salt),
            BASE64.encode(&hmac_sha1(&salt, &name))
        )
    } else {
        name
    };
    let openssh = key
        .to_openssh()
        .map_err(|e| format!("cannot encode host key: {e}"))?;
    // Only "type base64": the server's comment is not ours to record.
    let mut parts = openssh.split_whitespace();
    let (Some(kt), Some(blob)) = (parts.next(), parts.next()) else {
        return Err("cannot encode host key".to_string());
    };
    let existing = std::fs::read(path).unwrap_or_default();
    let lead = if existing.last().is_some_and(|&b| b != b'\n') {
        "\n"
    } else {
        ""
    };
    let mut f = OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .open(path)
        .map_err(ctx)?;
    // One write with O_APPEND, so concurrent writers do not interleave lines.
    f.write_all(format!("{lead}{host_field} {kt} {blob}\n").as_bytes())
        .map_err(ctx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("*.example.com", "a.example.com"));
        assert!(glob_match("10.0.0.?", "10.0.0.5"));
        assert!(!glob_match("10.0.0.?", "10.0.0.55"));
        assert!(glob_match("*", ""));
        assert!(!glob_match("a*b", "acbd"));
        assert!(glob_match("a*b*", "acbd"));
    }

    #[test]
    fn negation_vetoes_line() {
        assert!(hosts_match("*.lan,!bad.lan", "good.lan"));
        assert!(!hosts_match("*.lan,!bad.lan", "bad.lan"));
        assert!(hosts_match("[10.0.0.1]:2222", "[10.0.0.1]:2222"));
        assert!(!hosts_match("10.0.0.1", "[10.0.0.1]:2222"));
    }

    const KEY_A: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIJdD7y3aLq454yWBdwLWbieU1ebz9/cu7/QEXn9OIeZJ";
    const KEY_B: &str = "AAAAC3NzaC1lZDI1NTE5AAAAILIG2T/B0l0gaqj3puu510tu9N1OkQ4znY3LYuEm5zCF";

    fn key(b64: &str) -> PublicKey {
        russh::keys::parse_public_key_base64(b64).expect("test key")
    }

    #[test]
    fn learn_then_check_plain_and_hashed() {
        let dir = tempfile::tempdir().expect("tempdir");
        for hashed in [false, true] {
            let path = dir.path().join(format!("kh-{hashed}"));
            std::fs::write(&path, "# no newline at end").expect("write");
            learn(&path, "10.0.0.5", 2222, &key(KEY_A), hashed).expect("learn");
            let text = std::fs::read_to_string(&path).expect("read");
            let line = text.lines().nth(1).expect("second line");
            assert_eq!(line.starts_with("|1|"), hashed, "{line}");
            assert!(line.ends_with(&format!("ssh-ed25519 {KEY_A}")), "{line}");
            assert_eq!(
                check(&path, "10.0.0.5", 2222, &key(KEY_A)),
                Ok(Verdict::Known)
            );
            assert_eq!(
                check(&path, "10.0.0.5", 22, &key(KEY_A)),
                Ok(Verdict::Unknown)
            );
            assert_eq!(
                check(&path, "10.0.0.5", 2222, &key(KEY_B)),
                Ok(Verdict::Changed {
                    path: path.clone(),
                    line: 2,
                    revoked: false
                })
            );
        }
    }

    #[test]
    fn revoked_and_cert_authority_markers() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("kh");
        std::fs::write(
            &path,
            format!("@cert-authority * ssh-ed25519 {KEY_B}\n@revoked * ssh-ed25519 {KEY_A}\nhost\tssh-ed25519\t{KEY_A}\n"),
        )
        .expect("write");
        // A CA line is no host key: KEY_B is simply unknown for "host".
        assert_eq!(check(&path, "other", 22, &key(KEY_B)), Ok(Verdict::Unknown));
        assert_eq!(
            check(&path, "host", 22, &key(KEY_A)),
            Ok(Verdict::Changed {
                path: path.clone(),
                line: 2,
                revoked: true
            })
        );
    }

    #[test]
    fn hashed_field_from_openssh() {
        // `ssh-keygen -H` output for "example.com" (from russh's own test data).
        let f = "|1|O33ESRMWPVkMYIwJ1Uw+n877jTo=|nuuC5vEqXlEZ/8BXQR7m619W6Ak=";
        assert!(hosts_match(f, "example.com"));
        assert!(!hosts_match(f, "example.org"));
    }
}
