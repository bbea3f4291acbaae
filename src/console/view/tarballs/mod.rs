//! Pane 3, Tarballs: where the inventory was read, then one row per file,
//! grouped by name newest first (the name and what a prune would reclaim on the
//! group's first two rows), with marks, size, status, age and, for the latest
//! file of a name, whether every Runner sees it. While files are marked, a
//! "Marked N files (size)" panel sits under the table. Under it all, the
//! disk-usage section ([`usage`]): what fills the share.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};

use super::super::rows::tarball_rows;
use super::super::state::{App, Pane};
use super::super::theme::Theme;
use super::Ctx;
use super::format::{age_of_unix, cut, size, spinner, window};
use super::hints::folded_nodes;
use super::layout::{filter_note, pane_block};
use crate::diagnose::Code;
use crate::report::human::tarballs::status_name;
use crate::tarballs::{TarballEntry, TarballInventory, TarballStatus};

pub fn status_style(status: TarballStatus, theme: Theme) -> Style {
    match status {
        TarballStatus::Latest | TarballStatus::LastGood => theme.ok(),
        TarballStatus::Superseded => theme.warn(),
        TarballStatus::InProgress => theme.info(),
        TarballStatus::Legacy | TarballStatus::Unrecognized | TarballStatus::Symlink => {
            theme.pending()
        }
    }
}

mod seen;
pub mod usage;

use seen::{Seen, seen};

/// Where the inventory was read and what it holds, then whether the Runners
/// see the latest files: from the `tarball_not_visible` finding, which judges
/// every entry (the table below shows the files on screen).
fn head_lines<'a>(
    app: &App,
    inv: &'a TarballInventory,
    seen: &Seen<'_>,
    t: Theme,
) -> Vec<Line<'a>> {
    let place = format!(
        "{}:{}",
        inv.node.as_deref().unwrap_or("-"),
        inv.dir.as_deref().unwrap_or("-")
    );
    let reclaimable: u64 = inv.summary.iter().map(|s| s.reclaimable_bytes).sum();
    let mut lines = vec![Line::from(vec![
        Span::styled(size(reclaimable), t.header()),
        Span::raw(format!(
            " reclaimable, {} files, {} names in ",
            inv.entries.len(),
            inv.summary.len(),
        )),
        Span::styled(place, t.header()),
    ])];
    let not_visible = app
        .findings
        .iter()
        .find(|f| f.code == Code::TarballNotVisible);
    match not_visible {
        Some(f) => lines.push(Line::from(Span::styled(
            format!("✖ {}: {} (see 4 Hints)", folded_nodes(f), f.title),
            t.crit(),
        ))),
        None if seen.runners > 0 => lines.push(Line::from(Span::styled(
            format!(
                "every latest file is visible to {} runner{}",
                seen.runners,
                if seen.runners == 1 { "" } else { "s" }
            ),
            t.ok(),
        ))),
        None => {}
    }
    lines
}

pub fn render(app: &App, ctx: &Ctx<'_>, frame: &mut Frame, area: Rect, focused: bool) {
    let t = ctx.theme;
    let rows = tarball_rows(app);
    let mut extra = String::new();
    if let Some(inv) = &app.tarballs {
        extra = format!("{} files", inv.entries.len());
    }
    let note = filter_note(app, Pane::Tarballs);
    if !note.is_empty() {
        extra.push_str(&format!(", {note}"));
    }
    let block = pane_block(Pane::Tarballs, &extra, focused, t);
    let pane = block.inner(area);
    frame.render_widget(block, area);
    let usage_height = usage::height(app, pane.height);
    let [inner, usage_area] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(usage_height)]).areas(pane);
    usage::render(app, frame, usage_area, t);
    let Some(inv) = &app.tarballs else {
        let text = if app.sweep.listing_tarballs {
            format!("{} listing the tarball folder…", spinner(app.spinner))
        } else if app.sweep.running.is_some() {
            format!(
                "{} the inventory runs after verification",
                spinner(app.spinner)
            )
        } else if app.sweep.last_done.is_some() {
            "the tarball inventory did not run in the last sweep".to_owned()
        } else {
            "· not listed yet".to_owned()
        };
        frame.render_widget(Paragraph::new(text).style(t.pending()), inner);
        return;
    };
    if let Some(error) = &inv.error {
        let lines = vec![
            Line::from(Span::styled("✖ container tarballs not listed", t.crit())),
            Line::from(error.clone()),
        ];
        frame.render_widget(
            Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: false }),
            inner,
        );
        return;
    }
    let marked_height = if app.marks.is_empty() { 0 } else { 4 };
    let [top, table_area, marked] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(0),
        Constraint::Length(marked_height),
    ])
    .areas(inner);
    let cursor = app.cursors[2];
    let body = usize::from(table_area.height.saturating_sub(1));
    let (start, end) = window(cursor.selected, cursor.offset, rows.len(), body);
    let seen = seen(app, inv);
    frame.render_widget(Paragraph::new(head_lines(app, inv, &seen, t)), top);
    if marked_height > 0 {
        marked_panel(app, inv, t, frame, marked);
    }
    if rows.is_empty() {
        let text = if inv.entries.is_empty() {
            "the tarball folder holds no .tar file"
        } else {
            "no file matches the filter (Esc clears it)"
        };
        frame.render_widget(Paragraph::new(text).style(t.pending()), table_area);
        return;
    }
    let shown = Shown {
        rows: &rows,
        start,
        end,
    };
    table(app, ctx, inv, &shown, &seen, frame, table_area);
}

