//! Finding this machine's KohakuRiver config: the systemd unit's `--config` first,
//! then `~/.kohakuriver/{host,runner}_config.py`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{Lookup, SharedDirLookup, config_path_from_unit, parse_config, shared_dir_from};
use crate::facts::Role;

/// Config files larger than this are not KohakuRiver configs; do not slurp them.
const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// What this machine's KohakuRiver config says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalKohakuriver {
    /// `Host` if a host config was found, `Runner` if only a runner config was,
    /// `None` if neither.
    pub role: Option<Role>,
    /// The config file read (for the role above).
    pub config_path: Option<PathBuf>,
    /// SHARED_DIR in that file; `Absent` when no file was found.
    pub shared_dir: SharedDirLookup,
    /// Human-readable remarks on what was (not) found, for the "using config" line.
    pub notes: Vec<String>,
}

/// Something that prints a systemd unit like `systemctl cat <unit>`, or `None`
/// when there is no such unit (or no systemd).
pub trait UnitSource {
    fn cat(&self, unit: &str) -> Option<String>;
}

impl<F: Fn(&str) -> Option<String>> UnitSource for F {
    fn cat(&self, unit: &str) -> Option<String> {
        self(unit)
    }
}

/// The real `systemctl cat`, bounded by a timeout (a wedged systemd must not hang
/// start-up).
#[derive(Debug, Clone)]
pub struct Systemctl {
    pub program: PathBuf,
    pub timeout: Duration,
}

impl Default for Systemctl {
    fn default() -> Self {
        Systemctl {
            program: PathBuf::from("systemctl"),
            timeout: Duration::from_secs(2),
        }
    }
}

impl UnitSource for Systemctl {
    fn cat(&self, unit: &str) -> Option<String> {
        let mut child = match Command::new(&self.program)
            .args(["cat", "--no-pager", "--", unit])
            .env("SYSTEMD_COLORS", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
        {
            Ok(child) => child,
            Err(e) => {
                tracing::debug!("{} cat {unit}: cannot run: {e}", self.program.display());
                return None;
            }
        };
        let mut stdout = child.stdout.take()?;
        // Read on a thread so a chatty child cannot block on a full pipe while we wait.
        let reader = std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = (&mut stdout).take(MAX_CONFIG_BYTES).read_to_end(&mut buf);
            buf
        });
        let deadline = Instant::now() + self.timeout;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10))
                }
                other => {
                    tracing::warn!(
                        "{} cat {unit}: no answer within {:?} ({other:?}); ignoring it",
                        self.program.display(),
                        self.timeout
                    );
                    let _ = child.kill();
                    let _ = child.wait();
                    // The reader thread is left to finish on its own: a grandchild may
                    // still hold the pipe open, and joining would wait for it.
                    break None;
                }
            }
        };
        if !status?.success() {
            return None;
        }
        let out = reader.join().ok()?;
        Some(String::from_utf8_lossy(&out).into_owned())
    }
}

/// Discovery on this machine: the real `systemctl`, the current user's home, and
/// root's home (KohakuRiver's services run as root by default).
pub fn discover_local() -> LocalKohakuriver {
    let mut homes: Vec<PathBuf> = std::env::home_dir().into_iter().collect();
    let root = PathBuf::from("/root");
    if !homes.contains(&root) {
        homes.push(root);
    }
    discover_with(&homes, &Systemctl::default())
}

/// Discovery with the homes to search and the unit source given (for tests).
pub fn discover_with(homes: &[PathBuf], units: &dyn UnitSource) -> LocalKohakuriver {
    let mut notes = Vec::new();
    for role in [Role::Host, Role::Runner] {
        if let Some((path, text)) = find_config(role, homes, units, &mut notes) {
            let parsed = parse_config(&text);
            let line = parsed
                .assignments
                .get("SHARED_DIR")
                .map_or_else(String::new, |a| format!(" (line {})", a.line));
            let mut shared_dir = shared_dir_from(&text);
            if let Some(p) = parsed.syntax.first() {
                // KohakuRiver itself cannot load it: nothing in it counts.
                notes.push(format!(
                    "{} line {}: {}: Python cannot load this file, so rivershare ignores it",
                    path.display(),
                    p.line,
                    p.message
                ));
                shared_dir = Lookup::Absent;
            }
            match &shared_dir {
                Lookup::Found(dir) => notes.push(format!(
                    "SHARED_DIR {dir:?} read from {}{line}",
                    path.display()
                )),
                Lookup::Unknown(raw) => notes.push(format!(
                    "SHARED_DIR in {}{line} is not a plain string ({raw}); rivershare never \
                     executes config files, so it cannot tell its value",
                    path.display()
                )),
                Lookup::Absent if !parsed.syntax.is_empty() => {}
                Lookup::Absent => notes.push(format!(
                    "{} does not set SHARED_DIR; KohakuRiver's default applies",
                    path.display()
                )),
            }
            return LocalKohakuriver {
                role: Some(role),
                config_path: Some(path),
                shared_dir,
                notes,
            };
        }
    }
    notes.push("no KohakuRiver config found on this machine".to_string());
    LocalKohakuriver {
        role: None,
        config_path: None,
        shared_dir: Lookup::Absent,
        notes,
    }
}

/// The config file for `role`: the one its unit's `--config` names, else
/// `<home>/.kohakuriver/<role>_config.py` in the first home that has it.
fn find_config(
    role: Role,
    homes: &[PathBuf],
    units: &dyn UnitSource,
    notes: &mut Vec<String>,
) -> Option<(PathBuf, String)> {
    let unit = format!("kohakuriver-{}", role.as_str());
    if let Some(unit_text) = units.cat(&unit)
        && let Some(path) = config_path_from_unit(&unit_text)
    {
        match read_config(&path) {
            Ok(text) => return Some((path, text)),
            Err(e) => notes.push(format!(
                "unit {unit} passes --config {} but it cannot be read: {e}",
                path.display()
            )),
        }
    }
    let file = format!("{}_config.py", role.as_str());
    for home in homes {
        let path = home.join(".kohakuriver").join(&file);
        match read_config(&path) {
            Ok(text) => return Some((path, text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => notes.push(format!("cannot read {}: {e}", path.display())),
        }
    }
    None
}

fn read_config(path: &Path) -> std::io::Result<String> {
    let file = std::fs::File::open(path)?;
    let mut buf = Vec::new();
    file.take(MAX_CONFIG_BYTES).read_to_end(&mut buf)?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}
