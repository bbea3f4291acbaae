//! Each node's own KohakuRiver unit and config, read over the node's connection
//! (never executed): `systemctl cat kohakuriver-<role>` (bounded by `timeout -k`),
//! the config its `--config` names, else `~/.kohakuriver/<role>_config.py` of
//! the SSH user, else root's (KohakuRiver's services run as root). One round
//! trip reads the unit and both home files; a second one only when the unit
//! names a `--config` file. Files travel base64-encoded, so invalid UTF-8 is
//! seen as such, and are capped at [`CONFIG_CAP`] bytes.

use std::time::Duration;

use super::Fleet;
use crate::config::Node;
use crate::facts::{ConfigProblem, KohakuriverFacts, NodeFacts, Role, SharedDirSource};
use crate::framing;
use crate::kohakuriver::{
    CONFIG_CAP, config_file_name, config_path_from_unit, read_config, unit_facts, unit_name,
};
use crate::probe::parse::frame::{self, Status};
use crate::shell::sh_quote;
use crate::transport::Transport;

/// The reads' common limit (`timeout -k 1 S` around all of them): a wedged
/// systemd, or a config file on a hung home mount, must not hold the sweep.
const STEP_SECS: u64 = 2;
/// The whole script: the reads' limit plus the kill second, and one more.
const SCRIPT_SECS: u64 = STEP_SECS + 2;
/// base64 of [`CONFIG_CAP`] + 1 bytes with its line breaks fits in this.
const B64_CAP: usize = CONFIG_CAP * 4 / 3 + CONFIG_CAP / 32 + 64;
/// The unit text (unit file plus drop-ins) is capped here.
const UNIT_CAP: usize = 65_536;
/// Where systemd looks for a system unit, so `systemctl` (a costly process)
/// runs only on a node that has the unit.
const UNIT_DIRS: &[&str] = &[
    "/etc/systemd/system.control",
    "/run/systemd/system.control",
    "/run/systemd/transient",
    "/run/systemd/generator.early",
    "/etc/systemd/system",
    "/etc/systemd/system.attached",
    "/run/systemd/system",
    "/run/systemd/system.attached",
    "/run/systemd/generator",
    "/usr/local/lib/systemd/system",
    "/usr/lib/systemd/system",
    "/lib/systemd/system",
    "/run/systemd/generator.late",
];

/// `b64 FILE`: exit 3 when FILE does not exist, 4 when it cannot be read (the
/// error on stderr), else its first CONFIG_CAP+1 bytes in base64.
fn b64_function() -> String {
    format!(
        "b64() {{ [ -e \"$1\" ] || return 3; head -c 1 -- \"$1\" >/dev/null || return 4; \
         head -c {} -- \"$1\" | base64; }}\n",
        CONFIG_CAP + 1
    )
}

/// `sh -c "$B" b64 FILE` (run under `T`, so bounded), for the second round trip.
fn b64_program() -> String {
    format!(
        "B='[ -e \"$1\" ] || exit 3; head -c 1 -- \"$1\" >/dev/null || exit 4; \
         head -c {} -- \"$1\" | base64'\n",
        CONFIG_CAP + 1
    )
}

fn script_head() -> String {
    format!("S={STEP_SECS}\n{}{}", framing::prelude(2048), b64_program())
}

/// The first round trip's steps, for a script that has the framing's prelude:
/// the login folder (`homedir`), then in one inner shell under one `T` of
/// [`STEP_SECS`] the unit and both home configs (`unit`, `home`, `root`),
/// looking for the unit file in `unit_dirs`. A timeout names the read it cut;
/// the later ones time out with it. (A probe carries the reads in its share
/// group instead: [`carried`].)
fn discovery_steps_in(role: Role, unit_dirs: &[&str]) -> String {
    format!("{HOMEDIR}{}", reads_alone(role, unit_dirs))
}

