//! The detail popup (Enter): everything known about a node, a verification
//! cell, a tarball file or a finding, raw probe output and errors included.

use std::time::{Duration, UNIX_EPOCH};

use ratatui::text::{Line, Span};

use super::super::super::state::{App, DetailTarget};
use super::super::super::theme::Theme;
use super::super::Ctx;
use super::super::format::{age, age_of_unix, millis, secs_between, size};
use super::super::hints::{finding_lines, severity_label};
use super::super::status::node_status;
use super::super::tarballs::status_style;
use super::super::verify::cell_style;
use crate::facts::NodeFacts;
use crate::report::human::tarballs::status_name;
use crate::report::human::verify::symbol;
use crate::report::time::rfc3339;
use crate::verify::CellStatus;

fn kv(key: &str, value: impl Into<String>, t: Theme) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{key:<14}"), t.pending()),
        Span::raw(value.into()),
    ])
}

fn section(title: &str, t: Theme) -> Line<'static> {
    Line::from(Span::styled(title.to_owned(), t.title()))
}

pub fn lines(app: &App, ctx: &Ctx<'_>, target: &DetailTarget) -> (String, Vec<Line<'static>>) {
    let t = ctx.theme;
    match target {
        DetailTarget::Node(name) => (format!(" Node {name} "), node(app, ctx, name)),
        DetailTarget::Cell { writer, reader } => (
            format!(" Cell {writer} → {reader} "),
            cell(app, writer, reader, t),
        ),
        DetailTarget::File(file) => (format!(" File {file} "), file_lines(app, file, t)),
        DetailTarget::Usage(path) => super::usage::lines(app, path, t),
        DetailTarget::Finding(i) => match app.findings.get(*i) {
            Some(f) => (
                format!(" Finding {} ", f.code.as_str()),
                finding_lines(app, f, t),
            ),
            None => (
                " Finding ".to_owned(),
                vec![Line::from(
                    "that finding is gone (a new sweep replaced the findings)",
                )],
            ),
        },
    }
}

