//! The disk-usage section of the Tarballs & usage pane, under the tarballs: a
//! line on the walk (where, how much, its age or its progress, its error), then
//! one row per top-level entry of SHARED_DIR: a bar of its share of the bytes
//! counted, its size, its percentage of the filesystem's size, and what is
//! partial or, for `logs`, how many task folders and how old. Its rows follow
//! the tarball rows in the pane's selection; Enter shows an entry's children.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};

use super::super::super::rows::{tarball_rows, usage_rows};
use super::super::super::state::App;
use super::super::super::theme::Theme;
use super::super::format::{
    age, age_of_rfc3339, bar, cut, millis, percent, secs_between, size, spinner, window,
};
use crate::usage::{BROKEN_DOWN, UsageEntry, UsageReport};

/// Lines the section takes out of `available` (the pane's inner height): its
/// rule and walk line, then the table (header and rows) when there are rows,
/// never more than half the pane once the tarballs need room.
pub fn height(app: &App, available: u16) -> u16 {
    let rows = u16::try_from(usage_rows(app).len()).unwrap_or(u16::MAX);
    let table = if rows == 0 { 0 } else { rows.saturating_add(1) };
    let wanted = (1 + walk_height(app)).saturating_add(table);
    wanted.min((available / 2).max(4)).min(available)
}

/// Lines of the walk line: two for an error, which is wrapped (it says why).
fn walk_height(app: &App) -> u16 {
    let failed = app.usage.report.as_ref().is_some_and(|r| r.error.is_some());
    if failed { 2 } else { 1 }
}

/// `12 MiB` or, for an entry cut short, `≥12 MiB` (what was counted so far).
pub fn entry_size(bytes: u64, complete: bool) -> String {
    if complete {
        size(bytes)
    } else {
        format!("≥{}", size(bytes))
    }
}

/// What the walk is doing or did, in one line.
fn walk_line(app: &App, t: Theme) -> Line<'static> {
    let usage = &app.usage;
    let mut spans = Vec::new();
    let asked = usage
        .requested
        .is_some_and(|at| app.now < at + crate::console::update::REQUEST_GRACE);
    if usage.running.is_some() || asked {
        let on = usage
            .node
            .as_deref()
            .map_or(String::new(), |n| format!(" on {n}"));
        let progress = if usage.total == 0 {
            "listing the share".to_owned()
        } else {
            format!("{}/{} entries", usage.done, usage.total)
        };
        spans.push(Span::styled(
            format!("{} walking{on}: {progress}", spinner(app.spinner)),
            t.info(),
        ));
        if usage.report.is_some() {
            spans.push(Span::raw(" · last walk below"));
        }
        return Line::from(spans);
    }
    let Some(report) = &usage.report else {
        let text = if app.sweep.last_done.is_some() {
            "· not walked yet (u walks the share)"
        } else {
            "· walks the share in the background after the first sweep (u walks it again)"
        };
        return Line::from(Span::styled(text, t.pending()));
    };
    if let Some(error) = &report.error {
        spans.push(Span::styled(
            format!("✖ usage walk failed: {error}"),
            t.crit(),
        ));
        return Line::from(spans);
    }
    spans.push(Span::styled(size(report.counted_bytes()), t.header()));
    spans.push(Span::raw(format!(" in {} entries", report.entries.len())));
    if let Some(total) = report.fs_total_bytes {
        let used = report
            .fs_used_bytes
            .map_or(String::new(), |u| format!(", {} used", percent(u, total)));
        spans.push(Span::raw(format!(" · filesystem {}{used}", size(total))));
    }
    if let Some(at) = usage.finished {
        spans.push(Span::raw(format!(
            " · walked {} ago in {}",
            age(secs_between(at, app.now)),
            millis(report.duration_ms)
        )));
    }
    if report.partial() {
        spans.push(Span::styled(" · ▲ partial", t.warn()));
    }
    Line::from(spans)
}

