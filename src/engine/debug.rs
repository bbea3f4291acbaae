//! The read-only debug commands of a finding, from its hint catalogue entry
//! (`findmnt`, `mount | grep`, `showmount -e SERVER`, `nc -z`, `ls -la`, `df -h`,
//! `stat`, ...), rendered with each node's own values and run on the nodes the
//! finding names, each under `timeout -k`, `findmnt` first. Nothing here ever
//! changes a node: every template passes the catalogue's read-only allow-list,
//! and commands that would (`umount`, `mount`, `chmod`) are only shown, in the
//! finding's own `commands`.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::diagnose::hints::{self, Vars};
use crate::diagnose::{Code, Finding};
use crate::facts::{AccessErrorKind, NodeErrorKind, NodeFacts};
use crate::probe::parse::frame::{self, Status};
use crate::shell::sh_quote;
use crate::sweep::{Fleet, fan_out};
use crate::tarballs::TarballInventory;

/// The commands to run on one node for one finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DebugTarget {
    pub node: String,
    /// Shell text shown to the operator and run on the node, in order. Built
    /// only from catalogue templates that pass the read-only allow-list; every
    /// value is quoted as one shell word (`sh_word`).
    pub commands: Vec<String>,
}

/// What one debug command printed on one node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DebugOutput {
    pub node: String,
    pub command: String,
    /// stdout then stderr, lossy UTF-8, capped.
    pub output: String,
    /// The command's exit status; `None` when it did not finish.
    pub exit_status: Option<i32>,
    /// It hit its timeout (the storage is probably hung).
    pub timed_out: bool,
}

/// The most of one command's stdout kept, in bytes.
pub const OUTPUT_CAP: usize = 16 * 1024;
/// The most of one command's stderr kept, in bytes.
pub const ERROR_CAP: usize = 4 * 1024;

/// Always first, on every node: the mount table, which is safe to read even
/// when the storage hangs.
const MOUNT_TABLE: [&str; 2] = ["findmnt -T {dir}", "mount | grep -F -- {dir}"];

/// The read-only debug commands for `finding`, one target per affected node
/// that can run them (reachable, probed). Pure.
pub fn targets(finding: &Finding, facts: &[NodeFacts]) -> Vec<DebugTarget> {
    targets_with(finding, facts, None)
}

/// [`targets`], with the tarball inventory the finding came from (when there is
/// one): a tarball finding also lists the tarball folder as each node sees it.
/// Without it, the folder is the node's own (`SHARED_DIR/kohakuriver-containers`
/// unless its KohakuRiver config says otherwise).
///
/// Each node gets the catalogue entry's debug templates filled with its own
/// values ([`Vars::for_node_in`]), after the mount table (`findmnt` first).
/// Only templates that pass the read-only allow-list and run on the node (not
/// those that reach it from outside, such as `ping {addr}`) are kept, and a
/// node whose storage hangs or is stale gets only the mount table.
pub fn targets_with(
    finding: &Finding,
    facts: &[NodeFacts],
    tarballs: Option<&TarballInventory>,
) -> Vec<DebugTarget> {
    let templates = node_templates(finding.code);
    let mut out: Vec<DebugTarget> = Vec::new();
    for name in &finding.nodes {
        if out.iter().any(|t| &t.node == name) {
            continue;
        }
        let Some(node) = facts.iter().find(|f| &f.name == name) else {
            continue;
        };
        if !can_run(node) {
            continue;
        }
        let vars =
            Vars::for_node_in(node, facts).with("tarball_dir", &tarball_dir(node, facts, tarballs));
        // On a dead hard mount, df, ls and stat hang (and showmount asks the
        // server that is gone): only the mount table is safe to read.
        let hung = hung(node, finding);
        let mut commands: Vec<String> = Vec::new();
        for template in &templates {
            if hung && !MOUNT_TABLE.contains(template) {
                continue;
            }
            if let Some(command) = vars.fill_command(template, false)
                && !commands.contains(&command)
            {
                commands.push(command);
            }
        }
        out.push(DebugTarget {
            node: name.clone(),
            commands,
        });
    }
    out
}

/// The templates run on a node for `code`: the mount table, the entry's
/// read-only node-side debug templates, and for a tarball finding the folder.
fn node_templates(code: Code) -> Vec<&'static str> {
    let mut templates: Vec<&'static str> = MOUNT_TABLE.to_vec();
    if let Some(entry) = hints::entry(code) {
        templates.extend(
            entry
                .debug
                .iter()
                .copied()
                .filter(|t| hints::runs_on_node(t) && hints::is_read_only(t)),
        );
    }
    if code.as_str().starts_with("tarball_") {
        templates.push("ls -la {tarball_dir}");
    }
    templates
}

/// The node answered and a script can run on it: connected, even when its probe
/// timed out or printed nonsense.
fn can_run(node: &NodeFacts) -> bool {
    node.reachable
        && node.error.as_ref().is_none_or(|e| {
            matches!(
                e.kind,
                NodeErrorKind::CommandTimeout | NodeErrorKind::Transport | NodeErrorKind::Probe
            )
        })
}

