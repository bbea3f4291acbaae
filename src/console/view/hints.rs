//! Pane 4, Hints: the findings worst first, then everything about the selected
//! one: its nodes, why it matters and the fix (the hint catalogue's text with
//! the node's values), the evidence, the read-only debug commands `x` runs on
//! each node, and the fix commands that are only shown (`c` copies them).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, Wrap};

use super::super::rows::hint_rows;
use super::super::state::{App, Pane};
use super::super::theme::Theme;
use super::Ctx;
use super::format::window;
use super::layout::{filter_note, pane_block};
use crate::diagnose::{Finding, Severity};
use crate::engine::debug::targets;
use crate::facts::NodeFacts;
use crate::report::nodeset;

pub fn severity_label(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "✖ critical",
        Severity::Warning => "▲ warning",
        Severity::Info => "ℹ info",
    }
}

pub fn folded_nodes(finding: &Finding) -> String {
    let names: Vec<&str> = finding.nodes.iter().map(String::as_str).collect();
    nodeset::fold(&names)
}

/// The facts of the nodes `finding` names, for its debug targets.
pub fn facts_for(app: &App, finding: &Finding) -> Vec<NodeFacts> {
    app.nodes
        .iter()
        .filter(|n| finding.nodes.contains(&n.name))
        .filter_map(|n| n.facts.clone())
        .collect()
}

/// Everything about one finding, as lines (the pane's lower part and the
/// finding's detail popup).
pub fn finding_lines(app: &App, finding: &Finding, t: Theme) -> Vec<Line<'static>> {
    let mut lines = vec![
        Line::from(vec![
            Span::styled(
                severity_label(finding.severity),
                t.severity(finding.severity),
            ),
            Span::raw(" "),
            Span::styled(finding.code.as_str(), t.header()),
            Span::raw(format!(" {}", finding.title)),
        ]),
        Line::from(vec![
            Span::styled("nodes: ", t.pending()),
            Span::raw(folded_nodes(finding)),
        ]),
    ];
    if !finding.why.is_empty() {
        lines.push(Line::from(vec![
            Span::styled("why: ", t.pending()),
            Span::raw(finding.why.clone()),
        ]));
    }
    lines.push(Line::from(vec![
        Span::styled("fix: ", t.pending()),
        Span::raw(finding.hint.clone()),
    ]));
    for e in &finding.evidence {
        lines.push(Line::from(vec![
            Span::styled("seen: ", t.pending()),
            Span::raw(e.clone()),
        ]));
    }
    let debug = targets(finding, &facts_for(app, finding));
    lines.push(Line::from(Span::styled(
        "x runs these (read-only):",
        t.title(),
    )));
    if debug.is_empty() {
        lines.push(Line::from(Span::styled(
            "  none: no affected node can run them (unreachable or not probed)",
            t.pending(),
        )));
        // What reaches the node from outside (ping, ssh -v) is for the operator.
        if !finding.debug_commands.is_empty() {
            lines.push(Line::from(Span::styled(
                "investigate from this machine:",
                t.title(),
            )));
            for command in &finding.debug_commands {
                lines.push(Line::from(format!("  $ {command}")));
            }
        }
    }
    for target in &debug {
        for command in &target.commands {
            lines.push(Line::from(vec![
                Span::styled(format!("  {}: ", target.node), t.pending()),
                Span::raw(command.clone()),
            ]));
        }
    }
    if !finding.commands.is_empty() {
        lines.push(Line::from(Span::styled(
            "fix, shown only — c copies:",
            t.title(),
        )));
        for command in &finding.commands {
            lines.push(Line::from(format!("  $ {command}")));
        }
    }
    lines
}

pub fn render(app: &App, ctx: &Ctx<'_>, frame: &mut Frame, area: Rect, focused: bool) {
    let t = ctx.theme;
    let rows = hint_rows(app);
    let mut extra = format!("{} findings", app.findings.len());
    let note = filter_note(app, Pane::Hints);
    if !note.is_empty() {
        extra.push_str(&format!(", {note}"));
    }
    let block = pane_block(Pane::Hints, &extra, focused, t);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if rows.is_empty() {
        let text = if !app.findings.is_empty() {
            "no finding matches the filter (Esc clears it)"
        } else if app.sweep.last_done.is_some() {
            "No findings: every node's shared storage looks right."
        } else {
            "· no findings yet: they come with the first sweep"
        };
        let style = if app.findings.is_empty() && app.sweep.last_done.is_some() {
            t.ok()
        } else {
            t.pending()
        };
        frame.render_widget(Paragraph::new(text).style(style), inner);
        return;
    }
    // The list gets up to 40 % of the pane; the selected finding the rest.
    let list_height = u16::try_from(rows.len() + 1)
        .unwrap_or(u16::MAX)
        .min(inner.height.saturating_mul(2) / 5)
        .max(2);
    let [list, gap, detail] = Layout::vertical([
        Constraint::Length(list_height),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(inner);
    let cursor = app.cursors[3];
    let (start, end) = window(
        cursor.selected,
        cursor.offset,
        rows.len(),
        usize::from(list.height.saturating_sub(1)),
    );
    let table_rows: Vec<Row> = (start..end)
        .map(|k| {
            let f = &app.findings[rows[k]];
            let row = Row::new(vec![
                Cell::from(Span::styled(
                    severity_label(f.severity),
                    t.severity(f.severity),
                )),
                Cell::from(f.code.as_str()),
                Cell::from(folded_nodes(f)),
                Cell::from(f.title.clone()),
            ]);
            if k == cursor.selected {
                row.style(t.selected())
            } else {
                row
            }
        })
        .collect();
    let code_width = rows
        .iter()
        .map(|&i| app.findings[i].code.as_str().len())
        .max()
        .unwrap_or(4)
        .max(4);
    let nodes_width = (start..end)
        .map(|k| folded_nodes(&app.findings[rows[k]]).chars().count())
        .max()
        .unwrap_or(5)
        .clamp(5, 24);
    let widths = [
        Constraint::Length(10),
        Constraint::Length(u16::try_from(code_width).unwrap_or(20)),
        Constraint::Length(u16::try_from(nodes_width).unwrap_or(24)),
        Constraint::Fill(1),
    ];
    let header = Row::new(["SEVERITY", "CODE", "NODES", "TITLE"]).style(t.header());
    frame.render_widget(
        Table::new(table_rows, widths)
            .header(header)
            .column_spacing(1),
        list,
    );
    frame.render_widget(
        Paragraph::new(Line::from(Span::styled(
            "─".repeat(usize::from(gap.width)),
            t.pending(),
        ))),
        gap,
    );
    let index = rows[cursor.selected.min(rows.len() - 1)];
    let finding = &app.findings[index];
    frame.render_widget(
        Paragraph::new(finding_lines(app, finding, t)).wrap(Wrap { trim: false }),
        detail,
    );
}
