//! A cache of `ssh -G` answers, kept on disk between runs. Each answer is one
//! `ssh` process (about 8 ms of CPU: 1.6 s for 200 nodes, all of it before
//! the first connection of a cold sweep). An answer is reused only while
//! everything it came from is unchanged: the `ssh` binary, every config file
//! ssh reads (its `Include`s followed, and the folders their globs look in),
//! the local user, home folder and host name. A config whose answers can change
//! with none of that changing is never cached: `Match` (exec, localnetwork,
//! ...), `CanonicalizeHostname` (DNS), and `${VAR}` references.
//!
//! The file (`$XDG_CACHE_HOME/rivershare/ssh-g.json`, else
//! `~/.cache/rivershare/ssh-g.json`) is only a cache: unreadable, stale or
//! malformed, it is ignored and rewritten. Answers older than a day are dropped.

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::fallback::split_line;
use super::known_hosts::glob_match;
use super::resolve::{home, local_user};

/// Answers older than this are asked again.
const MAX_AGE: Duration = Duration::from_secs(24 * 3600);
/// Include chains deeper than this are not followed (OpenSSH stops at 16).
const MAX_DEPTH: usize = 16;
const FILE_VERSION: u32 = 1;

pub(crate) type Pairs = Vec<(String, String)>;

#[derive(Serialize, Deserialize, Default)]
struct Stored {
    version: u32,
    /// What the answers came from (see [`fingerprint`]).
    inputs: String,
    /// Seconds since the epoch when the first answer was stored.
    since: u64,
    entries: HashMap<String, Pairs>,
}

/// The cache for one run: loaded once, asked per node, saved once.
pub(crate) struct SshGCache {
    file: PathBuf,
    /// `None`: this config cannot be cached (see the module docs).
    inputs: Option<String>,
    since: u64,
    entries: Mutex<HashMap<String, Pairs>>,
    added: AtomicUsize,
    hits: AtomicUsize,
}

/// Where the cache lives for this user, if anywhere.
pub(crate) fn default_file() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("rivershare").join("ssh-g.json"))
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl SshGCache {
    /// Load the cache at `file` for answers under `ssh_config` (`-F`, or the
    /// user's and the system's files when `None`).
    pub(crate) fn open(file: PathBuf, ssh_config: Option<&Path>) -> SshGCache {
        let inputs = fingerprint(ssh_config);
        let stored = inputs.as_ref().and_then(|want| {
            let text = std::fs::read(&file).ok()?;
            let s: Stored = serde_json::from_slice(&text).ok()?;
            let fresh = now().saturating_sub(s.since) < MAX_AGE.as_secs();
            (s.version == FILE_VERSION && &s.inputs == want && fresh).then_some(s)
        });
        if inputs.is_none() {
            tracing::debug!(
                "ssh -G answers are not cached: the ssh config uses Match, CanonicalizeHostname or ${{VAR}}"
            );
        }
        let (since, entries) =
            stored.map_or_else(|| (now(), HashMap::new()), |s| (s.since, s.entries));
        SshGCache {
            file,
            inputs,
            since,
            entries: Mutex::new(entries),
            added: AtomicUsize::new(0),
            hits: AtomicUsize::new(0),
        }
    }

    /// The key of one `ssh -G` call: its arguments.
    pub(crate) fn key(args: &[String]) -> String {
        args.join("\u{0}")
    }

    pub(crate) fn get(&self, key: &str) -> Option<Pairs> {
        self.inputs.as_ref()?;
        let found = self.entries.lock().ok()?.get(key).cloned();
        if found.is_some() {
            self.hits.fetch_add(1, Ordering::Relaxed);
        }
        found
    }

    pub(crate) fn put(&self, key: String, pairs: Pairs) {
        if self.inputs.is_none() {
            return;
        }
        if let Ok(mut e) = self.entries.lock() {
            e.insert(key, pairs);
            self.added.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Answers served from the cache so far.
    pub(crate) fn hits(&self) -> usize {
        self.hits.load(Ordering::Relaxed)
    }

    /// Write the cache when this run added answers: a temp file renamed over the
    /// old one, mode 0600. A failure is logged, never an error.
    pub(crate) fn save(&self) {
        let Some(inputs) = &self.inputs else { return };
        if self.added.load(Ordering::Relaxed) == 0 {
            return;
        }
        let Ok(entries) = self.entries.lock().map(|e| e.clone()) else {
            return;
        };
        let stored = Stored {
            version: FILE_VERSION,
            inputs: inputs.clone(),
            since: self.since,
            entries,
        };
        if let Err(e) = write_private(&self.file, &stored) {
            tracing::debug!("ssh -G cache {} not written: {e}", self.file.display());
        }
    }
}

fn write_private(file: &Path, stored: &Stored) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt;
    let dir = file.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".ssh-g.{}.tmp", std::process::id()));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)?;
    f.write_all(&serde_json::to_vec(stored).map_err(std::io::Error::other)?)?;
    f.sync_all()?;
    std::fs::rename(&tmp, file)
}

