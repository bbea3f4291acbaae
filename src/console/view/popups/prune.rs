//! The prune confirm dialog (node, every path, total size; No first and
//! focused by default) and the prune's progress and results.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Gauge, Paragraph};

use super::super::super::state::App;
use super::super::super::theme::Theme;
use super::super::Ctx;
use super::super::format::{cut, size, window};
use super::{buttons, frame_popup};
use crate::tarballs::{PruneOutcome, PruneResult, TarballEntry};

pub fn confirm(
    app: &App,
    ctx: &Ctx<'_>,
    plan: &[TarballEntry],
    yes: bool,
    scroll: usize,
    frame: &mut Frame,
    area: Rect,
) {
    let t = ctx.theme;
    let inv = app.tarballs.as_ref();
    let node = inv
        .and_then(|i| i.node.as_deref())
        .unwrap_or("(unknown node)");
    let dir = inv
        .and_then(|i| i.dir.as_deref())
        .unwrap_or("(unknown folder)");
    let total: u64 = plan.iter().map(|e| e.size_bytes).sum();
    let head = vec![Line::from(vec![
        Span::raw(format!(
            "Delete {} file{} ({}) on node ",
            plan.len(),
            if plan.len() == 1 { "" } else { "s" },
            size(total)
        )),
        Span::styled(node.to_owned(), t.header()),
        Span::raw(":"),
    ])];
    let paths: Vec<Line<'static>> = plan
        .iter()
        .map(|e| {
            Line::from(vec![
                Span::raw(format!("  {}/{}", dir.trim_end_matches('/'), e.file)),
                Span::styled(format!("  {}", size(e.size_bytes)), t.pending()),
            ])
        })
        .collect();
    let foot = vec![
        Line::from(Span::styled(
            "Each file is re-checked first; every deletion goes to the audit log.",
            t.pending(),
        )),
        Line::default(),
        buttons(t, yes),
    ];
    let content = head.len() + paths.len() + foot.len();
    let inner = frame_popup(frame, area, t, " Prune marked files? ", 100, content);
    let [top, middle, bottom] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(3),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(head), top);
    let height = usize::from(middle.height);
    let max = paths.len().saturating_sub(height);
    let first = scroll.min(max);
    let mut shown: Vec<Line<'static>> = paths.into_iter().skip(first).take(height).collect();
    if max > 0
        && let Some(last) = shown.last_mut()
    {
        *last = Line::from(Span::styled(
            format!("  … {} paths in all (j/k scrolls)", plan.len()),
            t.pending(),
        ));
    }
    frame.render_widget(Paragraph::new(shown), middle);
    frame.render_widget(Paragraph::new(foot), bottom);
}

fn outcome(result: &PruneResult, t: Theme) -> Line<'static> {
    let (word, style) = match result.outcome {
        PruneOutcome::Deleted => ("✔ deleted", t.ok()),
        PruneOutcome::Skipped => ("▲ skipped", t.warn()),
        PruneOutcome::Failed => ("✖ failed ", t.crit()),
        PruneOutcome::WouldDelete => ("· would delete", t.pending()),
    };
    let mut spans = vec![
        Span::styled(word, style),
        Span::raw(format!("  {}  {}", result.file, size(result.size_bytes))),
    ];
    if let Some(d) = &result.detail {
        spans.push(Span::styled(format!("  {d}"), t.pending()));
    }
    Line::from(spans)
}

pub fn progress(app: &App, ctx: &Ctx<'_>, scroll: usize, frame: &mut Frame, area: Rect) {
    let t = ctx.theme;
    let Some(run) = &app.prune else {
        let inner = frame_popup(frame, area, t, " Prune ", 60, 1);
        frame.render_widget(Paragraph::new("no prune has run"), inner);
        return;
    };
    let done = run.results.len();
    let mut summary: Vec<Line<'static>> = Vec::new();
    match &run.report {
        None => summary.push(Line::from(Span::styled(
            format!(
                "pruning on {}: re-check, then delete, one file at a time…",
                run.node.as_deref().unwrap_or("-")
            ),
            t.info(),
        ))),
        Some(report) => {
            let count = |o: PruneOutcome| report.results.iter().filter(|r| r.outcome == o).count();
            let (deleted, skipped, failed) = (
                count(PruneOutcome::Deleted),
                count(PruneOutcome::Skipped),
                count(PruneOutcome::Failed),
            );
            let style = if failed > 0 {
                t.crit()
            } else if skipped > 0 {
                t.warn()
            } else {
                t.ok()
            };
            summary.push(Line::from(Span::styled(
                format!(
                    "done: {deleted} deleted, {skipped} skipped, {failed} failed; {} freed",
                    size(report.freed_bytes)
                ),
                style,
            )));
            summary.push(Line::from(format!(
                "audit log: {}",
                report.audit_log.as_deref().unwrap_or("(none written)")
            )));
            for note in &report.notes {
                summary.push(Line::from(Span::styled(format!("note: {note}"), t.warn())));
            }
        }
    }
    let title = if run.report.is_some() {
        " Prune: finished "
    } else {
        " Prune: running "
    };
    let content = 2 + run.results.len().max(1) + summary.len();
    let inner = frame_popup(frame, area, t, title, 100, content);
    let [gauge, list, bottom] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(0),
        Constraint::Length(u16::try_from(summary.len()).unwrap_or(1)),
    ])
    .areas(inner);
    let ratio = if run.total == 0 {
        1.0
    } else {
        (done as f64 / run.total as f64).clamp(0.0, 1.0)
    };
    let gauge_rect = Rect { height: 1, ..gauge };
    frame.render_widget(
        Gauge::default()
            .ratio(ratio)
            .label(format!("{done}/{} files", run.total))
            .gauge_style(t.ok())
            .use_unicode(true),
        gauge_rect,
    );
    let height = usize::from(list.height);
    let (start, end) = window(scroll, scroll, run.results.len(), height);
    let lines: Vec<Line<'static>> = if run.results.is_empty() {
        vec![Line::from(Span::styled(
            "waiting for the first file…",
            t.pending(),
        ))]
    } else {
        run.results[start..end]
            .iter()
            .map(|r| outcome(r, t))
            .collect()
    };
    frame.render_widget(Paragraph::new(lines), list);
    let width = usize::from(bottom.width);
    let summary: Vec<Line<'static>> = summary
        .into_iter()
        .map(|l| {
            if l.width() > width {
                let text: String = l.spans.iter().map(|s| s.content.as_ref()).collect();
                Line::from(cut(&text, width))
                    .style(l.spans.first().map(|s| s.style).unwrap_or_default())
            } else {
                l
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(summary), bottom);
}
