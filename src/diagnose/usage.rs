//! Findings over the disk-usage walk: `logs_growth`, `du_partial`, and the
//! usage breakdown in `low_space`'s hint.
//!
//! Everything added here carries a mark (`logs_growth` and `du_partial` by
//! their code, `low_space` by [`HINT_MARK`] and [`EVIDENCE_MARK`]), so that a
//! newer walk first takes out what an older one added: [`with_usage`] is
//! idempotent.

use humansize::{BINARY, format_size};

use super::hints::{Vars, split_source};
use super::{Code, Finding, group};
use crate::facts::NodeFacts;
use crate::usage::{UsageEntry, UsageReport};

/// `logs_growth` when `logs/` is strictly more than this percentage of the used space.
pub const LOGS_SHARE_PERCENT: u64 = 20;
/// `logs_growth` when `logs/` holds strictly more task folders than this.
pub const LOGS_TASK_FOLDERS: u64 = 10_000;
/// How many entries `low_space`'s breakdown names (the rest are summed).
const BREAKDOWN_TOP: usize = 5;

/// Starts the sentence the walk adds to a `low_space` hint.
const HINT_MARK: &str = " What fills the share (usage walk on ";
/// In the evidence line the walk adds to a `low_space`.
const EVIDENCE_MARK: &str = ": usage walk of ";

/// `findings` with what `usage` adds: `logs_growth` and `du_partial`, and the
/// breakdown of what fills the share in every `low_space`. Idempotent: what an
/// earlier call added (from an older walk) is replaced, never doubled.
///
/// A walk with an `error` (or no walking node) adds nothing: the report shows
/// the error, and a half-known share is no ground for findings. Only the
/// `low_space` of nodes on the walked storage get the breakdown (see
/// [`on_walked_storage`]).
pub fn with_usage(
    findings: Vec<Finding>,
    usage: &UsageReport,
    nodes: &[NodeFacts],
) -> Vec<Finding> {
    let findings = without_usage(findings, nodes);
    let Some(walker) = usage.node.as_deref().filter(|_| usage.error.is_none()) else {
        return findings;
    };
    let walker_facts = nodes.iter().find(|n| n.name == walker);
    let dir = usage
        .dir
        .clone()
        .or_else(|| walker_facts.map(|f| f.shared_dir.clone()))
        .unwrap_or_default();
    let vars = match walker_facts {
        Some(f) => Vars::for_node_in(f, nodes),
        None => Vars::default().with("node", walker),
    }
    .with("dir", &dir);

    let mut out: Vec<Finding> = Vec::with_capacity(findings.len() + 2);
    for finding in findings {
        if finding.code == Code::LowSpace {
            out.extend(low_space(finding, usage, walker, walker_facts, nodes, &dir));
        } else {
            out.push(finding);
        }
    }
    out.extend(logs_growth(usage, walker, &dir, &vars));
    out.extend(du_partial(usage, walker, &dir, &vars));
    group(out)
}

/// `findings` without anything an earlier [`with_usage`] added; a `low_space`
/// it split in two is one again, its nodes back in config order.
fn without_usage(findings: Vec<Finding>, nodes: &[NodeFacts]) -> Vec<Finding> {
    let mut stripped = false;
    let findings: Vec<Finding> = findings
        .into_iter()
        .filter(|f| !matches!(f.code, Code::LogsGrowth | Code::DuPartial))
        .map(|mut f| {
            if f.code == Code::LowSpace {
                if let Some(at) = f.hint.find(HINT_MARK) {
                    f.hint.truncate(at);
                    stripped = true;
                }
                f.evidence.retain(|e| !e.contains(EVIDENCE_MARK));
            }
            f
        })
        .collect();
    if !stripped {
        return findings;
    }
    // A split `low_space` merges back in `group`; only those (their node list
    // is new) are put back in config order.
    let before: Vec<Vec<String>> = findings
        .iter()
        .filter(|f| f.code == Code::LowSpace)
        .map(|f| f.nodes.clone())
        .collect();
    let order = |name: &str| nodes.iter().position(|n| n.name == name);
    let mut findings = group(findings);
    let merged = |f: &&mut Finding| f.code == Code::LowSpace && !before.contains(&f.nodes);
    for f in findings.iter_mut().filter(merged) {
        f.nodes.sort_by_key(|n| order(n));
        f.evidence
            .sort_by_key(|e| e.split_once(": ").and_then(|(n, _)| order(n)));
    }
    findings
}

