//! The disk-usage part of the human report: who walked which SHARED_DIR, then
//! one line per top-level entry, largest first (size, share of the filesystem,
//! what is partial and why, and `logs/`'s task folders and mtime range).

use std::fmt::Write as _;

use super::Style;
use crate::usage::{UsageEntry, UsageReport};

fn size(bytes: u64) -> String {
    humansize::format_size(bytes, humansize::BINARY.decimal_places(1))
}

/// `31.0%` of the filesystem's size, `-` when the walking node had no `df`.
fn of_fs(bytes: u64, total: Option<u64>) -> String {
    match total {
        Some(total) if total > 0 => format!("{:.1}%", bytes as f64 * 100.0 / total as f64),
        _ => "-".to_owned(),
    }
}

/// The NOTE column: partial and why, then `logs/`'s task folders and mtimes.
fn note(e: &UsageEntry) -> String {
    let mut parts: Vec<String> = Vec::new();
    if !e.complete {
        parts.push(match &e.note {
            Some(note) => format!("partial: {note}"),
            None => "partial".to_owned(),
        });
    }
    if let Some(n) = e.task_folders {
        let mut folders = format!("{n} task folder{}", if n == 1 { "" } else { "s" });
        if let (Some(old), Some(new)) = (&e.oldest_mtime, &e.newest_mtime) {
            let _ = write!(folders, ", {old} .. {new}");
        }
        parts.push(folders);
    }
    parts.join("; ")
}

pub(super) fn render(out: &mut String, usage: &UsageReport, style: Style) {
    let place = format!(
        "{}:{}",
        usage.node.as_deref().unwrap_or("-"),
        usage.dir.as_deref().unwrap_or("-")
    );
    let title = style.paint("Usage", "1");
    if usage.entries.is_empty()
        && let Some(error) = &usage.error
    {
        let _ = writeln!(
            out,
            "\n{title} of {place} not measured: {}",
            style.paint(error, "31")
        );
        return;
    }
    let mut head = format!(
        "\n{title} of {place} (walked in {:.1} s",
        usage.duration_ms as f64 / 1000.0
    );
    if let (Some(used), Some(total)) = (usage.fs_used_bytes, usage.fs_total_bytes) {
        let _ = write!(head, ", {} used of {}", size(used), size(total));
    }
    let _ = writeln!(out, "{head})");
    let mut entries: Vec<&UsageEntry> = usage.entries.iter().collect();
    entries.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.path.cmp(&b.path)));
    let rows: Vec<[String; 4]> = entries
        .iter()
        .map(|e| {
            [
                e.path.clone(),
                size(e.bytes),
                of_fs(e.bytes, usage.fs_total_bytes),
                note(e),
            ]
        })
        .collect();
    let header = ["ENTRY", "SIZE", "% OF FS", "NOTE"].map(str::to_owned);
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let [w0, w1, w2, _] = widths;
    for (i, row) in std::iter::once(&header).chain(&rows).enumerate() {
        // Names left, numbers right, the note as it comes.
        let line = format!(
            "  {:<w0$}  {:>w1$}  {:>w2$}  {}",
            row[0], row[1], row[2], row[3]
        );
        let line = line.trim_end();
        let line = match i {
            0 => style.paint(line, "1"),
            _ if row[3].starts_with("partial") => style.paint(line, "33"),
            _ => line.to_owned(),
        };
        let _ = writeln!(out, "{line}");
    }
    if let Some(error) = &usage.error {
        let _ = writeln!(out, "  {}", style.paint(&format!("stopped: {error}"), "31"));
    }
}

#[cfg(test)]
#[path = "usage_tests.rs"]
mod tests;