/// The login folder, where `~/.kohakuriver` is.
const HOMEDIR: &str = "step homedir 4096 printf '%s\\n' \"$HOME\"\n";

/// The reads (`unit`, `home`, `root`) as steps of an inner shell that has the
/// framing's functions, `W`, `P` and `HM` (the login folder) set.
fn reads(role: Role, unit_dirs: &[&str]) -> String {
    let dirs: Vec<String> = unit_dirs.iter().map(|d| sh_quote(d)).collect();
    let file = sh_quote(&config_file_name(role));
    format!(
        "{b64}\
         unit_present() {{ for d in {dirs}; do [ -e \"$d/$1\" ] || [ -L \"$d/$1\" ] && return 0; done; return 1; }}\n\
         if unit_present {unit_file}; then step unit {UNIT_CAP} systemctl cat --no-pager -- {unit}; \
         else printf '@@rivershare unit skip no-unit-file\\n'; fi\n\
         step home {B64_CAP} b64 \"$HM/.kohakuriver/\"{file}\n\
         [ \"$HM\" = /root ] || step root {B64_CAP} b64 /root/.kohakuriver/{file}\n",
        dirs = dirs.join(" "),
        b64 = b64_function(),
        unit_file = sh_quote(&format!("{}.service", unit_name(role))),
        unit = sh_quote(&unit_name(role)),
    )
}

/// The outer script's report of a timeout that cut the reads: the read it was
/// in, and the later ones, time out. Root's own file is the home one when the
/// SSH user is root: never read twice, never reported twice.
const READS_CUT: &str = "case $HOME in /root) group_cut timeout unit home ;; \
                         *) group_cut timeout unit home root ;; esac\n";

/// The reads in an inner shell of their own, under one `T` of [`STEP_SECS`].
fn reads_alone(role: Role, unit_dirs: &[&str]) -> String {
    let inner = format!(
        "HM=$1; W=$2; P=\n[ -z \"$W\" ] || P=${{W}}p\n{}{}",
        framing::functions(2048),
        reads(role, unit_dirs)
    );
    format!(
        r#"K={inner}
SP=$S; S={STEP_SECS}
[ -z "$W" ] || : >"${{W}}p"
T sh -c "$K" rivershare-kohakuriver "$HOME" "$W"; rc=$?
S=$SP
case $rc in 124|137) {READS_CUT}esac
"#,
        inner = sh_quote(&inner),
    )
}

/// What a probe carries of the discovery (see [`crate::probe::script::Carried`]):
/// the reads at the end of its share group, which then costs no shell and no
/// `timeout` of its own; the reads alone, when the group was cut before them.
pub(crate) fn carried(role: Role) -> crate::probe::script::Carried {
    crate::probe::script::Carried {
        in_group: reads(role, UNIT_DIRS),
        read_steps: &["unit", "home", "root"],
        cut_in_reads: READS_CUT,
        after: format!(
            "{HOMEDIR}if [ \"$KR\" = 1 ]; then\n{}fi\n",
            reads_alone(role, UNIT_DIRS)
        ),
    }
}

/// The first round trip on its own: [`discovery_steps_in`] in a script.
pub(crate) fn discovery_script(role: Role) -> String {
    discovery_script_in(role, UNIT_DIRS)
}

/// [`discovery_script`], looking for the unit file in `unit_dirs`.
fn discovery_script_in(role: Role, unit_dirs: &[&str]) -> String {
    let mut s = script_head();
    s.push_str(&discovery_steps_in(role, unit_dirs));
    s.push_str("printf '@@rivershare end\\n'\n");
    s
}

/// The second round trip: the file the unit's `--config` names.
pub(crate) fn file_script(path: &str) -> String {
    let mut s = script_head();
    s.push_str(&format!(
        "step file {B64_CAP} T sh -c \"$B\" b64 {}\n",
        sh_quote(path)
    ));
    s.push_str("printf '@@rivershare end\\n'\n");
    s
}

