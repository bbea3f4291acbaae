//! Findings from the container tarball inventory: `tarball_name_case`,
//! `tarball_not_visible`, `tarball_superseded`, `tarball_in_progress` and
//! `tarball_unrecognized`.

use std::collections::BTreeMap;

use super::{Code, Finding};
use crate::facts::NodeFacts;
use crate::shell::sh_word;
use crate::tarballs::{TarballInventory, TarballStatus};

/// The node findings about the folder itself are attached to: the one it was
/// listed on.
fn lister(inventory: &TarballInventory) -> &str {
    inventory.node.as_deref().unwrap_or("-")
}

fn join(dir: &str, file: &str) -> String {
    format!("{}/{file}", dir.trim_end_matches('/'))
}

pub(super) fn findings(nodes: &[NodeFacts], inventory: &TarballInventory) -> Vec<Finding> {
    let mut out = Vec::new();
    if inventory.error.is_some() {
        return out;
    }
    let dir = inventory.dir.as_deref().unwrap_or("kohakuriver-containers");
    out.extend(name_case(inventory, dir));
    out.extend(not_visible(nodes, inventory, dir));
    out.extend(superseded(inventory, dir));
    out.extend(in_progress(inventory, dir));
    out.extend(unrecognized(inventory, dir));
    out
}

fn name_case(inventory: &TarballInventory, dir: &str) -> Vec<Finding> {
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
            let commands = files
                .iter()
                .filter_map(|file| {
                    // A lossy (non-UTF-8) file name may not start with the name as shown.
                    let renamed = format!("{lower}{}", file.strip_prefix(name)?);
                    Some(format!(
                        "mv -n -- {} {}",
                        sh_word(&join(dir, file)),
                        sh_word(&join(dir, &renamed))
                    ))
                })
                .collect();
            Finding::for_node(
                Code::TarballNameCase,
                lister(inventory),
                format!("tarball name {name} has upper-case letters"),
                format!(
                    "Runners look tarballs up by the lower-cased name ({lower}), so they never find these \
                     files, and KohakuRiver's own clean-up never removes their old versions. Re-create the \
                     environment with a lower-case name, or rename the files to lower case (mv -n refuses to \
                     overwrite an existing file)."
                ),
                commands,
            )
            .with_evidence(files.join(", "))
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
            let shared = nodes
                .iter()
                .find(|n| n.name == runner)
                .map_or_else(|| here.clone(), |n| n.shared_dir.clone());
            let mut finding = Finding::for_node(
                Code::TarballNotVisible,
                runner,
                format!(
                    "cannot see the latest tarball{} {} has",
                    if problems.len() == 1 { "" } else { "s" },
                    lister(inventory)
                ),
                "Tasks on this Runner fail with \"Tarball not found\": it loads container tarballs straight \
                 from the share, and the file the Host wrote is not there (or not whole) at this node's own \
                 path. The Shared Storage Guide: check that SHARED_DIR points to the same storage on every \
                 node."
                    .to_owned(),
                vec![
                    format!("ls -la {}", sh_word(&here)),
                    format!("findmnt -T {}", sh_word(&shared)),
                ],
            );
            for problem in problems {
                finding = finding.with_evidence(problem);
            }
            finding
        })
        .collect()
}

fn superseded(inventory: &TarballInventory, dir: &str) -> Vec<Finding> {
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
            Finding::for_node(
                Code::TarballSuperseded,
                lister(inventory),
                format!(
                    "{name}: {count} older version{} in {dir}, {} reclaimable",
                    if count == 1 { "" } else { "s" },
                    size(reclaimable)
                ),
                "KohakuRiver keeps only the newest tarball of a name and deletes the older ones after \
                 writing a new one; these are leftovers (a removal that failed is only logged). `rivershare \
                 prune` deletes them after re-checking each file; without --yes it only shows what would go."
                    .to_owned(),
                vec![format!("rivershare prune --name {}", sh_word(name))],
            )
        })
        .collect()
}

fn in_progress(inventory: &TarballInventory, dir: &str) -> Vec<Finding> {
    inventory
        .entries
        .iter()
        .filter(|e| e.status == TarballStatus::InProgress)
        .map(|entry| {
            let last_good = inventory.entries.iter().find(|e| {
                e.status == TarballStatus::LastGood && e.name == entry.name
            });
            let kept = last_good.map_or_else(
                || " There is no older complete version: until it is finished, Runners have none.".to_owned(),
                |e| format!(" The previous version, {}, is kept as last_good.", e.file),
            );
            Finding::for_node(
                Code::TarballInProgress,
                lister(inventory),
                format!("{} is being written (young or still growing)", entry.file),
                format!(
                    "KohakuRiver writes a tarball straight to its final name, so a newest file that is very \
                     recent or changing size may be half-written. It is never pruned.{kept} If it stays this \
                     way, the creation failed part-way: re-create the environment."
                ),
                vec![format!("ls -l --time-style=full-iso {}", sh_word(&join(dir, &entry.file)))],
            )
            .with_evidence(format!("{} bytes, mtime {}", entry.size_bytes, entry.mtime))
        })
        .collect()
}

fn unrecognized(inventory: &TarballInventory, dir: &str) -> Vec<Finding> {
    let files: Vec<&str> = inventory
        .entries
        .iter()
        .filter(|e| e.status == TarballStatus::Unrecognized)
        .map(|e| e.file.as_str())
        .collect();
    if files.is_empty() {
        return Vec::new();
    }
    let mut finding = Finding::for_node(
        Code::TarballUnrecognized,
        lister(inventory),
        format!(
            "{} .tar file{} in {dir} match{} no KohakuRiver name pattern",
            files.len(),
            if files.len() == 1 { "" } else { "s" },
            if files.len() == 1 { "es" } else { "" }
        ),
        "KohakuRiver only loads tarballs named {name}-{unix_seconds}.tar; these files are never used by \
         it and never pruned by rivershare. Move or delete them by hand if nobody needs them."
            .to_owned(),
        vec![format!("ls -la {}", sh_word(dir))],
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