fn node(app: &App, ctx: &Ctx<'_>, name: &str) -> Vec<Line<'static>> {
    let t = ctx.theme;
    let Some((index, row)) = app.nodes.iter().enumerate().find(|(_, n)| n.name == name) else {
        return vec![Line::from(format!("no node named {name} in the config"))];
    };
    let status = ctx
        .status
        .get(index)
        .copied()
        .unwrap_or_else(|| node_status(row, None));
    let mut out = vec![
        Line::from(vec![
            Span::styled(status.label(), status.style(t)),
            Span::raw(format!("  {} ({})", row.name, row.role.as_str())),
        ]),
        kv("address", row.address.clone(), t),
        kv("SHARED_DIR", row.shared_dir.clone(), t),
        kv("phase", format!("{:?}", row.phase).to_lowercase(), t),
    ];
    if let Some(at) = row.updated {
        out.push(kv(
            "probed",
            format!("{} ago", age(secs_between(at, app.now))),
            t,
        ));
    }
    if let Some(f) = &row.facts {
        facts(f, t, &mut out);
    } else {
        out.push(Line::from(Span::styled("no facts yet", t.pending())));
    }
    let findings: Vec<_> = app
        .findings
        .iter()
        .filter(|f| f.nodes.iter().any(|n| n == name))
        .collect();
    if !findings.is_empty() {
        out.push(section("findings", t));
        for f in findings {
            out.push(Line::from(vec![
                Span::styled(
                    format!("  {}", severity_label(f.severity)),
                    t.severity(f.severity),
                ),
                Span::raw(format!(" {} {}", f.code.as_str(), f.title)),
            ]));
        }
    }
    out.push(section("raw probe output", t));
    match &row.raw {
        Some(raw) => out.extend(raw.lines().map(|l| Line::from(format!("  {l}")))),
        None => out.push(Line::from(Span::styled(
            "  (none: nothing ran)",
            t.pending(),
        ))),
    }
    out
}

fn facts(f: &NodeFacts, t: Theme, out: &mut Vec<Line<'static>>) {
    out.push(kv(
        "dir source",
        format!("{:?}", f.shared_dir_source).to_lowercase(),
        t,
    ));
    out.push(kv(
        "reachable",
        match (f.reachable, f.rtt_ms) {
            (true, Some(ms)) => format!("yes, {ms:.1} ms"),
            (true, None) => "yes".to_owned(),
            (false, _) => "no".to_owned(),
        },
        t,
    ));
    if let Some(e) = &f.error {
        out.push(Line::from(vec![
            Span::styled(format!("{:<14}", "error"), t.pending()),
            Span::styled(e.to_string(), t.crit()),
        ]));
    }
    let Some(p) = &f.probe else { return };
    out.push(section("probe", t));
    if let Some(h) = &p.hostname {
        out.push(kv("hostname", h.clone(), t));
    }
    if let Some(k) = &p.kernel {
        out.push(kv("kernel", k.clone(), t));
    }
    out.push(kv(
        "path",
        match (p.exists, p.is_dir) {
            (true, true) => "exists, directory",
            (true, false) => "exists, NOT a directory",
            (false, _) => "does not exist",
        },
        t,
    ));
    if let Some(m) = &p.mount {
        out.push(kv(
            "mount",
            format!("{} on {} ({})", m.source, m.target, m.fstype),
            t,
        ));
        out.push(kv("options", m.options.join(","), t));
        out.push(kv(
            "provider",
            format!(
                "{}{}{}",
                m.provider,
                if m.network { ", network" } else { ", local" },
                if m.is_mount_point {
                    ", mount point"
                } else {
                    ", folder under the mount"
                }
            ),
            t,
        ));
    }
    if let Some(a) = &p.access {
        let mut text = format!(
            "read {}, write {}",
            if a.read { "yes" } else { "no" },
            if a.write { "yes" } else { "no" }
        );
        if let Some(e) = &a.error {
            text.push_str(&format!(" ({:?}: {})", e.kind, e.detail));
        }
        out.push(kv("access", text, t));
    }
    if let Some(u) = p.usage {
        out.push(kv(
            "space",
            format!(
                "{} free of {} ({} used)",
                size(u.avail_bytes),
                size(u.total_bytes),
                size(u.used_bytes)
            ),
            t,
        ));
    }
    for e in &p.layout {
        out.push(kv(
            "layout",
            format!(
                "{} {} {} {}",
                e.name,
                if e.present { "present" } else { "MISSING" },
                e.mode.as_deref().unwrap_or(""),
                e.owner.as_deref().unwrap_or("")
            )
            .trim_end()
            .to_owned(),
            t,
        ));
    }
    if let Some(per) = &p.persistence {
        out.push(kv(
            "persistent",
            format!(
                "fstab {}, mount unit {}",
                if per.fstab { "yes" } else { "no" },
                per.mount_unit.as_deref().unwrap_or("none")
            ),
            t,
        ));
    }
    if !p.hung_steps.is_empty() {
        out.push(Line::from(vec![
            Span::styled(format!("{:<14}", "hung steps"), t.pending()),
            Span::styled(p.hung_steps.join(", "), t.crit()),
        ]));
    }
    for w in &p.warnings {
        out.push(kv("warning", w.clone(), t));
    }
}

fn cell(app: &App, writer: &str, reader: &str, t: Theme) -> Vec<Line<'static>> {
    let Some(verify) = &app.verify else {
        return vec![Line::from("verification has not run")];
    };
    let find = |w: &str, r: &str| {
        verify
            .matrix
            .iter()
            .find(|c| c.writer == w && c.reader == r)
    };
    let mut out = Vec::new();
    for (label, c, w, r) in [
        ("this cell", find(writer, reader), writer, reader),
        ("reverse", find(reader, writer), reader, writer),
    ] {
        if label == "reverse" && writer == reader {
            break;
        }
        out.push(section(&format!("{label}: {w} writes, {r} reads"), t));
        let Some(c) = c else {
            out.push(Line::from(Span::styled(
                "  no such cell in the matrix",
                t.pending(),
            )));
            continue;
        };
        let (sym, _) = symbol(Some(c));
        let word = match c.status {
            CellStatus::Ok => "ok: the reader saw exactly the writer's token",
            CellStatus::Missing => "missing: no file at the token's path by the deadline",
            CellStatus::Mismatch => {
                "mismatch: another token at that path (other storage, or a stale copy)"
            }
            CellStatus::Error => "error: reading failed",
            CellStatus::Skipped => "skipped: not attempted",
        };
        out.push(Line::from(vec![
            Span::styled(format!("  {sym} "), cell_style(Some(c), t)),
            Span::raw(word),
        ]));
        if let Some(ms) = c.visible_after_ms {
            out.push(kv("  visible after", millis(ms), t));
        }
        if let Some(k) = c.error_kind {
            out.push(kv("  errno class", format!("{k:?}"), t));
        }
        if let Some(d) = &c.detail {
            out.push(kv("  detail", d.clone(), t));
        }
    }
    out.push(kv(
        "run",
        format!("{}, deadline {}", verify.run_id, millis(verify.deadline_ms)),
        t,
    ));
    out
}

