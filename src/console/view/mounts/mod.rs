//! Pane 1, Mounts: one row per node (or per fold of identical nodes).
//!
//! Every cell loads on its own: `·` before any sweep reached the node, the
//! spinner while it connects or probes, then the value. While a new sweep runs
//! the old values stay, dimmed. Columns that do not fit are dropped, least
//! useful first; node and status always stay.

use std::collections::HashMap;

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use super::super::rows::{MountRow, mount_rows};
use super::super::state::{App, NodePhase, NodeRow, Pane};
use super::Ctx;
use super::format::{PENDING, cut_left, cut_line, size, spinner, window};
use super::layout::{filter_note, pane_block};
use crate::facts::NodeFacts;
use crate::report::human::key_options;

mod cells;

use cells::{layout, rw};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Node,
    Reach,
    Path,
    Fs,
    Source,
    Options,
    Rw,
    Free,
    Layout,
    Status,
}

/// Display order.
const ORDER: [Col; 10] = [
    Col::Node,
    Col::Reach,
    Col::Path,
    Col::Fs,
    Col::Source,
    Col::Options,
    Col::Rw,
    Col::Free,
    Col::Layout,
    Col::Status,
];

/// The order columns are given room in, after node and status.
const PRIORITY: [Col; 8] = [
    Col::Reach,
    Col::Path,
    Col::Rw,
    Col::Free,
    Col::Fs,
    Col::Source,
    Col::Options,
    Col::Layout,
];

const STATUS_MIN: u16 = 14;

fn title(col: Col) -> &'static str {
    match col {
        Col::Node => "NODE",
        Col::Reach => "REACH",
        Col::Path => "PATH",
        Col::Fs => "FS",
        Col::Source => "SOURCE",
        Col::Options => "OPTIONS",
        Col::Rw => "R/W",
        Col::Free => "FREE",
        Col::Layout => "LAYOUT",
        Col::Status => "STATUS",
    }
}

fn clamp_len(values: impl Iterator<Item = usize>, title: &str, max: usize) -> u16 {
    let w = values.max().unwrap_or(0).max(title.len()).min(max);
    u16::try_from(w).unwrap_or(u16::MAX)
}

/// Options held by more than half of the nodes that have a mount.
fn majority(app: &App) -> (Vec<&str>, usize) {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    let mut mounted = 0;
    for facts in app.nodes.iter().filter_map(|n| n.facts.as_ref()) {
        if let Some(m) = facts.probe.as_ref().and_then(|p| p.mount.as_ref()) {
            mounted += 1;
            for o in key_options(m) {
                *counts.entry(o).or_default() += 1;
            }
        }
    }
    let mut major: Vec<&str> = counts
        .into_iter()
        .filter(|(_, n)| n * 2 > mounted)
        .map(|(o, _)| o)
        .collect();
    major.sort_unstable();
    (major, mounted)
}

/// How one node's cells look right now.
enum Load<'a> {
    Pending,
    Spinning,
    /// Facts, and whether they are old (a new sweep is on the node).
    Facts(&'a NodeFacts, bool),
}

fn load(row: &NodeRow) -> Load<'_> {
    match (&row.facts, row.phase) {
        (Some(f), NodePhase::Done) => Load::Facts(f, false),
        (Some(f), _) => Load::Facts(f, true),
        (None, NodePhase::Connecting | NodePhase::Probing) => Load::Spinning,
        (None, _) => Load::Pending,
    }
}

struct Draw<'a> {
    widths: &'a Widths,
    app: &'a App,
    ctx: &'a Ctx<'a>,
    major: Vec<&'a str>,
    mounted: usize,
}

