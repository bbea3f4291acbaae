//! Findings from the container tarball inventory: `tarball_name_case`,
//! `tarball_not_visible`, `tarball_superseded`, `tarball_in_progress` and
//! `tarball_unrecognized`.

use std::collections::BTreeMap;

use super::hints::{Vars, entry};
use super::{Code, Finding};
use crate::facts::NodeFacts;
use crate::tarballs::{TarballInventory, TarballStatus};

/// The node findings about the folder itself are attached to: the one it was
/// listed on.
fn lister(inventory: &TarballInventory) -> &str {
    inventory.node.as_deref().unwrap_or("-")
}

/// The values of `node` (when it is one of `nodes`) with the tarball folder as
/// it sees it.
fn vars_for(nodes: &[NodeFacts], node: &str, tarball_dir: &str) -> Vars {
    nodes
        .iter()
        .find(|n| n.name == node)
        .map_or_else(Vars::default, |n| Vars::for_node_in(n, nodes))
        .with("node", node)
        .with("tarball_dir", tarball_dir.trim_end_matches('/'))
}

fn fix_templates(code: Code) -> &'static [&'static str] {
    entry(code).map_or(&[], |e| e.fix_commands)
}

pub(super) fn findings(nodes: &[NodeFacts], inventory: &TarballInventory) -> Vec<Finding> {
    let mut out = Vec::new();
    if inventory.error.is_some() {
        return out;
    }
    let dir = inventory.dir.as_deref().unwrap_or("kohakuriver-containers");
    let vars = vars_for(nodes, lister(inventory), dir);
    out.extend(name_case(inventory, &vars));
    out.extend(not_visible(nodes, inventory, dir));
    out.extend(superseded(inventory, dir, &vars));
    out.extend(in_progress(inventory, &vars));
    out.extend(unrecognized(inventory, dir, &vars));
    out
}

fn name_case(inventory: &TarballInventory, vars: &Vars) -> Vec<Finding> {
    let mut by_name: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for entry in &inventory.entries {
        if let Some(name) = entry.name.as_deref()
            && name.chars().any(char::is_uppercase)
        {
            by_name.entry(name).or_default().push(entry.file.as_str());
        }
    }
    by_name
        .into_iter()
        .map(|(name, files)| {
            let lower = name.to_lowercase();
            let vars = vars.clone().with("name", name);
            let mut finding = Finding::catalogued(
                Code::TarballNameCase,
                lister(inventory),
                format!("tarball name {name} has upper-case letters"),
                &vars,
            )
            .refine(format!(
                "Runners look this environment up by its lower-cased name ({lower})."
            ));
            finding.commands = files
                .iter()
                .filter_map(|file| {
                    // A lossy (non-UTF-8) file name may not start with the name as shown.
                    let renamed = format!("{lower}{}", file.strip_prefix(name)?);
                    Some(
                        vars.clone()
                            .with("file", file)
                            .with("lower_file", &renamed)
                            .commands(fix_templates(Code::TarballNameCase)),
                    )
                })
                .flatten()
                .collect();
            finding.with_evidence(files.join(", "))
        })
        .collect()
}

/// The tarball folder as a Runner sees it: the same place below its own SHARED_DIR.
fn runner_dir(
    nodes: &[NodeFacts],
    inventory: &TarballInventory,
    dir: &str,
    runner: &str,
) -> String {
    let lister = nodes
        .iter()
        .find(|n| Some(n.name.as_str()) == inventory.node.as_deref());
    let runner = nodes.iter().find(|n| n.name == runner);
    match (lister, runner) {
        (Some(lister), Some(runner)) => {
            match dir.strip_prefix(lister.shared_dir.trim_end_matches('/')) {
                Some(below) if below.is_empty() || below.starts_with('/') => {
                    format!("{}{below}", runner.shared_dir.trim_end_matches('/'))
                }
                _ => dir.to_owned(),
            }
        }
        _ => dir.to_owned(),
    }
}

