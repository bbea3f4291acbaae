//! Pane 2, Verify: the group summary first (what `check` says about groups),
//! then the writer × reader matrix with the report's two-character cells.
//! Rows are writers (the pane's rows, filtered), columns readers numbered as the
//! rows are; both scroll (`Cursor::offset`, `Cursor::column`), so hundreds of
//! nodes stay usable.

use std::collections::HashMap;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::super::rows::verify_rows;
use super::super::state::{App, Pane};
use super::super::theme::Theme;
use super::Ctx;
use super::format::{cut, millis, spinner, window};
use super::layout::{filter_note, pane_block};
use crate::report::human::Style as ReportStyle;
use crate::report::human::verify::{LEGEND, groups, symbol};
use crate::verify::matrix::Cells;
use crate::verify::{Cell, CellStatus, VerifyReport};

/// Longest row label; longer names are cut (the summary has them in full).
const NAME_MAX: usize = 16;

const CORNER: &str = "writer\\reader";

/// The legend when the report's does not fit.
const SHORT_LEGEND: &str = "ok seen  !M missing  !X mismatch  !E error  !H hung  -- skipped";

/// Finds a cell by (writer, reader) index. The engine lays the matrix out
/// writers × readers in config order; when it is, a cell is one multiplication
/// away, else a map is built once for the frame.
pub struct CellIndex<'a> {
    matrix: &'a [Cell],
    names: &'a [String],
    map: Option<HashMap<(&'a str, &'a str), &'a Cell>>,
}

impl<'a> CellIndex<'a> {
    pub fn new(verify: &'a VerifyReport, names: &'a [String]) -> Self {
        // Every row's first cell names its writer and the first row names every
        // reader: then the engine's nested writer/reader loop laid it out, and
        // `get` need not compare names again.
        let n = names.len();
        let m = &verify.matrix;
        let direct = m.len() == n * n
            && (0..n).all(|i| m[i * n].writer == names[i] && m[i].reader == names[i]);
        let map = (!direct).then(|| {
            verify
                .matrix
                .iter()
                .map(|c| ((c.writer.as_str(), c.reader.as_str()), c))
                .collect()
        });
        Self {
            matrix: &verify.matrix,
            names,
            map,
        }
    }

    pub fn get(&self, writer: usize, reader: usize) -> Option<&'a Cell> {
        let (w, r) = (self.names.get(writer)?, self.names.get(reader)?);
        match &self.map {
            Some(map) => map.get(&(w.as_str(), r.as_str())).copied(),
            None => self.matrix.get(writer * self.names.len() + reader),
        }
    }
}

pub fn cell_style(cell: Option<&Cell>, theme: Theme) -> Style {
    match cell.map(|c| c.status) {
        Some(CellStatus::Ok) => theme.ok(),
        Some(CellStatus::Missing | CellStatus::Mismatch | CellStatus::Error) => theme.crit(),
        Some(CellStatus::Skipped) | None => theme.pending(),
    }
}

