//! The verification part of the human report: the writer × reader grid, its
//! legend, the groups, the clean-up and the optional speed test.
//!
//! Rows and columns are numbered: the row label `3 runner-local` is also the key
//! of column `3`, so the grid stays narrow whatever the names. Every cell is two
//! characters, a symbol and a letter (`!M`), and reads the same without colour.
//! Past [`BLOCK`] readers the columns are printed in blocks of that many.

use std::fmt::Write as _;

use super::Style;
use crate::diagnose::{Code, Finding};
use crate::facts::AccessErrorKind;
use crate::report::nodeset::fold;
use crate::verify::matrix::Cells;
use crate::verify::{BENCH_BYTES, Cell, CellStatus, VerifyReport, WriteStatus};

/// Reader columns per block: 24 cells of 3 characters plus a 24-character row
/// label stay within 100 columns.
pub(super) const BLOCK: usize = 24;
/// Longer node names are cut in the row labels (the groups below use full names).
const NAME_MAX: usize = 24;
/// At most this many failed-cell details; the rest are in `--json`.
const DETAILS_MAX: usize = 8;

/// Above the row labels: rows are writers, columns readers.
const CORNER: &str = "writer\\reader";

pub(crate) const LEGEND: &str = "legend: ok seen  !M missing  !X other token (mismatch)  !E read error  !H read hung  -- skipped";

pub(crate) fn symbol(cell: Option<&Cell>) -> (&'static str, &'static str) {
    match cell {
        None => ("??", "2"),
        Some(c) => match c.status {
            CellStatus::Ok => ("ok", "32"),
            CellStatus::Missing => ("!M", "1;31"),
            CellStatus::Mismatch => ("!X", "1;31"),
            CellStatus::Error if c.error_kind == Some(AccessErrorKind::Hung) => ("!H", "1;31"),
            CellStatus::Error => ("!E", "1;31"),
            CellStatus::Skipped => ("--", "2"),
        },
    }
}