fn not_visible(nodes: &[NodeFacts], inventory: &TarballInventory, dir: &str) -> Vec<Finding> {
    let mut by_runner: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for v in &inventory.visibility {
        let Some(problem) = v.problem() else {
            continue;
        };
        by_runner
            .entry(v.runner.as_str())
            .or_default()
            .push(format!("{}: {problem}", v.file));
    }
    by_runner
        .into_iter()
        .map(|(runner, problems)| {
            let here = runner_dir(nodes, inventory, dir, runner);
            let mut finding = Finding::catalogued(
                Code::TarballNotVisible,
                runner,
                format!(
                    "cannot see the latest tarball{} {} has",
                    if problems.len() == 1 { "" } else { "s" },
                    lister(inventory)
                ),
                &vars_for(nodes, runner, &here),
            );
            for problem in problems {
                finding = finding.with_evidence(problem);
            }
            finding
        })
        .collect()
}

fn superseded(inventory: &TarballInventory, dir: &str, vars: &Vars) -> Vec<Finding> {
    let mut by_name: BTreeMap<&str, (u32, u64)> = BTreeMap::new();
    for entry in &inventory.entries {
        if entry.status == TarballStatus::Superseded
            && let Some(name) = entry.name.as_deref()
        {
            let slot = by_name.entry(name).or_default();
            slot.0 += 1;
            slot.1 += entry.size_bytes;
        }
    }
    by_name
        .into_iter()
        .map(|(name, (count, bytes))| {
            let reclaimable = inventory
                .summary
                .iter()
                .find(|s| s.name == name)
                .map_or(bytes, |s| s.reclaimable_bytes);
            Finding::catalogued(
                Code::TarballSuperseded,
                lister(inventory),
                format!(
                    "{name}: {count} older version{} in {dir}, {} reclaimable",
                    if count == 1 { "" } else { "s" },
                    size(reclaimable)
                ),
                &vars.clone().with("name", name),
            )
        })
        .collect()
}

fn in_progress(inventory: &TarballInventory, vars: &Vars) -> Vec<Finding> {
    inventory
        .entries
        .iter()
        .filter(|e| e.status == TarballStatus::InProgress)
        .map(|entry| {
            let last_good = inventory
                .entries
                .iter()
                .find(|e| e.status == TarballStatus::LastGood && e.name == entry.name);
            let kept = last_good.map_or_else(
                || {
                    "There is no older complete version: until it is finished, Runners have none."
                        .to_owned()
                },
                |e| format!("The previous version, {}, is kept as last_good.", e.file),
            );
            let mut vars = vars.clone().with("file", &entry.file);
            if let Some(name) = &entry.name {
                vars = vars.with("name", name);
            }
            Finding::catalogued(
                Code::TarballInProgress,
                lister(inventory),
                format!("{} is being written (young or still growing)", entry.file),
                &vars,
            )
            .refine(kept)
            .with_evidence(format!("{} bytes, mtime {}", entry.size_bytes, entry.mtime))
        })
        .collect()
}

fn unrecognized(inventory: &TarballInventory, dir: &str, vars: &Vars) -> Vec<Finding> {
    let files: Vec<&str> = inventory
        .entries
        .iter()
        .filter(|e| e.status == TarballStatus::Unrecognized)
        .map(|e| e.file.as_str())
        .collect();
    if files.is_empty() {
        return Vec::new();
    }
    let mut finding = Finding::catalogued(
        Code::TarballUnrecognized,
        lister(inventory),
        format!(
            "{} .tar file{} in {dir} match{} no KohakuRiver name pattern",
            files.len(),
            if files.len() == 1 { "" } else { "s" },
            if files.len() == 1 { "es" } else { "" }
        ),
        vars,
    );
    for file in files {
        finding = finding.with_evidence(file);
    }
    vec![finding]
}

fn size(bytes: u64) -> String {
    humansize::format_size(bytes, humansize::BINARY.decimal_places(1))
}

#[cfg(test)]
mod tests;
