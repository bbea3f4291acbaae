//! Key presses and the mouse. Order of precedence: ctrl-c, an open popup, the
//! filter line being edited, then the keys of every pane and of the current one.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEvent, MouseEventKind};

use crate::console::msg::Effect;
use crate::console::state::{App, DetailTarget, FlashLevel, Pane, Popup};

use super::{actions, cursor, set_flash, tarballs, usage};

/// Every key, for the help popup: (keys, what they do).
pub const HELP: &[(&str, &str)] = &[
    ("j / k, Down / Up", "move"),
    ("g / G, Home / End", "top / bottom"),
    ("PgUp / PgDn, ctrl-u / ctrl-d", "page"),
    ("Tab / Shift-Tab, 1-4", "switch pane"),
    (
        "Enter",
        "detail of the node, cell, file, finding or usage entry",
    ),
    ("/", "filter the rows (Enter keeps, Esc clears)"),
    ("r", "re-sweep everything"),
    ("R", "re-sweep the selected node(s)"),
    ("f", "freeze / unfreeze auto-refresh"),
    ("z", "Mounts: fold identical rows"),
    ("h / l, Left / Right", "Verify: move the reader column"),
    ("space", "Tarballs: mark / unmark a superseded file"),
    ("a / U", "Tarballs: mark every superseded file / unmark all"),
    ("u", "walk the share's disk usage again (Tarballs & usage)"),
    ("d", "Tarballs: prune the marked files (asks first)"),
    ("x", "Hints: run the finding's read-only debug commands"),
    ("c", "Hints: copy the finding's commands (never run)"),
    ("?", "this help"),
    ("Esc", "close, clear the filter, or go back"),
    (
        "q, ctrl-c",
        "quit (asks while a prune runs or files are marked)",
    ),
];

/// Lines a popup scrolls by with the mouse wheel.
const WHEEL_STEP: usize = 3;

pub fn key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    // Terminals with the kitty protocol also report repeats and releases.
    if key.kind != KeyEventKind::Press {
        return Vec::new();
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && key.code == KeyCode::Char('c') {
        // A second ctrl-c quits whatever the first one asked.
        if matches!(app.popup, Some(Popup::ConfirmQuit { .. })) {
            return actions::quit_now(app);
        }
        return actions::quit(app);
    }
    if app.popup.is_some() {
        return popup_key(app, key);
    }
    if app.filters[app.pane_index()].editing {
        filter_key(app, key);
        return Vec::new();
    }
    if ctrl {
        match key.code {
            KeyCode::Char('d') => cursor::page(app, true),
            KeyCode::Char('u') => cursor::page(app, false),
            _ => {}
        }
        return Vec::new();
    }
    if key.modifiers.contains(KeyModifiers::ALT) {
        return Vec::new();
    }
    if let Some(effects) = common_key(app, key.code) {
        return effects;
    }
    pane_key(app, key.code)
}

/// Keys that work the same in every pane; `None` when `code` is not one.
fn common_key(app: &mut App, code: KeyCode) -> Option<Vec<Effect>> {
    match code {
        KeyCode::Char('q') => return Some(actions::quit(app)),
        KeyCode::Char('r') => return Some(actions::request_sweep(app, None)),
        KeyCode::Char('R') => return Some(actions::sweep_selected(app)),
        KeyCode::Char('u') => return Some(usage::request(app)),
        KeyCode::Enter => return Some(actions::detail(app)),
        KeyCode::Char('?') => app.popup = Some(Popup::Help { scroll: 0 }),
        KeyCode::Esc => back(app),
        KeyCode::Tab => switch_pane(app, 1),
        KeyCode::BackTab => switch_pane(app, -1),
        KeyCode::Char(c @ '1'..='4') => app.pane = Pane::ALL[usize::from(c as u8 - b'1')],
        KeyCode::Char('j') | KeyCode::Down => cursor::move_by(app, 1),
        KeyCode::Char('k') | KeyCode::Up => cursor::move_by(app, -1),
        KeyCode::Char('g') | KeyCode::Home => cursor::jump(app, false),
        KeyCode::Char('G') | KeyCode::End => cursor::jump(app, true),
        KeyCode::PageDown => cursor::page(app, true),
        KeyCode::PageUp => cursor::page(app, false),
        KeyCode::Char('/') => app.filters[app.pane_index()].editing = true,
        KeyCode::Char('f') => {
            app.frozen = !app.frozen;
            let text = if app.frozen {
                "auto-refresh frozen (f resumes it)".to_owned()
            } else {
                format!(
                    "auto-refresh every {} s",
                    app.settings.refresh_every.as_secs()
                )
            };
            set_flash(app, FlashLevel::Info, text);
        }
        _ => return None,
    }
    Some(Vec::new())
}

