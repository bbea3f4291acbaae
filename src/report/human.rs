//! Human output for `check`: nodes with identical results fold into one line
//! (as `clush -b` does), then the findings, worst first, each with its hint and
//! the commands to run.

pub(crate) mod tarballs;
mod usage;
pub(crate) mod verify;

use std::fmt::Write as _;

use humansize::{BINARY, FormatSizeOptions, format_size};

use super::{CheckReport, NodeReport, nodeset};
use crate::diagnose::{Finding, Severity};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub color: bool,
}

impl Style {
    pub(crate) fn paint(self, text: &str, code: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    fn severity(self, severity: Severity) -> String {
        let (label, code) = match severity {
            Severity::Critical => ("CRITICAL", "1;31"),
            Severity::Warning => ("WARNING", "1;33"),
            Severity::Info => ("INFO", "1;36"),
        };
        self.paint(label, code)
    }
}

/// The columns of one node line; nodes whose columns are all equal share a line.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    shared_dir: String,
    fstype: String,
    source: String,
    options: String,
    free: String,
    status: String,
}

const KEY_OPTIONS: [&str; 6] = ["rw", "ro", "hard", "soft", "noatime", "_netdev"];

/// The mount options worth an operator's eye (`rw`/`ro`, `hard`/`soft`, `vers=`,
/// ...), in the mount's order. Shared with the console's Mounts pane.
pub(crate) fn key_options(mount: &crate::facts::MountInfo) -> Vec<&str> {
    mount
        .options
        .iter()
        .map(String::as_str)
        .filter(|o| KEY_OPTIONS.contains(o) || o.starts_with("vers="))
        .collect()
}

fn row(node: &NodeReport, findings: &[Finding]) -> Row {
    let dash = || "-".to_owned();
    let mut codes: Vec<&str> = findings
        .iter()
        .filter(|f| f.nodes.contains(&node.name))
        .map(|f| f.code.as_str())
        .collect();
    codes.dedup();
    let options = node.mount.as_ref().map_or_else(dash, |m| {
        let shown = key_options(m);
        if shown.is_empty() {
            dash()
        } else {
            shown.join(",")
        }
    });
    let size_format = FormatSizeOptions::from(BINARY).decimal_places(0);
    Row {
        shared_dir: node.shared_dir.clone(),
        fstype: node.mount.as_ref().map_or_else(dash, |m| m.fstype.clone()),
        source: node.mount.as_ref().map_or_else(dash, |m| m.source.clone()),
        options,
        free: node.usage.map_or_else(dash, |u| {
            format!("{} free", format_size(u.avail_bytes, size_format))
        }),
        status: if codes.is_empty() {
            "ok".to_owned()
        } else {
            codes.join(",")
        },
    }
}

pub fn render(report: &CheckReport, style: Style) -> String {
    let mut out = String::new();
    let mut groups: Vec<(Row, Vec<&str>)> = Vec::new();
    for node in &report.nodes {
        let r = row(node, &report.findings);
        match groups.iter_mut().find(|(existing, _)| *existing == r) {
            Some((_, names)) => names.push(&node.name),
            None => groups.push((r, vec![&node.name])),
        }
    }
    let lines: Vec<[String; 7]> = groups
        .iter()
        .map(|(r, names)| {
            [
                nodeset::fold(names),
                r.shared_dir.clone(),
                r.fstype.clone(),
                r.source.clone(),
                r.options.clone(),
                r.free.clone(),
                r.status.clone(),
            ]
        })
        .collect();
    let header = [
        "NODES",
        "SHARED_DIR",
        "FS",
        "SOURCE",
        "OPTIONS",
        "FREE",
        "STATUS",
    ]
    .map(str::to_owned);
    let mut widths = header.clone().map(|h| h.len());
    for line in &lines {
        for (w, cell) in widths.iter_mut().zip(line) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut table = vec![header];
    table.extend(lines);
    for (i, line) in table.iter().enumerate() {
        let mut text = String::new();
        for (col, (cell, width)) in line.iter().zip(widths).enumerate() {
            let padded = if col + 1 == line.len() {
                cell.clone()
            } else {
                format!("{cell:<width$}  ")
            };
            let painted = match (i, col) {
                (0, _) => style.paint(&padded, "1"),
                (_, 6) if cell == "ok" => style.paint(&padded, "32"),
                (_, 6) => style.paint(&padded, "31"),
                _ => padded,
            };
            text.push_str(&painted);
        }
        let _ = writeln!(out, "{}", text.trim_end());
    }
    if let Some(verification) = &report.verify {
        let order: Vec<&str> = report.nodes.iter().map(|n| n.name.as_str()).collect();
        verify::render(&mut out, verification, &order, &report.findings, style);
    }
    if let Some(folder) = &report.tarball_folder {
        tarballs::render(
            &mut out,
            folder,
            report.tarballs.as_deref().unwrap_or(&[]),
            report.tarball_summary.as_deref().unwrap_or(&[]),
            style,
        );
    }
    if let Some(walk) = &report.usage {
        usage::render(&mut out, walk, style);
    }

    if report.findings.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            style.paint(
                "No findings: every node's shared storage looks right.",
                "32"
            )
        );
    }
    for finding in &report.findings {
        let names: Vec<&str> = finding.nodes.iter().map(String::as_str).collect();
        let _ = writeln!(
            out,
            "\n{} {} [{}] {}",
            style.severity(finding.severity),
            style.paint(finding.code.as_str(), "1"),
            nodeset::fold(&names),
            finding.title
        );
        render_finding_body(&mut out, finding, style);
    }
    if !report.notes.is_empty() {
        let _ = writeln!(out);
    }
    for note in &report.notes {
        let _ = writeln!(out, "note: {note}");
    }
    let (crit, warn) = report
        .findings
        .iter()
        .fold((0, 0), |(c, w), f| match f.severity {
            Severity::Critical => (c + 1, w),
            Severity::Warning => (c, w + 1),
            Severity::Info => (c, w),
        });
    let _ = writeln!(
        out,
        "\n{} node{}, {crit} critical, {warn} warning findings, {:.1} s (exit {}; config {})",
        report.nodes.len(),
        if report.nodes.len() == 1 { "" } else { "s" },
        report.duration_ms as f64 / 1000.0,
        report.exit_code,
        report.config
    );
    out
}

