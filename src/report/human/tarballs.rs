//! The container tarball part of the human report: one line per name (versions,
//! bytes, reclaimable, latest, statuses), the files outside any name, and the
//! Runners that cannot see a latest file.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::Style;
use crate::report::TarballFolder;
use crate::tarballs::{TarballEntry, TarballStatus, TarballSummary, VisibilityStatus};

fn size(bytes: u64) -> String {
    humansize::format_size(bytes, humansize::BINARY.decimal_places(1))
}

pub(crate) fn status_name(status: TarballStatus) -> &'static str {
    match status {
        TarballStatus::Latest => "latest",
        TarballStatus::InProgress => "in_progress",
        TarballStatus::LastGood => "last_good",
        TarballStatus::Superseded => "superseded",
        TarballStatus::Legacy => "legacy",
        TarballStatus::Unrecognized => "unrecognized",
        TarballStatus::Symlink => "symlink",
    }
}

/// `latest, 2 superseded` for the files of one name.
fn statuses(entries: &[&TarballEntry]) -> String {
    let mut counts: BTreeMap<TarballStatus, usize> = BTreeMap::new();
    for e in entries {
        *counts.entry(e.status).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|(s, n)| {
            if n == 1 {
                status_name(s).to_owned()
            } else {
                format!("{n} {}", status_name(s))
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn render(
    out: &mut String,
    folder: &TarballFolder,
    entries: &[TarballEntry],
    summary: &[TarballSummary],
    style: Style,
) {
    let place = format!(
        "{}:{}",
        folder.node.as_deref().unwrap_or("-"),
        folder.dir.as_deref().unwrap_or("-")
    );
    if let Some(error) = &folder.error {
        let _ = writeln!(
            out,
            "\n{} not listed: {error}",
            style.paint("Container tarballs", "1")
        );
        return;
    }
    let reclaimable: u64 = summary.iter().map(|s| s.reclaimable_bytes).sum();
    let _ = writeln!(
        out,
        "\n{} in {place}: {} file{}, {} names, {} reclaimable",
        style.paint("Container tarballs", "1"),
        entries.len(),
        if entries.len() == 1 { "" } else { "s" },
        summary.len(),
        size(reclaimable)
    );
    if !summary.is_empty() {
        let mut rows = vec![[
            "NAME".to_owned(),
            "VERSIONS".to_owned(),
            "BYTES".to_owned(),
            "RECLAIMABLE".to_owned(),
            "LATEST".to_owned(),
            "STATUSES".to_owned(),
        ]];
        for s in summary {
            let files: Vec<&TarballEntry> = entries
                .iter()
                .filter(|e| e.name.as_deref() == Some(s.name.as_str()))
                .collect();
            rows.push([
                s.name.clone(),
                s.versions.to_string(),
                size(s.bytes),
                size(s.reclaimable_bytes),
                s.latest_file.clone().unwrap_or_else(|| "-".to_owned()),
                statuses(&files),
            ]);
        }
        let mut widths = [0usize; 6];
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        for (i, row) in rows.iter().enumerate() {
            let mut line = String::from("  ");
            for (col, (cell, w)) in row.iter().zip(widths).enumerate() {
                if col + 1 == row.len() {
                    line.push_str(cell);
                } else {
                    let _ = write!(line, "{cell:<w$}  ");
                }
            }
            let line = line.trim_end().to_owned();
            let _ = writeln!(
                out,
                "{}",
                if i == 0 {
                    style.paint(&line, "1")
                } else {
                    line
                }
            );
        }
    }
    // Files that belong to no summarised name: legacy, unrecognized, symlinks.
    let named: Vec<&str> = summary.iter().map(|s| s.name.as_str()).collect();
    for e in entries {
        let listed = e.name.as_deref().is_some_and(|n| named.contains(&n));
        if !listed {
            let _ = writeln!(
                out,
                "  {}  {}  {}",
                e.file,
                status_name(e.status),
                size(e.size_bytes)
            );
        }
    }
    let problems: Vec<String> = folder
        .visibility
        .iter()
        .filter_map(|v| {
            let problem = v.problem()?;
            Some(format!("{} cannot see {}: {problem}", v.runner, v.file))
        })
        .collect();
    if problems.is_empty() {
        let runners: std::collections::BTreeSet<&str> = folder
            .visibility
            .iter()
            .filter(|v| v.status == VisibilityStatus::Visible)
            .map(|v| v.runner.as_str())
            .collect();
        if !runners.is_empty() {
            let _ = writeln!(
                out,
                "  every latest file is visible to {} runner{}",
                runners.len(),
                if runners.len() == 1 { "" } else { "s" }
            );
        }
    }
    for p in problems {
        let _ = writeln!(out, "  {}", style.paint(&p, "31"));
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::super::{Style, render};
    use crate::diagnose::tarball_fixture::inventory;
    use crate::diagnose::{Policy, diagnose_with};
    use crate::facts::Role;
    use crate::report::CheckReport;
    use crate::testutil::healthy;

    fn report(inv: crate::tarballs::TarballInventory) -> String {
        let nodes = vec![
            healthy("host", Role::Host),
            healthy("runner-01", Role::Runner),
            healthy("runner-02", Role::Runner),
        ];
        let policy = Policy {
            min_free_bytes: 0,
            slow_io_mbps: 0.0,
        };
        let findings = diagnose_with(&nodes, None, Some(&inv), policy);
        let report = CheckReport::new(
            &nodes,
            findings,
            UNIX_EPOCH,
            Duration::from_millis(5),
            "embedded".to_owned(),
            vec![],
            None,
        )
        .with_tarballs(Some(inv));
        render(&report, Style { color: false })
    }

    #[test]
    fn the_section_lists_names_statuses_bytes_and_visibility_problems() {
        let text = report(inventory());
        let lines: Vec<&str> = text.lines().collect();
        let start = lines
            .iter()
            .position(|l| l.starts_with("Container tarballs in host:"))
            .expect("section header");
        assert_eq!(
            lines[start],
            "Container tarballs in host:/mnt/cluster-share/kohakuriver-containers: 9 files, 3 names, 300 B reclaimable"
        );
        assert_eq!(
            lines[start + 1].split_whitespace().collect::<Vec<_>>(),
            [
                "NAME",
                "VERSIONS",
                "BYTES",
                "RECLAIMABLE",
                "LATEST",
                "STATUSES"
            ]
        );
        let base: Vec<&str> = lines[start + 2].split_whitespace().collect();
        assert_eq!(
            base,
            [
                "base",
                "3",
                "600",
                "B",
                "300",
                "B",
                "base-1700000300.tar",
                "latest,",
                "2",
                "superseded"
            ]
        );
        assert!(
            lines[start + 3].contains("in_progress, last_good"),
            "{text}"
        );
        assert!(text.contains("  old.tar  legacy  10 B"), "{text}");
        assert!(text.contains("  backup.tar  unrecognized  7 B"), "{text}");
        assert!(
            text.contains("  link-1700000000.tar  symlink  5 B"),
            "{text}"
        );
        assert!(
            text.contains(
                "  runner-02 cannot see base-1700000300.tar: missing (No such file or directory)"
            ),
            "{text}"
        );
        assert!(text.contains("tarball_not_visible"), "{text}");
    }

    #[test]
    fn a_failed_inventory_says_why_and_no_section_without_one() {
        let mut inv = inventory();
        inv.error = Some("host: ls: cannot open directory: Permission denied".to_owned());
        let text = report(inv);
        assert!(
            text.contains(
                "Container tarballs not listed: host: ls: cannot open directory: Permission denied"
            ),
            "{text}"
        );
        let nodes = vec![healthy("host", Role::Host)];
        let plain = CheckReport::new(
            &nodes,
            vec![],
            UNIX_EPOCH,
            Duration::from_millis(5),
            "embedded".to_owned(),
            vec![],
            None,
        );
        assert!(!render(&plain, Style { color: false }).contains("Container tarballs"));
    }
}