fn pane_key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    match (app.pane, code) {
        (Pane::Mounts, KeyCode::Char('z')) => toggle_fold(app),
        (Pane::Verify, KeyCode::Char('h') | KeyCode::Left) => cursor::move_column(app, -1),
        (Pane::Verify, KeyCode::Char('l') | KeyCode::Right) => cursor::move_column(app, 1),
        (Pane::Tarballs, KeyCode::Char(' ')) => tarballs::toggle_mark(app),
        (Pane::Tarballs, KeyCode::Char('a')) => tarballs::mark_all(app),
        (Pane::Tarballs, KeyCode::Char('U')) => tarballs::unmark_all(app),
        (Pane::Tarballs, KeyCode::Char('d')) => tarballs::ask_prune(app),
        (Pane::Hints, KeyCode::Char('x')) => return actions::debug(app),
        (Pane::Hints, KeyCode::Char('c')) => return actions::copy(app),
        _ => {}
    }
    Vec::new()
}

fn switch_pane(app: &mut App, step: isize) {
    let next = (app.pane_index() as isize + step).rem_euclid(Pane::ALL.len() as isize);
    app.pane = Pane::ALL[next as usize];
}

/// Esc outside popups: clear the filter, else go back to the first pane.
fn back(app: &mut App) {
    let filter = &mut app.filters[app.pane_index()];
    if !filter.text.is_empty() {
        filter.text.clear();
        cursor::select(app, 0);
    } else {
        app.pane = Pane::Mounts;
    }
}

/// `z`: fold identical Mounts rows, keeping the selected node selected.
fn toggle_fold(app: &mut App) {
    let rows = crate::console::rows::mount_rows(app);
    let node = cursor::selected(app).map(|sel| rows[sel].nodes[0]);
    app.fold = !app.fold;
    let rows = crate::console::rows::mount_rows(app);
    let row = node
        .and_then(|n| rows.iter().position(|r| r.nodes.contains(&n)))
        .unwrap_or(0);
    cursor::select(app, row);
    let text = if app.fold {
        "identical rows folded (z unfolds)"
    } else {
        "one row per node (z folds)"
    };
    set_flash(app, FlashLevel::Info, text);
}

/// Typing into the filter line. The selection goes back to the first row on
/// every change, since the rows it pointed into changed.
fn filter_key(app: &mut App, key: KeyEvent) {
    let plain = !key
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
    let filter = &mut app.filters[app.pane_index()];
    match key.code {
        KeyCode::Enter => filter.editing = false,
        KeyCode::Esc => {
            filter.editing = false;
            filter.text.clear();
        }
        KeyCode::Backspace => {
            filter.text.pop();
        }
        KeyCode::Char(c) if plain => filter.text.push(c),
        KeyCode::Down => return cursor::move_by(app, 1),
        KeyCode::Up => return cursor::move_by(app, -1),
        _ => return,
    }
    cursor::select(app, 0);
}

/// Keys of the open popup.
fn popup_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let page = cursor::list_height(app);
    let max = popup_lines(app);
    match app.popup.as_mut() {
        Some(Popup::ConfirmPrune { .. }) => return tarballs::confirm_key(app, key),
        Some(Popup::ConfirmQuit { yes }) => match key.code {
            KeyCode::Char('y') => return actions::quit_now(app),
            KeyCode::Enter if *yes => return actions::quit_now(app),
            KeyCode::Char('n') | KeyCode::Esc | KeyCode::Enter => app.popup = None,
            code if switches_button(code) => *yes = !*yes,
            _ => {}
        },
        Some(popup) => match key.code {
            KeyCode::Esc | KeyCode::Enter => app.popup = None,
            KeyCode::Char('?') if matches!(popup, Popup::Help { .. }) => app.popup = None,
            KeyCode::Char('q') => return actions::quit(app),
            code => {
                if let Some(scroll) = popup_scroll(app) {
                    scroll_by_key(scroll, code, key.modifiers, page, max);
                }
            }
        },
        None => {}
    }
    Vec::new()
}