/// One line per input: what a file or folder is now (`path mtime_ns size ino`,
/// or `path -` when absent), the ssh binary, the user, home and host name.
/// `None` when the config cannot be cached.
pub(crate) fn fingerprint(ssh_config: Option<&Path>) -> Option<String> {
    let home = home();
    let mut out = vec![
        format!("user {}", local_user()),
        format!("home {}", home.display()),
        format!(
            "host {}",
            std::fs::read_to_string("/proc/sys/kernel/hostname")
                .unwrap_or_default()
                .trim()
        ),
    ];
    let ssh_bin = std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join("ssh"))
                .find(|p| p.is_file())
        })
        .unwrap_or_default();
    match ssh_bin {
        Some(bin) => out.push(format!("bin {}", state(&bin))),
        None => out.push("bin -".into()),
    }
    // (file, is it a user file: relative Includes are under ~/.ssh, else /etc/ssh)
    let mut work: Vec<(PathBuf, bool, usize)> = match ssh_config {
        Some(f) => vec![(f.to_path_buf(), true, 0)],
        None => vec![
            (home.join(".ssh/config"), true, 0),
            (PathBuf::from("/etc/ssh/ssh_config"), false, 0),
        ],
    };
    while let Some((file, user, depth)) = work.pop() {
        out.push(format!("file {}", state(&file)));
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        for line in text.lines() {
            if line.contains("${") && !line.trim_start().starts_with('#') {
                return None;
            }
            let Some((key, value)) = split_line(line) else {
                continue;
            };
            match key.as_str() {
                "match" => return None,
                "canonicalizehostname" if !value.eq_ignore_ascii_case("no") => return None,
                "include" if depth < MAX_DEPTH => {
                    for pattern in value.split_whitespace() {
                        let found =
                            include_files(pattern.trim_matches('"'), user, &home, &mut out)?;
                        work.extend(found.into_iter().rev().map(|f| (f, user, depth + 1)));
                    }
                }
                _ => {}
            }
        }
    }
    Some(out.join("\n"))
}

