//! Selection and scrolling of each pane's rows.
//!
//! The rows themselves come from [`crate::console::rows`], shared with the
//! view. `selected < row_count` always holds (0 when there are no rows), and
//! `offset` keeps the selection inside a window of [`list_height`] rows.

use crate::console::rows;
use crate::console::state::{App, Pane};

/// Lines of a full-height pane that are not list rows: the header line, the
/// footer line, the pane's top and bottom border and the table's column header.
///
/// ASSUMPTION (shared with the view): the selected pane's list gets the
/// terminal's height minus these lines. A view that gives the list fewer lines
/// (panes tiled on a wide terminal) draws it with ratatui's own scrolling from
/// `selected`; `offset` is then a hint only.
pub const CHROME_LINES: u16 = 5;

/// Rows visible in the selected pane's list: one page for PgUp / PgDn.
pub fn list_height(app: &App) -> usize {
    usize::from(app.height.saturating_sub(CHROME_LINES)).max(1)
}

/// Readers of the Verify matrix (its columns): every configured node, in
/// config order. `Cursor::column` indexes this.
pub fn verify_columns(app: &App) -> usize {
    app.nodes.len()
}

/// Move the selection of the current pane by `delta` rows, stopping at the ends.
pub fn move_by(app: &mut App, delta: isize) {
    let count = rows::row_count(app, app.pane);
    let cursor = &mut app.cursors[app.pane_index()];
    let last = count.saturating_sub(1);
    cursor.selected = cursor.selected.saturating_add_signed(delta).min(last);
    keep_visible(app, app.pane, count);
}

/// Select the first (`false`) or last (`true`) row of the current pane.
pub fn jump(app: &mut App, to_end: bool) {
    let count = rows::row_count(app, app.pane);
    let cursor = &mut app.cursors[app.pane_index()];
    cursor.selected = if to_end { count.saturating_sub(1) } else { 0 };
    keep_visible(app, app.pane, count);
}

/// One page down (`true`) or up.
pub fn page(app: &mut App, down: bool) {
    let step = list_height(app) as isize;
    move_by(app, if down { step } else { -step });
}

/// The Verify pane's reader column, moved by `delta` within the readers.
pub fn move_column(app: &mut App, delta: isize) {
    let last = verify_columns(app).saturating_sub(1);
    let cursor = &mut app.cursors[1];
    cursor.column = cursor.column.saturating_add_signed(delta).min(last);
}

/// Select `row` of the current pane (clamped), e.g. after a fold or a filter.
pub fn select(app: &mut App, row: usize) {
    let count = rows::row_count(app, app.pane);
    app.cursors[app.pane_index()].selected = row.min(count.saturating_sub(1));
    keep_visible(app, app.pane, count);
}

/// The selected row of the current pane, if it has rows.
pub fn selected(app: &App) -> Option<usize> {
    let count = rows::row_count(app, app.pane);
    let sel = app.cursors[app.pane_index()].selected;
    (sel < count).then_some(sel)
}

/// Keep every pane's cursor valid for the rows that exist now.
pub fn clamp_all(app: &mut App) {
    for (i, pane) in Pane::ALL.into_iter().enumerate() {
        let count = rows::row_count(app, pane);
        let cursor = &mut app.cursors[i];
        cursor.selected = cursor.selected.min(count.saturating_sub(1));
        keep_visible(app, pane, count);
    }
    let last_column = verify_columns(app).saturating_sub(1);
    app.cursors[1].column = app.cursors[1].column.min(last_column);
}

fn keep_visible(app: &mut App, pane: Pane, count: usize) {
    let height = list_height(app);
    let index = Pane::ALL.iter().position(|p| *p == pane).unwrap_or(0);
    let cursor = &mut app.cursors[index];
    if cursor.selected < cursor.offset {
        cursor.offset = cursor.selected;
    } else if cursor.selected >= cursor.offset + height {
        cursor.offset = cursor.selected + 1 - height;
    }
    // No blank space below the last row when the list could fill the window.
    cursor.offset = cursor.offset.min(count.saturating_sub(height));
}
