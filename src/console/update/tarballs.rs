//! Tarball marks and the prune confirm dialog.
//!
//! Only a `superseded` regular file can be marked: the same files a default
//! `rivershare prune` may delete. Marks are file names; they are dropped when a
//! new inventory no longer lists the file as superseded. A prune deletes exactly
//! the marked entries of the current inventory, after a dialog whose default is
//! No; the engine re-checks each file before it deletes it.

use crossterm::event::{KeyCode, KeyEvent};

use crate::console::msg::Effect;
use crate::console::rows;
use crate::console::state::{App, FlashLevel, Popup, PruneRun};
use crate::tarballs::{FileKind, TarballEntry, TarballInventory, TarballStatus};

use super::{cursor, prune_running, set_flash};

pub fn size(bytes: u64) -> String {
    humansize::format_size(bytes, humansize::BINARY.decimal_places(1))
}

/// Why `entry` cannot be marked, or `None` when it can.
pub fn unmarkable_reason(entry: &TarballEntry) -> Option<String> {
    let file = &entry.file;
    if entry.kind == FileKind::Symlink || entry.status == TarballStatus::Symlink {
        return Some(format!("{file} is a symlink: never pruned"));
    }
    if entry.kind != FileKind::Regular {
        return Some(format!("{file} is not a regular file: never pruned"));
    }
    let why = match entry.status {
        TarballStatus::Superseded => return None,
        TarballStatus::Latest => "is latest: never pruned",
        TarballStatus::InProgress => "is in progress (young or still growing): never pruned",
        TarballStatus::LastGood => {
            "is the last good version while a newer one is written: never pruned"
        }
        TarballStatus::Legacy => "is legacy (no timestamp): never pruned from the console",
        TarballStatus::Unrecognized => "matches no tarball name: never pruned",
        TarballStatus::Symlink => "is a symlink: never pruned",
    };
    Some(format!("{file} {why}"))
}

fn read_only_refusal(app: &mut App, what: &str) -> bool {
    if !app.settings.read_only {
        return false;
    }
    let reason = app
        .settings
        .read_only_reason
        .clone()
        .unwrap_or_else(|| "read-only mode".to_owned());
    set_flash(
        app,
        FlashLevel::Error,
        format!("read-only ({reason}): {what} is off"),
    );
    true
}

/// `space`: mark or unmark the selected file.
pub fn toggle_mark(app: &mut App) {
    let (Some(sel), Some(inv)) = (cursor::selected(app), &app.tarballs) else {
        return;
    };
    let Some(rows::TarballsRow::File(row)) = rows::tarballs_pane_row(app, sel) else {
        set_flash(
            app,
            FlashLevel::Info,
            "disk-usage entries are not files: space marks tarball files",
        );
        return;
    };
    let entry = &inv.entries[row];
    let file = entry.file.clone();
    if app.marks.remove(&file) {
        return;
    }
    if let Some(why) = unmarkable_reason(entry) {
        set_flash(app, FlashLevel::Warning, why);
        return;
    }
    if read_only_refusal(app, "pruning") {
        return;
    }
    app.marks.insert(file);
}

/// `a`: mark every superseded file.
pub fn mark_all(app: &mut App) {
    if read_only_refusal(app, "pruning") {
        return;
    }
    let Some(inv) = &app.tarballs else {
        return;
    };
    let files: Vec<String> = inv
        .entries
        .iter()
        .filter(|e| unmarkable_reason(e).is_none())
        .map(|e| e.file.clone())
        .collect();
    if files.is_empty() {
        set_flash(app, FlashLevel::Info, "no superseded file to mark");
        return;
    }
    app.marks.extend(files);
    let (count, bytes) = marked_total(app);
    set_flash(
        app,
        FlashLevel::Info,
        format!("marked {count} superseded files ({})", size(bytes)),
    );
}

/// `U`: unmark everything.
pub fn unmark_all(app: &mut App) {
    let count = app.marks.len();
    app.marks.clear();
    if count > 0 {
        set_flash(app, FlashLevel::Info, format!("unmarked {count} files"));
    }
}