/// The files one `Include` pattern names now, and the state of the folder it
/// looks in (a file added there changes that folder). `None` for a pattern this
/// cache cannot follow (a glob in a folder name, brackets).
fn include_files(
    pattern: &str,
    user: bool,
    home: &Path,
    out: &mut Vec<String>,
) -> Option<Vec<PathBuf>> {
    let expanded = if let Some(rest) = pattern.strip_prefix("~/") {
        home.join(rest)
    } else if pattern.starts_with('/') {
        PathBuf::from(pattern)
    } else if user {
        home.join(".ssh").join(pattern)
    } else {
        Path::new("/etc/ssh").join(pattern)
    };
    let dir = expanded.parent()?.to_path_buf();
    let name = expanded.file_name()?.to_string_lossy().into_owned();
    if dir.to_string_lossy().contains(['*', '?', '[']) || name.contains('[') {
        return None;
    }
    out.push(format!("dir {}", state(&dir)));
    if !name.contains(['*', '?']) {
        return Some(vec![expanded]);
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter(|e| glob_match(&name, &e.file_name().to_string_lossy()))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    Some(found)
}

/// `path mtime_ns size ino`, or `path -` when it cannot be read.
fn state(path: &Path) -> String {
    match std::fs::metadata(path) {
        Ok(m) => format!(
            "{} {}.{} {} {}",
            path.display(),
            m.mtime(),
            m.mtime_nsec(),
            m.size(),
            m.ino()
        ),
        Err(_) => format!("{} -", path.display()),
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::super::resolve::{Query, Resolved, resolve};
    use super::*;

    async fn ask(config: &Path, cache: &SshGCache) -> Resolved {
        let q = Query {
            address: "node-a",
            user: None,
            port: None,
            identity_files: &[],
            ssh_config: Some(config),
            cache: Some(cache),
        };
        resolve(&q).await.expect("ssh -G answers")
    }

    #[tokio::test]
    async fn an_answer_is_reused_until_its_config_changes() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let config = tmp.path().join("ssh_config");
        let file = tmp.path().join("cache/ssh-g.json");
        std::fs::write(&config, "Host node-a\n  HostName 10.1.2.3\n  Port 2222\n").expect("config");
        let first = SshGCache::open(file.clone(), Some(&config));
        let asked = ask(&config, &first).await;
        assert_eq!((asked.hostname.as_str(), asked.port), ("10.1.2.3", 2222));
        assert_eq!(first.hits(), 0);
        first.save();
        let mode = std::fs::metadata(&file)
            .expect("saved")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);

        let second = SshGCache::open(file.clone(), Some(&config));
        assert_eq!(ask(&config, &second).await, asked);
        assert_eq!(second.hits(), 1, "the second run asked ssh again");

        // An edited config: asked again, and the new answer is the one used.
        std::fs::write(&config, "Host node-a\n  HostName 10.1.2.3\n  Port 22000\n").expect("edit");
        let third = SshGCache::open(file, Some(&config));
        assert_eq!(ask(&config, &third).await.port, 22000);
        assert_eq!(third.hits(), 0);
    }

    #[tokio::test]
    async fn a_file_added_where_an_include_looks_is_seen() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let conf_d = tmp.path().join("conf.d");
        std::fs::create_dir(&conf_d).expect("mkdir");
        let config = tmp.path().join("ssh_config");
        std::fs::write(
            &config,
            format!(
                "Include {}/*.conf\nHost node-a\n  HostName 10.1.2.3\n",
                conf_d.display()
            ),
        )
        .expect("config");
        let file = tmp.path().join("ssh-g.json");
        let first = SshGCache::open(file.clone(), Some(&config));
        assert_eq!(ask(&config, &first).await.port, 22);
        first.save();
        std::fs::write(conf_d.join("ports.conf"), "Host node-a\n  Port 2201\n").expect("add");
        let second = SshGCache::open(file, Some(&config));
        assert_eq!(ask(&config, &second).await.port, 2201);
        assert_eq!(second.hits(), 0);
    }

    #[test]
    fn configs_whose_answers_can_change_by_themselves_are_not_cached() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let config = tmp.path().join("ssh_config");
        for (text, cacheable) in [
            ("Host a\n  User x\n", true),
            ("Host a\n  CanonicalizeHostname no\n", true),
            ("Match exec \"true\"\n  User y\n", false),
            ("Host a\n  CanonicalizeHostname yes\n", false),
            ("Host a\n  IdentityFile ${HOME}/.ssh/k\n", false),
        ] {
            std::fs::write(&config, text).expect("config");
            assert_eq!(fingerprint(Some(&config)).is_some(), cacheable, "{text}");
        }
        // Not cacheable: nothing is kept, nothing is written.
        let file = tmp.path().join("ssh-g.json");
        let cache = SshGCache::open(file.clone(), Some(&config));
        cache.put("k".into(), vec![("port".into(), "1".into())]);
        assert_eq!(cache.get("k"), None);
        cache.save();
        assert!(!file.exists());
    }
}