/// True when `node`'s SHARED_DIR is on the storage `walker` walked: it is the
/// walker; or both have a network mount of the same source; or `node` mounts
/// the walker's own SHARED_DIR (or its mount point) from the walker (a Host
/// exporting its local disk, as the Shared Storage Guide's NFS setup does).
pub(crate) fn on_walked_storage(node: &NodeFacts, walker: &NodeFacts) -> bool {
    if node.name == walker.name {
        return true;
    }
    let mount_of = |n: &NodeFacts| n.probe.as_ref().and_then(|p| p.mount.clone());
    let Some(mine) = mount_of(node).filter(|m| m.network) else {
        return false;
    };
    let theirs = mount_of(walker);
    if let Some(theirs) = theirs.as_ref().filter(|m| m.network) {
        return !mine.source.is_empty() && mine.source == theirs.source;
    }
    let Some((server, export)) = split_source(&mine.fstype, &mine.source) else {
        return false;
    };
    let hostname = walker.probe.as_ref().and_then(|p| p.hostname.as_deref());
    let server_is_walker = server == walker.address || Some(server.as_str()) == hostname;
    let export = export.trim_end_matches('/');
    let exported = export == walker.shared_dir.trim_end_matches('/')
        || theirs.is_some_and(|m| export == m.target.trim_end_matches('/'));
    server_is_walker && exported
}

/// A `low_space` with the breakdown for its nodes on the walked storage; when
/// only some of its nodes are, it splits in two and the others keep it as it was.
fn low_space(
    finding: Finding,
    usage: &UsageReport,
    walker: &str,
    walker_facts: Option<&NodeFacts>,
    nodes: &[NodeFacts],
    dir: &str,
) -> Vec<Finding> {
    let shares = |name: &str| match (nodes.iter().find(|n| n.name == name), walker_facts) {
        (Some(node), Some(w)) => on_walked_storage(node, w),
        _ => name == walker,
    };
    let (on, off): (Vec<String>, Vec<String>) =
        finding.nodes.iter().cloned().partition(|n| shares(n));
    if on.is_empty() || usage.entries.is_empty() {
        return vec![finding];
    }
    let mut out = Vec::with_capacity(2);
    if !off.is_empty() {
        let mut rest = finding.clone();
        rest.evidence.retain(|e| evidence_of(e, &off));
        rest.nodes = off;
        out.push(rest);
    }
    let mut with = finding;
    with.evidence.retain(|e| evidence_of(e, &on));
    with.nodes = on;
    with.hint = format!("{}{}", with.hint.trim_end(), breakdown_hint(usage, walker));
    with.evidence.push(breakdown_evidence(usage, walker, dir));
    out.push(with);
    out
}

/// Whether an evidence line (`node: ...`, `a,b: ...`) is about one of `names`.
fn evidence_of(line: &str, names: &[String]) -> bool {
    match line.split_once(": ") {
        Some((who, _)) => who.split(',').any(|n| names.iter().any(|m| m == n)),
        None => true,
    }
}

/// The used space percentages are of: the filesystem's used bytes when the
/// walking node's `df` gave them, else what the walk counted.
fn used_bytes(usage: &UsageReport) -> u64 {
    usage.fs_used_bytes.unwrap_or_else(|| usage.counted_bytes())
}

fn size(bytes: u64) -> String {
    format_size(bytes, BINARY.decimal_places(1))
}

/// `34.2%`; `None` when there is nothing to divide by.
fn percent(part: u64, whole: u64) -> Option<String> {
    (whole > 0).then(|| format!("{:.1}%", part as f64 * 100.0 / whole as f64))
}

fn largest_first(usage: &UsageReport) -> Vec<&UsageEntry> {
    let mut entries: Vec<&UsageEntry> = usage.entries.iter().collect();
    entries.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.path.cmp(&b.path)));
    entries
}

/// What cleans an entry, in KohakuRiver terms.
fn how_to_clean(entry: &UsageEntry) -> String {
    match entry.path.as_str() {
        "kohakuriver-containers" => "superseded tarballs go with rivershare prune".to_owned(),
        "logs" => match entry.task_folders {
            Some(n) => format!("{n} task folders; old ones go with the find below (logs_growth)"),
            None => "old task logs go with the find below (logs_growth)".to_owned(),
        },
        "shared_data" => "the users' files in /shared: ask their owners".to_owned(),
        ".rivershare" => "rivershare's own verification folder".to_owned(),
        _ => "not a KohakuRiver folder".to_owned(),
    }
}