fn scroll_by_key(scroll: &mut usize, code: KeyCode, mods: KeyModifiers, page: usize, max: usize) {
    let ctrl = mods.contains(KeyModifiers::CONTROL);
    *scroll = match code {
        KeyCode::Char('j') | KeyCode::Down => scroll.saturating_add(1),
        KeyCode::Char('k') | KeyCode::Up => scroll.saturating_sub(1),
        KeyCode::Char('g') | KeyCode::Home => 0,
        KeyCode::Char('G') | KeyCode::End => max,
        KeyCode::PageDown => scroll.saturating_add(page),
        KeyCode::Char('d') if ctrl => scroll.saturating_add(page),
        KeyCode::PageUp => scroll.saturating_sub(page),
        KeyCode::Char('u') if ctrl => scroll.saturating_sub(page),
        _ => *scroll,
    }
    .min(max);
}

/// The scroll position of the open popup, if it scrolls.
fn popup_scroll(app: &mut App) -> Option<&mut usize> {
    match app.popup.as_mut()? {
        Popup::Help { scroll }
        | Popup::Detail { scroll, .. }
        | Popup::ConfirmPrune { scroll, .. }
        | Popup::Prune { scroll } => Some(scroll),
        Popup::Debug => app.debug.as_mut().map(|d| &mut d.scroll),
        Popup::ConfirmQuit { .. } => None,
    }
}

/// How far the open popup may scroll: its content's length in lines, or a
/// generous bound where only the view knows it (the view clamps again).
fn popup_lines(app: &App) -> usize {
    const DETAIL_BOUND: usize = 80;
    match &app.popup {
        Some(Popup::Help { .. }) => HELP.len(),
        Some(Popup::Detail { target, .. }) => match target {
            DetailTarget::Node(name) => {
                let raw = app
                    .nodes
                    .iter()
                    .find(|n| &n.name == name)
                    .and_then(|n| n.raw.as_ref())
                    .map_or(0, |r| r.lines().count());
                raw + DETAIL_BOUND
            }
            DetailTarget::Usage(path) => {
                let children = app
                    .usage
                    .report
                    .as_ref()
                    .and_then(|r| r.entry(path))
                    .map_or(0, |e| e.children.len());
                children + DETAIL_BOUND
            }
            _ => DETAIL_BOUND,
        },
        Some(Popup::ConfirmPrune { plan, .. }) => plan.len(),
        Some(Popup::Prune { .. }) => app.prune.as_ref().map_or(0, |p| p.total),
        Some(Popup::Debug) => app.debug.as_ref().map_or(0, |d| {
            d.outputs.iter().map(|o| o.output.lines().count() + 2).sum()
        }),
        Some(Popup::ConfirmQuit { .. }) | None => 0,
    }
}

pub fn mouse(app: &mut App, mouse: MouseEvent) -> Vec<Effect> {
    let down = match mouse.kind {
        MouseEventKind::ScrollDown => true,
        MouseEventKind::ScrollUp => false,
        _ => return Vec::new(),
    };
    if app.popup.is_some() {
        let max = popup_lines(app);
        if let Some(scroll) = popup_scroll(app) {
            *scroll = if down {
                scroll.saturating_add(WHEEL_STEP).min(max)
            } else {
                scroll.saturating_sub(WHEEL_STEP)
            };
        }
    } else {
        cursor::move_by(app, if down { 1 } else { -1 });
    }
    Vec::new()
}

/// In a two-button dialog every direction key moves to the other button,
/// whatever order the view draws them in.
pub(super) fn switches_button(code: KeyCode) -> bool {
    matches!(
        code,
        KeyCode::Left
            | KeyCode::Right
            | KeyCode::Tab
            | KeyCode::BackTab
            | KeyCode::Char('h')
            | KeyCode::Char('l')
    )
}