/// What one `b64` section says about its file.
#[derive(Debug, PartialEq, Eq)]
enum FileRead {
    Absent,
    Unreadable(String),
    /// The bytes read, and whether the file was longer than the cap.
    Read(Vec<u8>, bool),
}

fn file_read(f: &frame::Frame, name: &str, path: &str) -> FileRead {
    let Some(section) = f.section(name) else {
        return FileRead::Absent;
    };
    match &section.status {
        Status::Ok => {
            let b64: String = section.out.iter().map(|l| l.trim()).collect();
            match data_encoding::BASE64.decode(b64.as_bytes()) {
                Ok(mut bytes) => {
                    let truncated = bytes.len() > CONFIG_CAP;
                    bytes.truncate(CONFIG_CAP);
                    FileRead::Read(bytes, truncated)
                }
                Err(e) => FileRead::Unreadable(format!("cannot read {path}: bad base64: {e}")),
            }
        }
        Status::Err(Some(3)) => FileRead::Absent,
        // Within STEP_SECS when read alone; within what the share's steps left of
        // the step timeout when carried by the probe.
        Status::Timeout => FileRead::Unreadable(format!(
            "cannot read {path}: no answer within the reads' time limit (a hung mount?)"
        )),
        other => {
            let why = section.stderr_message();
            let why = if why.is_empty() {
                other.to_string()
            } else {
                why
            };
            FileRead::Unreadable(format!("cannot read {path}: {why}"))
        }
    }
}

/// The facts when the reads themselves failed (`why`: the transport's error).
pub(crate) fn not_read(why: String) -> KohakuriverFacts {
    KohakuriverFacts {
        problems: vec![ConfigProblem {
            line: None,
            message: why,
        }],
        ..KohakuriverFacts::default()
    }
}

/// The SSH user's login folder, as the node's shell saw `$HOME`.
fn home_dir(f: &frame::Frame) -> Option<&str> {
    let s = f.section("homedir")?;
    (s.status == Status::Ok).then(|| s.out.first().map(String::as_str))?
}

/// The unit's text, when systemd printed one.
fn unit_text(f: &frame::Frame) -> Option<String> {
    let s = f.section("unit")?;
    (s.status == Status::Ok && !s.out.is_empty()).then(|| s.stdout())
}

impl Fleet {
    /// What `node`'s own KohakuRiver unit and config say. Failures are problems in
    /// the facts, never errors.
    pub(crate) async fn kohakuriver_facts(
        &self,
        node: &Node,
        transport: &dyn Transport,
    ) -> KohakuriverFacts {
        let limit = Duration::from_secs(SCRIPT_SECS).min(self.config.command_timeout);
        match self
            .run_with(
                node,
                transport,
                &discovery_script(node.role),
                limit,
                "KohakuRiver discovery",
            )
            .await
        {
            Ok(out) => {
                self.kohakuriver_from(node, transport, &frame::split(&out.stdout))
                    .await
            }
            Err(e) => not_read(e.detail),
        }
    }