/// Under a finding's title: why it matters and the fix (the hint catalogue's
/// text with this node's values), the evidence, then the read-only commands
/// that investigate it and the state-changing ones that fix it, each labelled.
fn render_finding_body(out: &mut String, finding: &crate::diagnose::Finding, style: Style) {
    labelled(out, "why: ", &finding.why);
    labelled(out, "fix: ", &finding.hint);
    for evidence in &finding.evidence {
        let _ = writeln!(out, "  seen: {evidence}");
    }
    if !finding.debug_commands.is_empty() {
        let _ = writeln!(out, "  {}", style.paint("investigate (read-only):", "2"));
        for command in &finding.debug_commands {
            let _ = writeln!(out, "    $ {command}");
        }
    }
    if !finding.commands.is_empty() {
        let _ = writeln!(out, "  {}", style.paint("fix (changes the node):", "1"));
        for command in &finding.commands {
            let _ = writeln!(out, "    $ {command}");
        }
    }
}

/// `label` then `text` wrapped, continuation lines under the text.
fn labelled(out: &mut String, label: &str, text: &str) {
    let indent = " ".repeat(label.len());
    for (i, line) in wrap(text, 96 - label.len()).iter().enumerate() {
        let head = if i == 0 { label } else { indent.as_str() };
        let _ = writeln!(out, "  {head}{line}");
    }
}

/// Greedy word wrap; a word longer than `width` gets a line of its own.
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        if !current.is_empty() && current.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::{Policy, diagnose};
    use crate::facts::{Access, AccessError, AccessErrorKind, NodeError, NodeErrorKind, Role};
    use crate::testutil::healthy;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn wrap_breaks_at_words() {
        assert_eq!(wrap("aa bb cc dd", 5), vec!["aa bb", "cc dd"]);
        assert_eq!(
            wrap("averyveryverylongword x", 5),
            vec!["averyveryverylongword", "x"]
        );
        assert_eq!(wrap("", 5), Vec::<String>::new());
    }

    #[test]
    fn identical_nodes_fold_and_findings_follow_worst_first() {
        let mut nodes = vec![healthy("host", Role::Host)];
        for i in 1..=8 {
            nodes.push(healthy(&format!("runner-{i:02}"), Role::Runner));
        }
        let ro = &mut nodes[3];
        ro.probe.as_mut().expect("probe").access = Some(Access {
            read: true,
            write: false,
            error: Some(AccessError {
                kind: AccessErrorKind::ReadOnly,
                detail: "write: Read-only file system".to_owned(),
            }),
        });
        nodes[5].error = Some(NodeError::new(
            NodeErrorKind::Unreachable,
            "10.0.0.15:22: connection refused",
        ));
        nodes[5].probe = None;
        nodes[5].reachable = false;
        let findings = diagnose(
            &nodes,
            Policy {
                min_free_bytes: 20 << 30,
                slow_io_mbps: 50.0,
            },
        );
        let report = CheckReport::new(
            &nodes,
            findings,
            UNIX_EPOCH,
            Duration::from_millis(812),
            "/etc/rivershare.toml".to_owned(),
            vec![],
            None,
        );
        insta::assert_snapshot!(render(&report, Style { color: false }));
    }
}
