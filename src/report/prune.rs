//! The result of `prune`: the JSON document (`rivershare/prune/v1`), its human
//! rendering, and prune's exit code (0 all asked for went, 1 some skipped,
//! 2 some failed).

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::exit;
use super::human::Style;
use crate::tarballs::{PruneOutcome, PruneResult, TarballEntry, TarballInventory};

pub const PRUNE_SCHEMA: &str = "rivershare/prune/v1";

/// 2 when any delete failed, else 1 when any file was skipped, else 0.
pub fn prune_exit_code(results: &[PruneResult]) -> i32 {
    if results.iter().any(|r| r.outcome == PruneOutcome::Failed) {
        exit::CRITICAL
    } else if results.iter().any(|r| r.outcome == PruneOutcome::Skipped) {
        exit::WARNING
    } else {
        exit::OK
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PruneReport {
    pub schema: String,
    pub exit_code: i32,
    /// True without `--yes`: nothing was deleted, `results` say `would_delete`.
    pub dry_run: bool,
    /// The node the folder was listed on and deletes ran on.
    pub node: Option<String>,
    pub dir: Option<String>,
    pub keep: usize,
    /// `--name` filters; empty means every name.
    pub names: Vec<String>,
    pub results: Vec<PruneResult>,
    /// The planned files as the listing saw them (inode, size, mtime, ...): what
    /// `prune --yes --plan FILE` deletes, re-checked against exactly these.
    pub plan: Vec<TarballEntry>,
    /// Bytes deleted, or in a dry run the bytes that would be freed.
    pub freed_bytes: u64,
    /// Where deletions were recorded; `null` in a dry run.
    pub audit_log: Option<String>,
    pub notes: Vec<String>,
}

impl PruneReport {
    pub fn new(
        inventory: &TarballInventory,
        keep: usize,
        names: &[String],
        dry_run: bool,
        plan: Vec<TarballEntry>,
        results: Vec<PruneResult>,
    ) -> Self {
        let counted = if dry_run {
            PruneOutcome::WouldDelete
        } else {
            PruneOutcome::Deleted
        };
        let freed_bytes = results
            .iter()
            .filter(|r| r.outcome == counted)
            .map(|r| r.size_bytes)
            .sum();
        let mut notes = Vec::new();
        for name in names {
            let known = inventory
                .entries
                .iter()
                .any(|e| e.name.as_deref() == Some(name.as_str()));
            if !known {
                notes.push(format!(
                    "no tarball named {name} in {}",
                    inventory.dir.as_deref().unwrap_or("the tarball folder")
                ));
            }
        }
        Self {
            schema: PRUNE_SCHEMA.to_owned(),
            exit_code: prune_exit_code(&results),
            dry_run,
            node: inventory.node.clone(),
            dir: inventory.dir.clone(),
            keep,
            names: names.to_vec(),
            results,
            plan,
            freed_bytes,
            audit_log: None,
            notes,
        }
    }

    fn count(&self, outcome: PruneOutcome) -> usize {
        self.results.iter().filter(|r| r.outcome == outcome).count()
    }
}

fn size(bytes: u64) -> String {
    humansize::format_size(bytes, humansize::BINARY.decimal_places(1))
}

fn label(outcome: PruneOutcome) -> &'static str {
    match outcome {
        PruneOutcome::Deleted => "deleted",
        PruneOutcome::Skipped => "skipped",
        PruneOutcome::Failed => "failed",
        PruneOutcome::WouldDelete => "would delete",
    }
}

pub fn render(report: &PruneReport, style: Style) -> String {
    let mut out = String::new();
    let place = format!(
        "{}:{}",
        report.node.as_deref().unwrap_or("-"),
        report.dir.as_deref().unwrap_or("-")
    );
    let scope = if report.names.is_empty() {
        format!("keep {}", report.keep)
    } else {
        format!("keep {}, names {}", report.keep, report.names.join(","))
    };
    if report.results.is_empty() {
        let _ = writeln!(out, "Nothing to prune in {place} ({scope}).");
    } else if report.dry_run {
        let n = report.results.len();
        let _ = writeln!(
            out,
            "Dry run on {place} ({scope}): {n} file{} would be deleted, {} freed.",
            if n == 1 { "" } else { "s" },
            size(report.freed_bytes)
        );
    } else {
        let _ = writeln!(
            out,
            "Pruned {place} ({scope}): {} deleted ({} freed), {} skipped, {} failed.",
            report.count(PruneOutcome::Deleted),
            size(report.freed_bytes),
            report.count(PruneOutcome::Skipped),
            report.count(PruneOutcome::Failed)
        );
    }
    let width = report
        .results
        .iter()
        .map(|r| r.file.chars().count())
        .max()
        .unwrap_or(0);
    for r in &report.results {
        let tag = format!("{:<12}", label(r.outcome));
        let tag = match r.outcome {
            PruneOutcome::Deleted => style.paint(&tag, "32"),
            PruneOutcome::Skipped => style.paint(&tag, "33"),
            PruneOutcome::Failed => style.paint(&tag, "31"),
            PruneOutcome::WouldDelete => tag,
        };
        let detail = r
            .detail
            .as_deref()
            .map(|d| format!("  ({d})"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {tag}  {:<width$}  {:>10}{detail}",
            r.file,
            size(r.size_bytes)
        );
    }
    if report.dry_run && !report.results.is_empty() {
        let _ = writeln!(
            out,
            "Nothing was deleted. Run again with --yes to delete these files; each is re-checked \
             (same inode, size and mtime, still a regular file, still not the newest) just before."
        );
    }
    if let Some(log) = &report.audit_log {
        let _ = writeln!(out, "Deletions are recorded in {log}");
    }
    for note in &report.notes {
        let _ = writeln!(out, "note: {note}");
    }
    out
}

#[cfg(test)]
mod tests;