/// Node names in config order (as the node table), then any only the matrix knows.
fn order(verify: &VerifyReport, config_order: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = config_order
        .iter()
        .filter(|n| {
            verify
                .matrix
                .iter()
                .any(|c| c.writer == **n || c.reader == **n)
        })
        .map(|n| (*n).to_owned())
        .collect();
    for cell in &verify.matrix {
        for name in [&cell.writer, &cell.reader] {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
    }
    names
}

fn label(name: &str) -> String {
    if name.chars().count() > NAME_MAX {
        let cut: String = name.chars().take(NAME_MAX - 1).collect();
        format!("{cut}~")
    } else {
        name.to_owned()
    }
}

fn millis(ms: u64) -> String {
    if ms >= 1000 {
        format!("{:.1} s", ms as f64 / 1000.0)
    } else {
        format!("{ms} ms")
    }
}

pub(super) fn render(
    out: &mut String,
    verify: &VerifyReport,
    config_order: &[&str],
    findings: &[Finding],
    style: Style,
) {
    let names = order(verify, config_order);
    let cells = Cells::new(&verify.matrix);
    let _ = writeln!(
        out,
        "\n{} run {}, deadline {}",
        style.paint("VERIFY", "1"),
        verify.run_id,
        millis(verify.deadline_ms)
    );
    if names.is_empty() {
        let _ = writeln!(out, "no node took part");
    }
    let index_width = names.len().to_string().len();
    let name_width = names
        .iter()
        .map(|n| label(n).chars().count())
        .max()
        .unwrap_or(0)
        .max(CORNER.len().saturating_sub(index_width + 1));
    let cell_width = index_width.max(2);
    let blocks: Vec<(usize, &[String])> = names
        .chunks(BLOCK)
        .enumerate()
        .map(|(i, chunk)| (i * BLOCK, chunk))
        .collect();
    for (first, readers) in &blocks {
        if blocks.len() > 1 {
            let _ = writeln!(out, "readers {}-{}:", first + 1, first + readers.len());
        }
        let mut header = format!("{CORNER:<w$}", w = index_width + 1 + name_width);
        for k in 0..readers.len() {
            let _ = write!(header, " {:<cell_width$}", first + k + 1);
        }
        let _ = writeln!(out, "{}", header.trim_end());
        for (i, writer) in names.iter().enumerate() {
            let mut line = format!("{:>index_width$} {:<name_width$}", i + 1, label(writer));
            for reader in readers.iter() {
                let (text, colour) = symbol(cells.get(writer, reader));
                line.push(' ');
                line.push_str(&style.paint(&format!("{text:<cell_width$}"), colour));
            }
            let _ = writeln!(out, "{}", line.trim_end());
        }
    }
    let _ = writeln!(out, "{LEGEND}");
    details(out, verify);
    groups(out, verify, &cells, &names, style);
    bench(out, verify, findings);
}

/// The slowest token, the writes that did not happen, and what failed cells said.
fn details(out: &mut String, verify: &VerifyReport) {
    let slowest = verify
        .matrix
        .iter()
        .filter(|c| c.status == CellStatus::Ok && c.writer != c.reader)
        .filter_map(|c| c.visible_after_ms.map(|ms| (ms, c)))
        .max_by_key(|(ms, _)| *ms);
    if let Some((ms, cell)) = slowest {
        let _ = writeln!(
            out,
            "slowest token: visible after {} ({} -> {})",
            millis(ms),
            cell.writer,
            cell.reader
        );
    }
    let mut unwritten: Vec<(String, Vec<&str>)> = Vec::new();
    for write in verify.writes.iter().filter(|w| w.status != WriteStatus::Ok) {
        let what = match (write.status, &write.detail) {
            (WriteStatus::Error, Some(d)) => format!("failed: {d}"),
            (WriteStatus::Error, None) => "failed".to_owned(),
            (_, Some(d)) => d.clone(),
            (_, None) => "skipped".to_owned(),
        };
        match unwritten.iter_mut().find(|(w, _)| *w == what) {
            Some((_, nodes)) => nodes.push(&write.node),
            None => unwritten.push((what, vec![&write.node])),
        }
    }
    for (what, nodes) in &unwritten {
        let _ = writeln!(out, "not written: {} ({what})", fold(nodes));
    }
    let failed: Vec<&Cell> = verify
        .matrix
        .iter()
        .filter(|c| matches!(c.status, CellStatus::Mismatch | CellStatus::Error))
        .collect();
    for cell in failed.iter().take(DETAILS_MAX) {
        let (text, _) = symbol(Some(cell));
        let _ = writeln!(
            out,
            "{text} {} -> {}: {}",
            cell.writer,
            cell.reader,
            cell.detail.as_deref().unwrap_or("no detail")
        );
    }
    if failed.len() > DETAILS_MAX {
        let _ = writeln!(
            out,
            "... and {} more failed cells (see --json)",
            failed.len() - DETAILS_MAX
        );
    }
}

pub(crate) fn groups(
    out: &mut String,
    verify: &VerifyReport,
    cells: &Cells<'_>,
    names: &[String],
    style: Style,
) {
    let _ = writeln!(out);
    let folded = |g: &[String]| {
        let names: Vec<&str> = g.iter().map(String::as_str).collect();
        fold(&names)
    };
    let plural = |n: usize| if n == 1 { "node" } else { "nodes" };
    if verify.split {
        let size = verify.groups.first().map_or(0, Vec::len);
        let tied: Vec<String> = verify
            .groups
            .iter()
            .filter(|g| g.len() == size)
            .map(|g| folded(g))
            .collect();
        let text = format!(
            "SPLIT: {} groups of {size} {} do not see each other, none is trusted: {}",
            tied.len(),
            plural(size),
            tied.join(" | ")
        );
        let _ = writeln!(out, "{}", style.paint(&text, "1;31"));
    }
    for group in &verify.groups {
        let is_shared = verify.shared.as_ref() == Some(group);
        if is_shared {
            let text = format!(
                "shared storage: {} ({} {})",
                folded(group),
                group.len(),
                plural(group.len())
            );
            let _ = writeln!(out, "{}", style.paint(&text, "32"));
        } else if verify.split && group.len() == verify.groups[0].len() {
            // Already listed on the SPLIT line.
        } else if let [only] = group.as_slice() {
            let sees: Vec<&str> = names
                .iter()
                .map(String::as_str)
                .filter(|o| o != only && cells.confirmed(only, o) && !cells.conflict(only, o))
                .collect();
            if sees.is_empty() {
                let _ = writeln!(out, "{only} sees only itself");
            } else {
                let _ = writeln!(out, "{only} sees only {}", fold(&sees));
            }
        } else {
            let _ = writeln!(
                out,
                "separate storage: {} ({} nodes)",
                folded(group),
                group.len()
            );
        }
    }
    // A set: the console draws this summary every frame, for hundreds of nodes.
    let grouped: std::collections::HashSet<&String> = verify.groups.iter().flatten().collect();
    let outside: Vec<&str> = names
        .iter()
        .filter(|n| !grouped.contains(n))
        .map(String::as_str)
        .collect();
    let (tried, untried): (Vec<&str>, Vec<&str>) = outside.iter().partition(|n| {
        verify
            .matrix
            .iter()
            .any(|c| (c.writer == **n || c.reader == **n) && c.status != CellStatus::Skipped)
    });
    if !tried.is_empty() {
        let broken: Vec<&str> = tried
            .iter()
            .copied()
            .filter(|n| cells.self_failed(n))
            .collect();
        let rest: Vec<&str> = tried
            .iter()
            .copied()
            .filter(|n| !cells.self_failed(n))
            .collect();
        if !broken.is_empty() {
            let _ = writeln!(out, "{} cannot read back its own file", fold(&broken));
        }
        if !rest.is_empty() {
            let _ = writeln!(out, "{} saw no token (see the findings)", fold(&rest));
        }
    }
    if !untried.is_empty() {
        let _ = writeln!(out, "not verified (every cell skipped): {}", fold(&untried));
    }
    let cleanup = &verify.cleanup;
    let stale = match cleanup.stale_runs_removed {
        0 => String::new(),
        1 => ", 1 stale run removed".to_owned(),
        n => format!(", {n} stale runs removed"),
    };
    if cleanup.complete {
        let _ = writeln!(out, "clean-up: complete{stale}");
    } else {
        let text = format!(
            "clean-up: INCOMPLETE{stale}: {}",
            cleanup.problems.join("; ")
        );
        let _ = writeln!(out, "{}", style.paint(&text, "33"));
    }
}

fn bench(out: &mut String, verify: &VerifyReport, findings: &[Finding]) {
    let Some(results) = &verify.io_bench else {
        return;
    };
    let slow: Vec<&str> = findings
        .iter()
        .filter(|f| f.code == Code::SlowStorage)
        .flat_map(|f| f.nodes.iter().map(String::as_str))
        .collect();
    let _ = writeln!(
        out,
        "\nio-bench: {} MiB written then read per node, MB/s",
        BENCH_BYTES >> 20
    );
    let width = results
        .iter()
        .map(|r| r.node.chars().count())
        .chain([4])
        .max()
        .unwrap_or(4);
    let _ = writeln!(out, "{:<width$}  {:>7}  {:>7}", "NODE", "WRITE", "READ");
    let speed = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.1}"));
    for result in results {
        let note = match (&result.error, slow.contains(&result.node.as_str())) {
            (Some(error), _) => format!("error: {error}"),
            (None, true) => "slow_storage".to_owned(),
            (None, false) => String::new(),
        };
        let line = format!(
            "{:<width$}  {:>7}  {:>7}  {note}",
            result.node,
            speed(result.write_mbps),
            speed(result.read_mbps)
        );
        let _ = writeln!(out, "{}", line.trim_end());
    }
    if results.is_empty() {
        let _ = writeln!(out, "(no node of the shared group ran it)");
    }
}

#[cfg(test)]
mod tests;