fn file_lines(app: &App, file: &str, t: Theme) -> Vec<Line<'static>> {
    let Some(inv) = &app.tarballs else {
        return vec![Line::from("the tarball inventory has not run")];
    };
    let Some(e) = inv.entries.iter().find(|e| e.file == file) else {
        return vec![Line::from(format!("{file} is no longer in the inventory"))];
    };
    let mtime = UNIX_EPOCH + Duration::from_secs(u64::try_from(e.mtime).unwrap_or(0));
    let mut out = vec![
        Line::from(vec![
            Span::styled(status_name(e.status), status_style(e.status, t)),
            Span::raw(format!(
                "  {}{}",
                e.file,
                if app.marks.contains(&e.file) {
                    "  [x] marked"
                } else {
                    ""
                }
            )),
        ]),
        kv(
            "folder",
            format!(
                "{}:{}",
                inv.node.as_deref().unwrap_or("-"),
                inv.dir.as_deref().unwrap_or("-")
            ),
            t,
        ),
        kv(
            "name",
            e.name.clone().unwrap_or_else(|| "(none)".to_owned()),
            t,
        ),
        kv(
            "timestamp",
            e.timestamp
                .map_or_else(|| "(none)".to_owned(), |ts| ts.to_string()),
            t,
        ),
        kv(
            "size",
            format!("{} ({} bytes)", size(e.size_bytes), e.size_bytes),
            t,
        ),
        kv(
            "mtime",
            format!("{} ({} ago)", rfc3339(mtime), age_of_unix(e.mtime, app.now)),
            t,
        ),
        kv("inode", e.inode.to_string(), t),
        kv("kind", format!("{:?}", e.kind).to_lowercase(), t),
        kv(
            "prunable",
            if e.prunable {
                "yes (a default prune deletes it)"
            } else {
                "no"
            },
            t,
        ),
    ];
    if let Some(hex) = &e.file_hex {
        out.push(kv("name bytes", hex.clone(), t));
    }
    let seen: Vec<_> = inv.visibility.iter().filter(|v| v.file == e.file).collect();
    if !seen.is_empty() {
        out.push(section("seen by the runners", t));
        for v in seen {
            let style = match v.status {
                crate::tarballs::VisibilityStatus::Visible => t.ok(),
                crate::tarballs::VisibilityStatus::Skipped => t.pending(),
                _ => t.crit(),
            };
            let mut spans = vec![
                Span::raw(format!("  {:<16}", v.runner)),
                Span::styled(v.status.as_str(), style),
            ];
            if let Some(d) = &v.detail {
                spans.push(Span::raw(format!(" ({d})")));
            }
            out.push(Line::from(spans));
        }
    }
    out
}