impl<'a> Draw<'a> {
    fn cell(&self, row: &MountRow, col: Col) -> Cell<'a> {
        let t = self.ctx.theme;
        let Some(&first) = row.nodes.first() else {
            return Cell::from("");
        };
        let node = &self.app.nodes[first];
        if col == Col::Node {
            let style = if row.nodes.len() > 1 {
                t.header()
            } else {
                Style::new()
            };
            return Cell::from(Span::styled(row.label.clone(), style));
        }
        if col == Col::Path {
            // Paths differ at their end (`.../runner-01/mnt/share`): keep the tail.
            let width = usize::from(self.widths.get(&Col::Path));
            return Cell::from(cut_left(&node.shared_dir, width));
        }
        let (facts, old) = match load(node) {
            Load::Pending => return Cell::from(Span::styled(PENDING, t.pending())),
            Load::Spinning => {
                // Connected already: reachability is known before the probe ends.
                let text = if col == Col::Reach && node.phase == NodePhase::Probing {
                    "✔ up"
                } else {
                    spinner(self.app.spinner)
                };
                return Cell::from(Span::styled(text, t.info()));
            }
            Load::Facts(f, old) => (f, old),
        };
        let mut line = self.value(first, facts, col);
        if matches!(col, Col::Source | Col::Options) {
            line = cut_line(line, usize::from(self.widths.get(&col)));
        }
        if old {
            Cell::from(line.style(t.pending()))
        } else {
            Cell::from(line)
        }
    }

    fn value(&self, index: usize, facts: &'a NodeFacts, col: Col) -> Line<'a> {
        let t = self.ctx.theme;
        let probe = facts.probe.as_ref();
        let mount = probe.and_then(|p| p.mount.as_ref());
        let dash = || Line::from("-");
        match col {
            Col::Reach => match (facts.reachable, facts.rtt_ms) {
                (false, _) => Line::from(Span::styled("✖ down", t.crit())),
                (true, Some(ms)) => Line::from(format!("✔ {ms:.1}ms")),
                (true, None) => Line::from("✔ up"),
            },
            Col::Fs => mount.map_or_else(dash, |m| Line::from(m.fstype.as_str())),
            Col::Source => mount.map_or_else(dash, |m| Line::from(m.source.as_str())),
            Col::Options => mount.map_or_else(dash, |m| self.options(key_options(m))),
            Col::Rw => rw(probe, self.ctx),
            Col::Free => match probe.and_then(|p| p.usage) {
                None => dash(),
                Some(u) if u.avail_bytes < self.app.settings.policy.min_free_bytes => {
                    Line::from(Span::styled(size(u.avail_bytes), t.warn()))
                }
                Some(u) => Line::from(size(u.avail_bytes)),
            },
            Col::Layout => layout(probe, self.ctx),
            Col::Status => {
                let status = self.ctx.status[index];
                let mut spans = vec![Span::styled(status.label(), status.style(t))];
                if let Some(codes) = self.ctx.codes.get(facts.name.as_str()) {
                    // `? unreachable unreachable` says nothing twice.
                    let codes: Vec<&str> = codes
                        .iter()
                        .copied()
                        .filter(|c| !status.label().ends_with(c))
                        .collect();
                    if !codes.is_empty() {
                        spans.push(Span::raw(format!(" {}", codes.join(","))));
                    }
                }
                Line::from(spans)
            }
            Col::Node | Col::Path => dash(),
        }
    }

    /// Key options, those outside the majority highlighted.
    fn options(&self, shown: Vec<&'a str>) -> Line<'a> {
        let t = self.ctx.theme;
        // With one or two mounted nodes there is no meaningful majority.
        let judge = self.mounted >= 3;
        let mut spans: Vec<Span<'a>> = Vec::new();
        for (i, o) in shown.iter().enumerate() {
            if i > 0 {
                spans.push(Span::raw(","));
            }
            let odd = judge && !self.major.contains(o);
            spans.push(Span::styled(
                *o,
                if odd { t.highlight() } else { Style::new() },
            ));
        }
        if spans.is_empty() {
            spans.push(Span::raw("-"));
        }
        Line::from(spans)
    }
}

pub fn render(app: &App, ctx: &Ctx<'_>, frame: &mut Frame, area: Rect, focused: bool) {
    let rows = mount_rows(app);
    let mut extra = format!("{} of {} nodes", rows.len(), app.nodes.len());
    if app.fold {
        extra = format!("{} rows, {} nodes, folded", rows.len(), app.nodes.len());
    }
    let note = filter_note(app, Pane::Mounts);
    if !note.is_empty() {
        extra.push_str(&format!(", {note}"));
    }
    let block = pane_block(Pane::Mounts, &extra, focused, ctx.theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if rows.is_empty() {
        let text = if app.nodes.is_empty() {
            "no nodes configured"
        } else {
            "no node matches the filter (Esc clears it)"
        };
        frame.render_widget(Paragraph::new(text).style(ctx.theme.pending()), inner);
        return;
    }
    let widths = widths(app, &rows);
    let cols = fit(&widths, inner.width);
    let (major, mounted) = majority(app);
    let draw = Draw {
        widths: &widths,
        app,
        ctx,
        major,
        mounted,
    };
    let cursor = app.cursors[0];
    let body = usize::from(inner.height.saturating_sub(1));
    let (start, end) = window(cursor.selected, cursor.offset, rows.len(), body);
    let table_rows: Vec<Row> = rows[start..end]
        .iter()
        .enumerate()
        .map(|(k, r)| {
            let row = Row::new(cols.iter().map(|c| draw.cell(r, *c)));
            if start + k == cursor.selected {
                row.style(ctx.theme.selected())
            } else {
                row
            }
        })
        .collect();
    let constraints: Vec<Constraint> = cols
        .iter()
        .map(|c| match c {
            Col::Status => Constraint::Fill(1),
            c => Constraint::Length(widths.get(c)),
        })
        .collect();
    let header = Row::new(cols.iter().map(|c| Cell::from(title(*c)))).style(ctx.theme.header());
    frame.render_widget(
        Table::new(table_rows, constraints)
            .header(header)
            .column_spacing(1),
        inner,
    );
}

struct Widths(Vec<(Col, u16)>);

impl Widths {
    fn get(&self, col: &Col) -> u16 {
        self.0
            .iter()
            .find(|(c, _)| c == col)
            .map_or(STATUS_MIN, |(_, w)| *w)
    }
}

/// Column widths from every node (not only the visible ones), so columns do
/// not jump while scrolling.
fn widths(app: &App, rows: &[MountRow]) -> Widths {
    let mounts = || {
        app.nodes
            .iter()
            .filter_map(|n| n.facts.as_ref()?.probe.as_ref()?.mount.as_ref())
    };
    Widths(vec![
        (
            Col::Node,
            clamp_len(rows.iter().map(|r| r.label.chars().count()), "NODE", 28),
        ),
        (Col::Reach, 8),
        (
            Col::Path,
            clamp_len(
                app.nodes.iter().map(|n| n.shared_dir.chars().count()),
                "PATH",
                28,
            ),
        ),
        (
            Col::Fs,
            clamp_len(mounts().map(|m| m.fstype.len()), "FS", 10),
        ),
        (
            Col::Source,
            clamp_len(mounts().map(|m| m.source.chars().count()), "SOURCE", 20),
        ),
        (
            Col::Options,
            clamp_len(
                mounts().map(|m| {
                    let shown = key_options(m);
                    shown.iter().map(|o| o.chars().count()).sum::<usize>() + shown.len()
                }),
                "OPTIONS",
                20,
            ),
        ),
        (Col::Rw, 4),
        (Col::Free, 8),
        (Col::Layout, 6),
    ])
}

/// The columns that fit in `width`, in display order.
fn fit(widths: &Widths, width: u16) -> Vec<Col> {
    let mut used = widths.get(&Col::Node) + 1 + STATUS_MIN;
    let mut chosen = vec![Col::Node, Col::Status];
    for col in PRIORITY {
        let need = widths.get(&col) + 1;
        if used.saturating_add(need) <= width {
            used += need;
            chosen.push(col);
        }
    }
    ORDER.into_iter().filter(|c| chosen.contains(c)).collect()
}