/// The marked entries of the current inventory, in its order.
pub fn marked_entries(app: &App) -> Vec<TarballEntry> {
    app.tarballs
        .iter()
        .flat_map(|inv| inv.entries.iter())
        .filter(|e| app.marks.contains(&e.file))
        .cloned()
        .collect()
}

/// How many files are marked and their total size.
pub fn marked_total(app: &App) -> (usize, u64) {
    let entries = marked_entries(app);
    (entries.len(), entries.iter().map(|e| e.size_bytes).sum())
}

/// `d`: open the confirm dialog for the marked files.
pub fn ask_prune(app: &mut App) {
    if read_only_refusal(app, "pruning") {
        return;
    }
    if prune_running(app) {
        set_flash(
            app,
            FlashLevel::Warning,
            "a prune is running: wait for it to end",
        );
        return;
    }
    let plan = marked_entries(app);
    if plan.is_empty() {
        set_flash(
            app,
            FlashLevel::Info,
            "nothing marked: space marks a superseded file, a marks them all",
        );
        return;
    }
    app.popup = Some(Popup::ConfirmPrune {
        plan,
        yes: false,
        scroll: 0,
    });
}

/// Keys of the prune confirm dialog. Only Enter on Yes deletes anything.
pub fn confirm_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let Some(Popup::ConfirmPrune { plan, yes, scroll }) = &mut app.popup else {
        return Vec::new();
    };
    match key.code {
        code if super::keys::switches_button(code) => *yes = !*yes,
        KeyCode::Char('y') => *yes = true,
        KeyCode::Char('n') => *yes = false,
        KeyCode::Down | KeyCode::Char('j') => {
            *scroll = (*scroll + 1).min(plan.len().saturating_sub(1));
        }
        KeyCode::Up | KeyCode::Char('k') => *scroll = scroll.saturating_sub(1),
        KeyCode::Esc => app.popup = None,
        KeyCode::Enter if !*yes => app.popup = None,
        KeyCode::Enter => {
            let plan = std::mem::take(plan);
            app.popup = None;
            return start_prune(app, plan);
        }
        _ => {}
    }
    Vec::new()
}

fn start_prune(app: &mut App, plan: Vec<TarballEntry>) -> Vec<Effect> {
    // The dialog was opened under the same checks; they are repeated because
    // the state may have changed while it was open.
    if read_only_refusal(app, "pruning") || prune_running(app) {
        return Vec::new();
    }
    let Some(inventory) = app.tarballs.clone() else {
        set_flash(
            app,
            FlashLevel::Error,
            "no tarball inventory: nothing pruned",
        );
        return Vec::new();
    };
    app.prune = Some(PruneRun {
        node: inventory.node.clone(),
        total: plan.len(),
        results: Vec::new(),
        report: None,
    });
    app.popup = Some(Popup::Prune { scroll: 0 });
    vec![Effect::Prune {
        inventory: Box::new(inventory),
        plan,
    }]
}

/// A new inventory arrived: keep only the marks of files it still lists as
/// markable, and rebuild an open confirm dialog's plan from it (back on No,
/// since what it names changed).
pub fn new_inventory(app: &mut App, inventory: TarballInventory) {
    let before = app.marks.len();
    app.marks.retain(|file| {
        inventory
            .entries
            .iter()
            .any(|e| &e.file == file && unmarkable_reason(e).is_none())
    });
    let dropped = before - app.marks.len();
    app.set_tarballs(Some(inventory));
    if dropped > 0 {
        set_flash(
            app,
            FlashLevel::Warning,
            format!("{dropped} marked files are gone or no longer superseded: unmarked"),
        );
    }
    if let Some(Popup::ConfirmPrune { plan, .. }) = &app.popup {
        let fresh = marked_entries(app);
        if fresh.is_empty() {
            app.popup = None;
        } else if fresh != *plan {
            app.popup = Some(Popup::ConfirmPrune {
                plan: fresh,
                yes: false,
                scroll: 0,
            });
        }
    }
}