/// The report's group lines (split, shared storage, separate storage, nodes
/// that saw nothing, clean-up), for the nodes in `names`.
pub fn summary(verify: &VerifyReport, names: &[String], index: &CellIndex<'_>) -> Vec<String> {
    // The summary asks about single-node groups (whom they see: their rows and
    // columns) and nodes in no group (their diagonal, and whether any of their
    // cells was attempted: one such cell is enough). Hand it only those cells
    // instead of a copy of a 40 000-cell matrix.
    let mut in_group: HashMap<&str, usize> = HashMap::new();
    for g in &verify.groups {
        for n in g {
            in_group.insert(n.as_str(), g.len());
        }
    }
    let mut some: Vec<Cell> = Vec::new();
    for (i, name) in names.iter().enumerate() {
        match in_group.get(name.as_str()) {
            Some(&size) if size > 1 => {}
            Some(_) => {
                for j in 0..names.len() {
                    some.extend(index.get(i, j).cloned());
                    if i != j {
                        some.extend(index.get(j, i).cloned());
                    }
                }
            }
            None => {
                some.extend(index.get(i, i).cloned());
                // Its row first (next to each other in memory), then its column.
                let others = || (0..names.len()).filter(move |&j| j != i);
                let attempted = others()
                    .filter_map(|j| index.get(i, j))
                    .chain(others().filter_map(|j| index.get(j, i)))
                    .find(|c| c.status != CellStatus::Skipped);
                some.extend(attempted.cloned());
            }
        }
    }
    // The report also scans the matrix for the nodes outside every group: give
    // it the same reduced matrix (those nodes' cells are all in it).
    let reduced = VerifyReport {
        run_id: String::new(),
        deadline_ms: verify.deadline_ms,
        matrix: some,
        groups: verify.groups.clone(),
        shared: verify.shared.clone(),
        split: verify.split,
        writes: Vec::new(),
        io_bench: None,
        cleanup: verify.cleanup.clone(),
    };
    let cells = Cells::new(&reduced.matrix);
    let mut out = String::new();
    groups(
        &mut out,
        &reduced,
        &cells,
        names,
        ReportStyle { color: false },
    );
    out.lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

fn summary_style(line: &str, theme: Theme) -> Style {
    if line.starts_with("SPLIT") || line.contains("cannot read back") {
        theme.crit()
    } else if line.starts_with("shared storage") {
        theme.ok()
    } else if line.starts_with("separate storage")
        || line.contains("sees only")
        || line.contains("saw no token")
        || line.contains("INCOMPLETE")
    {
        theme.warn()
    } else {
        theme.pending()
    }
}

pub fn render(app: &App, ctx: &Ctx<'_>, frame: &mut Frame, area: Rect, focused: bool) {
    let t = ctx.theme;
    let mut extra = String::new();
    if let Some(v) = &app.verify {
        extra = format!("run {}, deadline {}", v.run_id, millis(v.deadline_ms));
    }
    let note = filter_note(app, Pane::Verify);
    if !note.is_empty() {
        extra = format!("{extra} {note}");
    }
    let block = pane_block(Pane::Verify, extra.trim(), focused, t);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(verify) = &app.verify else {
        let text = if app.sweep.verifying {
            format!(
                "{} verifying: every node writes a token, every node reads them all…",
                spinner(app.spinner)
            )
        } else if app.sweep.running.is_some() {
            format!(
                "{} verification runs after the mount probe",
                spinner(app.spinner)
            )
        } else if app.sweep.last_done.is_some() {
            "verification did not run in the last sweep".to_owned()
        } else {
            "· not verified yet".to_owned()
        };
        frame.render_widget(Paragraph::new(text).style(t.pending()), inner);
        return;
    };
    let names: Vec<String> = app.nodes.iter().map(|n| n.name.clone()).collect();
    let index = CellIndex::new(verify, &names);
    let height = usize::from(inner.height);
    let mut lines: Vec<Line> = Vec::new();
    if app.sweep.verifying {
        lines.push(Line::from(Span::styled(
            format!(
                "{} verifying again; below: the last result",
                spinner(app.spinner)
            ),
            t.info(),
        )));
    }
    // The summary gets at most half the pane: the grid must stay visible.
    let summary = summary(verify, &names, &index);
    let room = (height / 2).max(1);
    let shown = if summary.len() > room {
        room.saturating_sub(1)
    } else {
        summary.len()
    };
    for line in &summary[..shown] {
        lines.push(Line::from(Span::styled(
            line.clone(),
            summary_style(line, t),
        )));
    }
    if shown < summary.len() {
        lines.push(Line::from(Span::styled(
            format!(
                "… {} more lines (check prints them all)",
                summary.len() - shown
            ),
            t.pending(),
        )));
    }
    let legend = if LEGEND.chars().count() <= usize::from(inner.width) {
        LEGEND
    } else {
        SHORT_LEGEND
    };
    lines.push(Line::from(Span::styled(legend, t.pending())));
    grid(
        app,
        ctx,
        &names,
        &index,
        inner,
        height.saturating_sub(lines.len()),
        &mut lines,
    );
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The matrix: a header of reader numbers, then one line per visible writer.
fn grid<'a>(
    app: &App,
    ctx: &Ctx<'_>,
    names: &[String],
    index: &CellIndex<'_>,
    inner: Rect,
    height: usize,
    lines: &mut Vec<Line<'a>>,
) {
    let t = ctx.theme;
    let rows = verify_rows(app);
    let cursor = app.cursors[1];
    if rows.is_empty() {
        lines.push(Line::from(Span::styled(
            "no writer matches the filter (Esc clears it)",
            t.pending(),
        )));
        return;
    }
    let digits = names.len().to_string().len();
    let name_width = rows
        .iter()
        .map(|&i| names[i].chars().count().min(NAME_MAX))
        .max()
        .unwrap_or(0)
        .max(CORNER.len().saturating_sub(digits + 1));
    let label = digits + 1 + name_width;
    let cell_width = digits.max(2) + 1;
    let columns = (usize::from(inner.width).saturating_sub(label) / cell_width).max(1);
    let first = cursor.column.min(names.len().saturating_sub(1));
    let last = (first + columns).min(names.len());
    let mut header = format!("{:<label$}", CORNER);
    for k in first..last {
        header.push_str(&format!(" {:<w$}", k + 1, w = cell_width - 1));
    }
    if last < names.len() || first > 0 {
        header = cut(&header, usize::from(inner.width));
    }
    let more = match (first > 0, last < names.len()) {
        (true, true) => format!(" ◂ {}-{} of {} ▸", first + 1, last, names.len()),
        (true, false) => format!(" ◂ {}-{} of {}", first + 1, last, names.len()),
        (false, true) => format!(" {}-{} of {} ▸", first + 1, last, names.len()),
        (false, false) => String::new(),
    };
    let mut head = vec![Span::styled(header, t.header())];
    if !more.is_empty() {
        head.push(Span::styled(more, t.pending()));
    }
    lines.push(Line::from(head));
    let body = height.saturating_sub(1);
    let (start, end) = window(cursor.selected, cursor.offset, rows.len(), body);
    for (k, &w) in rows[start..end].iter().enumerate() {
        let selected = start + k == cursor.selected;
        let row_style = if selected { t.selected() } else { Style::new() };
        let mut spans = vec![Span::styled(
            format!(
                "{:>digits$} {:<name_width$}",
                w + 1,
                cut(&names[w], name_width)
            ),
            row_style,
        )];
        for r in first..last {
            let cell = index.get(w, r);
            let (text, _) = symbol(cell);
            let mut style = cell_style(cell, t).patch(row_style);
            // Enter on this row opens the first visible reader's cell.
            if selected && r == first {
                style = style.patch(t.button());
            }
            let text = format!("{text:<w$}", w = cell_width - 1);
            if selected && r == first {
                spans.push(Span::styled(" ", row_style));
                spans.push(Span::styled(text, style));
            } else {
                // One span per cell: the leading space takes the cell's colour,
                // which shows nothing, and halves the spans to draw.
                spans.push(Span::styled(format!(" {text}"), style));
            }
        }
        lines.push(Line::from(spans));
    }
}