/// The node's storage is hung or its handle is stale, by its probe or the finding.
fn hung(node: &NodeFacts, finding: &Finding) -> bool {
    if matches!(finding.code, Code::StorageHung | Code::StaleHandle) {
        return true;
    }
    if node
        .error
        .as_ref()
        .is_some_and(|e| e.kind == NodeErrorKind::CommandTimeout)
    {
        return true;
    }
    node.probe.as_ref().is_some_and(|p| {
        !p.hung_steps.is_empty()
            || p.access
                .as_ref()
                .and_then(|a| a.error.as_ref())
                .is_some_and(|e| {
                    matches!(e.kind, AccessErrorKind::Hung | AccessErrorKind::StaleHandle)
                })
    })
}

/// The tarball folder as `node` sees it: the inventory's folder on the node it
/// was listed on, the same place below SHARED_DIR elsewhere.
fn tarball_dir(node: &NodeFacts, facts: &[NodeFacts], inv: Option<&TarballInventory>) -> String {
    let listed = inv.and_then(|i| Some((i.node.as_deref()?, i.dir.as_deref()?)));
    if let Some((lister, dir)) = listed
        && lister == node.name
    {
        return dir.to_owned();
    }
    let listed = listed.and_then(|(lister, dir)| {
        let lister = facts.iter().find(|f| f.name == lister)?;
        Some((lister.shared_dir.as_str(), dir))
    });
    crate::kohakuriver::tarball_dir_seen_by(&node.shared_dir, node.kohakuriver.as_ref(), listed)
}

/// One script for `commands`: the shared prelude, then a section `cN` per
/// command, each under `timeout -k 1 S`, its output capped.
pub fn script(commands: &[String], step: Duration) -> String {
    let mut s = format!(
        "S={}\numask 077\n{}",
        step.as_secs().max(1),
        crate::framing::prelude(ERROR_CAP)
    );
    for (i, command) in commands.iter().enumerate() {
        // The command text is data for `sh -c`, quoted once more here.
        s.push_str(&format!(
            "step c{i} {OUTPUT_CAP} T sh -c {}\n",
            sh_quote(command)
        ));
    }
    s.push_str("printf '@@rivershare end\\n'\n");
    s
}

/// Run each target's commands on its node, nodes in parallel, and tell
/// `on_output` about every command (in order per node) as its node finishes.
/// A node that cannot run them gives one output per command saying why.
pub async fn run_debug(
    fleet: &Fleet,
    targets: &[DebugTarget],
    on_output: &(dyn Fn(DebugOutput) + Sync),
) {
    // Indices, not borrowed items, so the future stays `Send` (see `Fleet::verify`).
    fan_out(0..targets.len(), fleet.config().concurrency, |i| {
        run_target(fleet, &targets[i], on_output)
    })
    .await;
}

async fn run_target(fleet: &Fleet, target: &DebugTarget, on_output: &(dyn Fn(DebugOutput) + Sync)) {
    let each = |command: &String, output: String, exit_status, timed_out| {
        on_output(DebugOutput {
            node: target.node.clone(),
            command: command.clone(),
            output,
            exit_status,
            timed_out,
        });
    };
    let Some(node) = fleet.config().nodes.iter().find(|n| n.name == target.node) else {
        for c in &target.commands {
            each(
                c,
                format!("node {}: not in the config", target.node),
                None,
                false,
            );
        }
        return;
    };
    if target.commands.is_empty() {
        return;
    }
    let step = fleet.step_timeout().max(Duration::from_secs(1));
    let count = u32::try_from(target.commands.len()).unwrap_or(u32::MAX);
    // Each command may use its step and the kill second; the prelude needs a moment.
    let limit = (step + Duration::from_secs(1)) * count + Duration::from_secs(2);
    let text = script(&target.commands, step);
    let out = match fleet.run_on(node, &text, limit, "debug commands").await {
        Ok(out) => out,
        Err(e) => {
            let timed_out = e.kind == NodeErrorKind::CommandTimeout;
            for c in &target.commands {
                each(c, e.to_string(), None, timed_out);
            }
            return;
        }
    };
    let parsed = frame::split(&out.stdout);
    for (i, command) in target.commands.iter().enumerate() {
        let Some(section) = parsed.section(&format!("c{i}")) else {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let why = stderr.lines().next().unwrap_or("the script stopped early");
            each(
                command,
                format!("node {}: no output for this command: {why}", target.node),
                None,
                false,
            );
            continue;
        };
        let mut text = section.out.join("\n");
        if !section.err.is_empty() {
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(&section.err.join("\n"));
        }
        let (exit_status, timed_out) = match &section.status {
            Status::Ok => (Some(0), false),
            Status::Err(code) => (*code, false),
            Status::Timeout => (None, true),
            Status::Skip(_) => (None, false),
        };
        each(command, text, exit_status, timed_out);
    }
}

#[cfg(test)]
mod tests;
