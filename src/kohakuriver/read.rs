//! A node's KohakuRiver unit and config file, turned into facts: what SHARED_DIR
//! and the tarball folder are, and every reason the file cannot be used, each
//! with its line. The bytes come from wherever (a remote `base64`, a local
//! file); nothing here runs anything.

use crate::facts::{ConfigProblem, Role, UnitFacts};

use super::python::{PyValue, parse_config};
use super::{ordered_after, requires_mounts_for, tarball_dir_variable};

/// A config file is read up to this many bytes: KohakuRiver configs are a few
/// hundred bytes, and anything bigger is not one.
pub const CONFIG_CAP: usize = 65_536;

/// The longest expression quoted back in a problem's message.
const RAW_SHOWN: usize = 80;

/// `kohakuriver-host` or `kohakuriver-runner`.
pub fn unit_name(role: Role) -> String {
    format!("kohakuriver-{}", role.as_str())
}

/// `host_config.py` or `runner_config.py`.
pub fn config_file_name(role: Role) -> String {
    format!("{}_config.py", role.as_str())
}

/// What `systemctl cat <unit>` printed, as facts.
pub fn unit_facts(role: Role, systemctl_cat: &str) -> UnitFacts {
    UnitFacts {
        name: unit_name(role),
        requires_mounts_for: requires_mounts_for(systemctl_cat),
        ordered_after: ordered_after(systemctl_cat),
    }
}

/// What one config file says, for a node of `role`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigRead {
    /// SHARED_DIR, when it is a plain absolute string in a file Python can load.
    pub shared_dir: Option<String>,
    /// CONTAINER_DIR (Host) or CONTAINER_TAR_DIR (Runner), when a non-empty plain string.
    pub tarball_dir: Option<String>,
    pub problems: Vec<ConfigProblem>,
}

/// Reads a config file's bytes (`truncated`: the file was longer than what was
/// read). A file Python would refuse (invalid UTF-8, an unterminated string, an
/// unclosed bracket) gives no values at all: KohakuRiver cannot load it either.
pub fn read_config(path: &str, bytes: &[u8], truncated: bool, role: Role) -> ConfigRead {
    let mut out = ConfigRead::default();
    if truncated {
        out.problems.push(ConfigProblem {
            line: None,
            message: format!(
                "{path} is larger than {} KiB, which no KohakuRiver config is; not read",
                CONFIG_CAP / 1024
            ),
        });
        return out;
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let good = &bytes[..e.valid_up_to()];
            let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
            let byte = bytes.get(e.valid_up_to()).copied().unwrap_or(0);
            out.problems.push(ConfigProblem {
                line: Some(line),
                message: format!(
                    "{path} is not valid UTF-8 (byte 0x{byte:02x}): Python refuses to load it"
                ),
            });
            return out;
        }
    };
    let parsed = parse_config(text);
    if !parsed.syntax.is_empty() {
        out.problems
            .extend(parsed.syntax.into_iter().map(|p| ConfigProblem {
                line: Some(p.line),
                message: format!("{path}: {}: Python refuses to load it", p.message),
            }));
        return out;
    }
    let var = tarball_dir_variable(role);
    for name in ["SHARED_DIR", var] {
        let Some(a) = parsed.assignments.get(name) else {
            continue;
        };
        match &a.value {
            PyValue::Str(value) if name == "SHARED_DIR" => {
                if value.starts_with('/') {
                    out.shared_dir = Some(value.clone());
                } else {
                    out.problems.push(ConfigProblem {
                        line: Some(a.line),
                        message: format!(
                            "SHARED_DIR in {path} is {value:?}, not an absolute path: it \
                             depends on the service's working folder"
                        ),
                    });
                }
            }
            PyValue::Str(value) => {
                // An empty string means "the default" to KohakuRiver.
                if !value.is_empty() {
                    out.tarball_dir = Some(value.clone());
                }
            }
            PyValue::Unknown(raw) => out.problems.push(ConfigProblem {
                line: Some(a.line),
                message: format!(
                    "{name} in {path} is not a plain string ({}); rivershare never executes \
                     config files, so it cannot tell its value",
                    shorten(raw)
                ),
            }),
        }
    }
    out
}

/// `raw` on one line, at most [`RAW_SHOWN`] characters.
fn shorten(raw: &str) -> String {
    let one_line: String = raw
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if one_line.chars().count() <= RAW_SHOWN {
        return one_line;
    }
    let cut: String = one_line.chars().take(RAW_SHOWN).collect();
    format!("{cut}...")
}