/// The pane's rows and the window of them on screen.
struct Shown<'a> {
    rows: &'a [usize],
    start: usize,
    end: usize,
}

fn table(
    app: &App,
    ctx: &Ctx<'_>,
    inv: &TarballInventory,
    shown: &Shown<'_>,
    seen: &Seen<'_>,
    frame: &mut Frame,
    area: Rect,
) {
    let t = ctx.theme;
    let cursor = app.cursors[2];
    let Shown { rows, start, end } = *shown;
    let name_of = |k: usize| inv.entries[rows[k]].name.as_deref();
    // Narrow: no NAME column (the file name holds the name; the head line the total).
    let with_name = area.width >= 100;
    let name_width = if with_name { 18 } else { 0 };
    let file_width = 28usize.min(usize::from(area.width / 3));
    let mut out: Vec<Row> = Vec::with_capacity(end - start);
    for (k, &row) in rows.iter().enumerate().take(end).skip(start) {
        let e: &TarballEntry = &inv.entries[row];
        // The group's first visible row names it; the second says what a prune frees.
        let first = k == 0 || name_of(k - 1) != e.name.as_deref();
        let second = !first && (k == 1 || name_of(k - 2) != e.name.as_deref());
        let name_cell = if first {
            let name = e.name.as_deref().unwrap_or("(no name)");
            let style = if name.chars().any(char::is_uppercase) {
                t.warn()
            } else {
                t.header()
            };
            Cell::from(Span::styled(cut(name, name_width), style))
        } else if second {
            let free = inv
                .summary
                .iter()
                .find(|s| Some(s.name.as_str()) == e.name.as_deref())
                .map_or(0, |s| s.reclaimable_bytes);
            if free > 0 {
                Cell::from(Span::styled(format!("↳ {} free", size(free)), t.pending()))
            } else {
                Cell::from("")
            }
        } else {
            Cell::from("")
        };
        let marked = app.marks.contains(&e.file);
        let visibility = if e.status == TarballStatus::Latest {
            match seen.problems(row) {
                [] if seen.runners > 0 => Span::styled("✔ all runners", t.ok()),
                [] => Span::raw("-"),
                [one] => Span::styled(
                    format!("✖ {} {}", one.runner, one.status.as_str()),
                    t.crit(),
                ),
                many => Span::styled(format!("✖ {} runners miss it", many.len()), t.crit()),
            }
        } else {
            Span::raw("")
        };
        let mut cells = vec![Cell::from(if marked { "[x]" } else { "[ ]" })];
        if with_name {
            cells.push(name_cell);
        }
        let mut row = Row::new(
            [
                cells,
                vec![
                    Cell::from(cut(&e.file, file_width)),
                    Cell::from(size(e.size_bytes)),
                    Cell::from(Span::styled(
                        status_name(e.status),
                        status_style(e.status, t),
                    )),
                    Cell::from(age_of_unix(e.mtime, app.now)),
                    Cell::from(visibility),
                ],
            ]
            .concat(),
        );
        if marked {
            row = row.style(t.marked());
        }
        if k == cursor.selected {
            row = row.style(if marked {
                t.marked().patch(t.selected())
            } else {
                t.selected()
            });
        }
        out.push(row);
    }
    let mut widths = vec![
        Constraint::Length(3),
        Constraint::Length(u16::try_from(name_width).unwrap_or(18)),
        Constraint::Length(u16::try_from(file_width).unwrap_or(28)),
        Constraint::Length(8),
        Constraint::Length(12),
        Constraint::Length(5),
        Constraint::Fill(1),
    ];
    let mut titles = vec![
        "",
        "NAME",
        "FILE",
        "SIZE",
        "STATUS",
        "AGE",
        "LATEST SEEN BY",
    ];
    if !with_name {
        widths.remove(1);
        titles.remove(1);
    }
    let header = Row::new(titles).style(t.header());
    frame.render_widget(
        Table::new(out, widths).header(header).column_spacing(1),
        area,
    );
}

/// The entries whose file is marked. The inventory lists files sorted by
/// file name: a binary search per mark finds them. When one is not found that
/// way (an unsorted listing, or a mark whose file left the inventory), every
/// entry is looked up in the marks instead.
fn marked_entries<'a>(app: &App, inv: &'a TarballInventory) -> Vec<&'a TarballEntry> {
    let mut out = Vec::with_capacity(app.marks.len());
    for mark in &app.marks {
        match inv.entries.binary_search_by(|e| e.file.as_str().cmp(mark)) {
            Ok(i) => out.push(&inv.entries[i]),
            Err(_) => {
                return inv
                    .entries
                    .iter()
                    .filter(|e| app.marks.contains(&e.file))
                    .collect();
            }
        }
    }
    out
}

fn marked_panel(app: &App, inv: &TarballInventory, t: Theme, frame: &mut Frame, area: Rect) {
    let files = marked_entries(app, inv);
    let bytes: u64 = files.iter().map(|e| e.size_bytes).sum();
    let title = format!(
        " Marked {} file{} ({}) ",
        app.marks.len(),
        if app.marks.len() == 1 { "" } else { "s" },
        size(bytes)
    );
    let names: Vec<&str> = files.iter().map(|e| e.file.as_str()).collect();
    let action = if app.settings.read_only {
        Span::styled("read-only: pruning is off", t.pending())
    } else {
        Span::raw("d prunes them (asks first), U unmarks all")
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.marked())
        .title(Span::styled(title, t.marked()));
    frame.render_widget(
        Paragraph::new(vec![Line::from(names.join("  ")), Line::from(action)]).block(block),
        area,
    );
}