fn breakdown_hint(usage: &UsageReport, walker: &str) -> String {
    let used = used_bytes(usage);
    let entries = largest_first(usage);
    let mut parts: Vec<String> = entries
        .iter()
        .take(BREAKDOWN_TOP)
        .map(|e| {
            let at_least = if e.complete { "" } else { "at least " };
            let share = percent(e.bytes, used).map_or_else(String::new, |p| format!("{p}, "));
            format!(
                "{} {at_least}{} ({share}{})",
                e.path,
                size(e.bytes),
                how_to_clean(e)
            )
        })
        .collect();
    let rest = &entries[entries.len().min(BREAKDOWN_TOP)..];
    if !rest.is_empty() {
        let bytes: u64 = rest.iter().map(|e| e.bytes).sum();
        parts.push(format!("{} more, {}", rest.len(), size(bytes)));
    }
    format!(
        "{HINT_MARK}{walker}, {}; percentages of the used space): {}.",
        usage.started_at,
        parts.join(", ")
    )
}

fn breakdown_evidence(usage: &UsageReport, walker: &str, dir: &str) -> String {
    let used = used_bytes(usage);
    let parts: Vec<String> = largest_first(usage)
        .iter()
        .take(BREAKDOWN_TOP)
        .map(|e| {
            let share = percent(e.bytes, used).map_or_else(String::new, |p| format!(" ({p})"));
            let partial = if e.complete { "" } else { ", partial" };
            format!("{} {} bytes{share}{partial}", e.path, e.bytes)
        })
        .collect();
    format!("{walker}{EVIDENCE_MARK}{dir}: {}", parts.join(", "))
}

/// `logs_growth`: `logs/` is more than [`LOGS_SHARE_PERCENT`] of the used
/// space, or holds more than [`LOGS_TASK_FOLDERS`] task folders.
fn logs_growth(usage: &UsageReport, walker: &str, dir: &str, vars: &Vars) -> Option<Finding> {
    let logs = usage.entry("logs")?;
    let used = used_bytes(usage);
    // Integer arithmetic, so exactly 20% is not "more than 20%".
    let big = used > 0
        && u128::from(logs.bytes) * 100 > u128::from(used) * u128::from(LOGS_SHARE_PERCENT);
    let folders = logs.task_folders.unwrap_or(0);
    let many = folders > LOGS_TASK_FOLDERS;
    if !big && !many {
        return None;
    }
    let share = percent(logs.bytes, used).unwrap_or_else(|| "?".to_owned());
    let title = if big {
        format!("task logs take {share} of the used space in {dir}")
    } else {
        format!("{folders} task folders in {dir}/logs")
    };
    let of_what = if usage.fs_used_bytes.is_some() {
        "the filesystem's used space"
    } else {
        "what the walk counted"
    };
    let at_least = if logs.complete { "" } else { "at least " };
    let mut evidence = format!(
        "logs/ holds {at_least}{} bytes ({}), {share} of {of_what} ({})",
        logs.bytes,
        size(logs.bytes),
        size(used)
    );
    if let Some(n) = logs.task_folders {
        evidence.push_str(&format!("; {n} task folders"));
    }
    if let (Some(old), Some(new)) = (&logs.oldest_mtime, &logs.newest_mtime) {
        evidence.push_str(&format!(", modified from {old} to {new}"));
    }
    let mut finding = Finding::catalogued(Code::LogsGrowth, walker, title, vars);
    finding.evidence.push(format!("{walker}: {evidence}"));
    Some(finding)
}

/// `du_partial`: the entries not fully measured, each with its note.
fn du_partial(usage: &UsageReport, walker: &str, dir: &str, vars: &Vars) -> Option<Finding> {
    let partial: Vec<&UsageEntry> = usage.entries.iter().filter(|e| !e.complete).collect();
    if partial.is_empty() {
        return None;
    }
    let names: Vec<&str> = partial.iter().map(|e| e.path.as_str()).collect();
    let title = format!(
        "{} of {dir} not fully measured: {}",
        if partial.len() == 1 {
            "1 entry".to_owned()
        } else {
            format!("{} entries", partial.len())
        },
        names.join(", ")
    );
    let mut finding = Finding::catalogued(Code::DuPartial, walker, title, vars);
    for e in partial {
        finding.evidence.push(format!(
            "{walker}: {}: {} ({} bytes counted)",
            e.path,
            e.note.as_deref().unwrap_or("not fully measured"),
            e.bytes
        ));
    }
    Some(finding)
}

#[cfg(test)]
#[path = "usage_tests.rs"]
mod tests;