/// Where the walk ran: `host:/srv/share`.
pub fn place(report: &UsageReport) -> String {
    format!(
        "{}:{}",
        report.node.as_deref().unwrap_or("-"),
        report.dir.as_deref().unwrap_or("-")
    )
}

/// The NOTE column: why an entry is partial, or what `logs` holds.
pub fn note(entry: &UsageEntry, app: &App, t: Theme) -> Span<'static> {
    if !entry.complete {
        let why = entry.note.as_deref().unwrap_or("not fully counted");
        return Span::styled(format!("▲ partial: {why}"), t.warn());
    }
    if let Some(folders) = entry.task_folders {
        let mut text = format!("{folders} task folders");
        if let (Some(old), Some(new)) = (&entry.oldest_mtime, &entry.newest_mtime) {
            text.push_str(&format!(
                ", {} … {} old",
                age_of_rfc3339(old, app.now),
                age_of_rfc3339(new, app.now)
            ));
        }
        return Span::raw(text);
    }
    if BROKEN_DOWN.contains(&entry.path.as_str()) {
        return Span::styled(
            format!("{} listed inside (Enter shows them)", entry.children.len()),
            t.pending(),
        );
    }
    Span::raw("")
}

pub fn render(app: &App, frame: &mut Frame, area: Rect, t: Theme) {
    let title = match &app.usage.report {
        Some(r) if r.node.is_some() => format!(" Disk usage of {} ", place(r)),
        _ => " Disk usage ".to_owned(),
    };
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(t.pending())
        .title(Span::styled(title, t.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 {
        return;
    }
    let walk = walk_height(app).min(inner.height);
    let line = Rect {
        height: walk,
        ..inner
    };
    frame.render_widget(
        Paragraph::new(walk_line(app, t)).wrap(ratatui::widgets::Wrap { trim: false }),
        line,
    );
    let table_area = Rect {
        y: inner.y + walk,
        height: inner.height - walk,
        ..inner
    };
    let (Some(report), rows) = (&app.usage.report, usage_rows(app)) else {
        return;
    };
    if rows.is_empty() || table_area.height < 2 {
        return;
    }
    // The pane's selection runs over the tarball rows, then these.
    let first = tarball_rows(app).len();
    let selected = app.cursors[2].selected.checked_sub(first);
    let body = usize::from(table_area.height - 1);
    let (start, end) = window(selected.unwrap_or(0), 0, rows.len(), body);
    let counted = report.counted_bytes();
    let narrow = area.width < 100;
    let (name_w, bar_w) = if narrow { (18, 10) } else { (24, 16) };
    let mut out = Vec::with_capacity(end - start);
    for (k, &i) in rows.iter().enumerate().take(end).skip(start) {
        let e = &report.entries[i];
        let fs = report
            .fs_total_bytes
            .map_or_else(|| "-".to_owned(), |total| percent(e.bytes, total));
        let size_style = if e.complete { t.plain() } else { t.warn() };
        let mut row = Row::new(vec![
            Cell::from(cut(&e.path, name_w)),
            Cell::from(Span::styled(bar(e.bytes, counted, bar_w), t.info())),
            Cell::from(Span::styled(entry_size(e.bytes, e.complete), size_style)),
            Cell::from(fs),
            Cell::from(note(e, app, t)),
        ]);
        if selected == Some(k) {
            row = row.style(t.selected());
        }
        out.push(row);
    }
    let widths = [
        Constraint::Length(name_w as u16),
        Constraint::Length(bar_w as u16),
        Constraint::Length(10),
        Constraint::Length(6),
        Constraint::Fill(1),
    ];
    let header = Row::new(["ENTRY", "SHARE", "SIZE", "% FS", "NOTE"]).style(t.header());
    frame.render_widget(
        Table::new(out, widths).header(header).column_spacing(1),
        table_area,
    );
}