    /// What the discovery's sections in `f` say (the discovery script's output,
    /// or a probe's that [`carried`] the reads), plus the second round trip
    /// when the unit names a `--config` file. Failures are problems in the facts.
    pub(crate) async fn kohakuriver_from(
        &self,
        node: &Node,
        transport: &dyn Transport,
        f: &frame::Frame,
    ) -> KohakuriverFacts {
        let limit = Duration::from_secs(SCRIPT_SECS).min(self.config.command_timeout);
        let mut facts = KohakuriverFacts::default();
        let problem = |message: String| ConfigProblem {
            line: None,
            message,
        };
        let file = config_file_name(node.role);
        let mut candidates: Vec<(String, FileRead)> = Vec::new();
        if let Some(text) = unit_text(f) {
            let unit = unit_facts(node.role, &text);
            if let Some(path) = config_path_from_unit(&text) {
                let path = path.display().to_string();
                let read = match self
                    .run_with(
                        node,
                        transport,
                        &file_script(&path),
                        limit,
                        "KohakuRiver config read",
                    )
                    .await
                {
                    Ok(out) => file_read(&frame::split(&out.stdout), "file", &path),
                    Err(e) => FileRead::Unreadable(format!("cannot read {path}: {}", e.detail)),
                };
                if read == FileRead::Absent {
                    facts.problems.push(problem(format!(
                        "{} passes --config {path}, which does not exist",
                        unit.name
                    )));
                }
                candidates.push((path, read));
            }
            facts.unit = Some(unit);
        }
        let home = match home_dir(f) {
            Some(h) if h.starts_with('/') => {
                format!("{}/.kohakuriver/{file}", h.trim_end_matches('/'))
            }
            _ => format!("~/.kohakuriver/{file}"),
        };
        let root = format!("/root/.kohakuriver/{file}");
        let home_read = file_read(f, "home", &home);
        let root_read = file_read(f, "root", &root);
        candidates.push((home, home_read));
        candidates.push((root, root_read));
        for (path, read) in candidates {
            match read {
                FileRead::Absent => continue,
                FileRead::Unreadable(why) => {
                    facts.problems.push(problem(why));
                    continue;
                }
                FileRead::Read(bytes, truncated) => {
                    let read = read_config(&path, &bytes, truncated, node.role);
                    facts.config_path = Some(path);
                    facts.shared_dir = read.shared_dir;
                    facts.tarball_dir = read.tarball_dir;
                    facts.problems.extend(read.problems);
                    break;
                }
            }
        }
        facts
    }
}

/// `node` with the SHARED_DIR its facts resolved (a node whose rivershare config
/// named none takes the one its own KohakuRiver config gives).
pub(crate) fn resolved(node: &Node, facts: Option<&NodeFacts>) -> Node {
    let mut node = node.clone();
    if let Some(f) = facts.filter(|f| f.name == node.name)
        && f.shared_dir_source == SharedDirSource::Kohakuriver
    {
        node.shared_dir = f.shared_dir.clone();
        node.shared_dir_source = f.shared_dir_source;
    }
    node
}

/// Applies discovery to a node whose SHARED_DIR came from nowhere: a found
/// absolute SHARED_DIR becomes its own.
pub(crate) fn adopt(node: &mut Node, k: &KohakuriverFacts) {
    if node.shared_dir_source != SharedDirSource::Default {
        return;
    }
    if let Some(dir) = k.shared_dir.as_ref().filter(|d| d.starts_with('/')) {
        node.shared_dir = dir.clone();
        node.shared_dir_source = SharedDirSource::Kohakuriver;
    }
}

/// The tarball folder to list on `node`: the `CONTAINER_DIR` (Host) or
/// `CONTAINER_TAR_DIR` (Runner) its own KohakuRiver config sets, else
/// `SHARED_DIR/kohakuriver-containers`. The second value says where a configured
/// folder came from.
pub(crate) fn tarball_dir(node: &Node, facts: &[NodeFacts]) -> (String, Option<String>) {
    let k = facts
        .iter()
        .find(|f| f.name == node.name)
        .and_then(|f| f.kohakuriver.as_ref());
    match k.and_then(|k| k.tarball_dir.clone().map(|d| (d, k.config_path.clone()))) {
        Some((dir, from)) => {
            let var = crate::kohakuriver::tarball_dir_variable(node.role);
            let from = from.unwrap_or_else(|| "its KohakuRiver config".to_owned());
            (dir, Some(format!("{var} from {from}")))
        }
        None => (
            crate::kohakuriver::default_tarball_dir(&node.shared_dir),
            None,
        ),
    }
}

#[cfg(test)]
#[path = "kohakuriver_tests.rs"]
mod tests;
