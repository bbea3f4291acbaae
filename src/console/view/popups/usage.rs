//! The detail of one disk-usage entry (Enter on it): its size and share of the
//! filesystem, why it is partial, `logs`' task folders and their ages, then its
//! children one level further, largest first, each with a bar of its share of
//! the entry. Esc goes back to the pane.

use ratatui::text::{Line, Span};

use super::super::super::state::App;
use super::super::super::theme::Theme;
use super::super::format::{age_of_rfc3339, bar, cut_left, percent, size};
use super::super::tarballs::usage::{entry_size, place};
use crate::usage::BROKEN_DOWN;

fn kv(key: &str, value: impl Into<String>, t: Theme) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{key:<14}"), t.pending()),
        Span::raw(value.into()),
    ])
}

/// Width of a child's name and bar columns: a child's line fits a 76-column
/// popup (an 80-column terminal).
const CHILD_NAME: usize = 28;
const CHILD_BAR: usize = 14;

pub fn lines(app: &App, path: &str, t: Theme) -> (String, Vec<Line<'static>>) {
    let title = format!(" Usage {path} ");
    let Some(report) = &app.usage.report else {
        return (title, vec![Line::from("no usage walk has finished yet")]);
    };
    let Some(entry) = report.entry(path) else {
        return (
            title,
            vec![Line::from(
                "that entry is gone (a newer walk did not find it)",
            )],
        );
    };
    let mut out = vec![
        kv("path", format!("{}/{}", place(report), entry.path), t),
        kv(
            "size",
            format!(
                "{} ({} bytes)",
                entry_size(entry.bytes, entry.complete),
                entry.bytes
            ),
            t,
        ),
    ];
    if let Some(total) = report.fs_total_bytes {
        out.push(kv(
            "filesystem",
            format!("{} of {}", percent(entry.bytes, total), size(total)),
            t,
        ));
    }
    out.push(if entry.complete {
        Line::from(vec![
            Span::styled(format!("{:<14}", "status"), t.pending()),
            Span::styled("✔ complete", t.ok()),
        ])
    } else {
        let why = entry.note.as_deref().unwrap_or("not fully counted");
        Line::from(vec![
            Span::styled(format!("{:<14}", "status"), t.pending()),
            Span::styled(format!("▲ partial: {why}"), t.warn()),
        ])
    });
    if let Some(folders) = entry.task_folders {
        out.push(kv("task folders", folders.to_string(), t));
    }
    for (key, at) in [
        ("oldest", &entry.oldest_mtime),
        ("newest", &entry.newest_mtime),
    ] {
        if let Some(at) = at {
            out.push(kv(
                key,
                format!("{at} ({} ago)", age_of_rfc3339(at, app.now)),
                t,
            ));
        }
    }
    out.push(kv(
        "walked",
        format!(
            "{} by {}, {} s budget per entry",
            report.started_at,
            report.node.as_deref().unwrap_or("-"),
            report.budget_secs
        ),
        t,
    ));
    out.push(Line::default());
    if entry.children.is_empty() {
        let why = if BROKEN_DOWN.contains(&entry.path.as_str()) {
            "it holds no folder or file".to_owned()
        } else {
            format!(
                "only {} are listed one level further",
                BROKEN_DOWN.join(" and ")
            )
        };
        out.push(Line::from(Span::styled(
            format!("no children: {why}"),
            t.pending(),
        )));
        return (title, out);
    }
    // The walk keeps only the largest children of a big folder: say so.
    let listed = entry.children.len();
    let what = match entry.task_folders {
        Some(all) if all > listed as u64 => format!("the {listed} largest of {all} task folders"),
        _ => format!("{listed} children, largest first"),
    };
    out.push(Line::from(Span::styled(
        format!("{what} (bar and %: share of {})", entry.path),
        t.title(),
    )));
    for child in &entry.children {
        let name = child
            .path
            .strip_prefix(&format!("{}/", entry.path))
            .unwrap_or(&child.path);
        let mut spans = vec![
            Span::raw(format!("  {:<CHILD_NAME$} ", cut_left(name, CHILD_NAME))),
            Span::styled(bar(child.bytes, entry.bytes, CHILD_BAR), t.info()),
            Span::raw(format!(
                " {:>10} {:>6}",
                entry_size(child.bytes, child.complete),
                percent(child.bytes, entry.bytes)
            )),
        ];
        if !child.complete {
            spans.push(Span::styled("  ▲ partial", t.warn()));
        }
        out.push(Line::from(spans));
    }
    (title, out)
}
