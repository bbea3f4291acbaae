//! What keys ask for beyond moving: sweeps, quitting, the detail popup, a
//! finding's debug commands and copying its fix commands.

use crate::console::msg::Effect;
use crate::console::rows;
use crate::console::state::{App, DebugRun, DetailTarget, FlashLevel, Pane, Popup};
use crate::engine::DebugTarget;
use crate::facts::NodeFacts;

use super::{cursor, prune_running, set_flash, sweep_busy};

/// `r` / `R`: ask for a sweep of `nodes` (`None`: every node), or queue one
/// behind the running sweep and say so.
pub fn request_sweep(app: &mut App, nodes: Option<Vec<String>>) -> Vec<Effect> {
    if sweep_busy(app) {
        set_flash(
            app,
            FlashLevel::Info,
            "a sweep is running: the next one starts when it ends",
        );
    }
    sweep_or_queue(app, nodes)
}

/// Ask for a sweep, or queue one behind the running sweep without a word.
pub fn sweep_or_queue(app: &mut App, nodes: Option<Vec<String>>) -> Vec<Effect> {
    if sweep_busy(app) {
        // `queued` re-sweeps everything, which covers the nodes of an `R` too.
        app.sweep.queued = true;
        return Vec::new();
    }
    app.sweep.requested = Some(app.now);
    vec![Effect::Sweep { nodes }]
}

/// `R`: the selected node, or every node of a folded row or of a finding.
pub fn sweep_selected(app: &mut App) -> Vec<Effect> {
    let Some(sel) = cursor::selected(app) else {
        set_flash(app, FlashLevel::Warning, "no node selected");
        return Vec::new();
    };
    let names: Vec<String> = match app.pane {
        Pane::Mounts => rows::mount_rows(app)[sel]
            .nodes
            .iter()
            .map(|&i| app.nodes[i].name.clone())
            .collect(),
        Pane::Verify => vec![app.nodes[rows::verify_rows(app)[sel]].name.clone()],
        Pane::Hints => {
            let finding = &app.findings[rows::hint_rows(app)[sel]];
            // A finding may name the cluster as a whole: sweep the real nodes only.
            finding
                .nodes
                .iter()
                .filter(|n| app.nodes.iter().any(|row| &row.name == *n))
                .cloned()
                .collect()
        }
        Pane::Tarballs => Vec::new(),
    };
    if names.is_empty() {
        set_flash(
            app,
            FlashLevel::Info,
            "R re-sweeps the selected node (Mounts, Verify, Hints); r re-sweeps everything",
        );
        return Vec::new();
    }
    request_sweep(app, Some(names))
}

/// `q` / ctrl-c: quit at once, unless a prune runs or files are marked.
pub fn quit(app: &mut App) -> Vec<Effect> {
    if prune_running(app) || !app.marks.is_empty() {
        app.popup = Some(Popup::ConfirmQuit { yes: false });
        return Vec::new();
    }
    quit_now(app)
}

pub fn quit_now(app: &mut App) -> Vec<Effect> {
    app.quit = true;
    vec![Effect::Quit]
}

/// Enter: everything known about the selected node, cell, file or finding.
pub fn detail(app: &mut App) -> Vec<Effect> {
    let Some(sel) = cursor::selected(app) else {
        return Vec::new();
    };
    let target = match app.pane {
        Pane::Mounts => {
            DetailTarget::Node(app.nodes[rows::mount_rows(app)[sel].nodes[0]].name.clone())
        }
        Pane::Verify => {
            let column = app.cursors[1].column;
            let Some(reader) = app.nodes.get(column) else {
                return Vec::new();
            };
            DetailTarget::Cell {
                writer: app.nodes[rows::verify_rows(app)[sel]].name.clone(),
                reader: reader.name.clone(),
            }
        }
        Pane::Tarballs => match rows::tarballs_pane_row(app, sel) {
            Some(rows::TarballsRow::File(row)) => match &app.tarballs {
                Some(inv) => DetailTarget::File(inv.entries[row].file.clone()),
                None => return Vec::new(),
            },
            Some(rows::TarballsRow::Usage(row)) => match &app.usage.report {
                Some(report) => DetailTarget::Usage(report.entries[row].path.clone()),
                None => return Vec::new(),
            },
            None => return Vec::new(),
        },
        Pane::Hints => DetailTarget::Finding(rows::hint_rows(app)[sel]),
    };
    app.popup = Some(Popup::Detail { target, scroll: 0 });
    Vec::new()
}

/// The finding selected in the Hints pane, by index into `App::findings`.
fn selected_finding(app: &App) -> Option<usize> {
    if app.pane != Pane::Hints {
        return None;
    }
    cursor::selected(app).map(|sel| rows::hint_rows(app)[sel])
}

/// `x`: run the selected finding's read-only debug commands.
pub fn debug(app: &mut App) -> Vec<Effect> {
    let Some(index) = selected_finding(app) else {
        set_flash(app, FlashLevel::Warning, "no finding selected");
        return Vec::new();
    };
    let facts: Vec<NodeFacts> = app.nodes.iter().filter_map(|n| n.facts.clone()).collect();
    let finding = &app.findings[index];
    let targets = crate::engine::debug::targets_with(finding, &facts, app.tarballs.as_ref());
    if targets.is_empty() {
        let nodes = finding.nodes.join(", ");
        set_flash(
            app,
            FlashLevel::Warning,
            format!("no debug commands to run: {nodes} could not be reached or probed"),
        );
        return Vec::new();
    }
    start_debug(app, index, targets)
}

/// Start debug run of `targets` for finding `index`: a fresh run id, so output
/// of an earlier run that is still arriving is told apart and dropped.
pub(super) fn start_debug(app: &mut App, index: usize, targets: Vec<DebugTarget>) -> Vec<Effect> {
    let id = app.next_debug_id;
    app.next_debug_id += 1;
    app.debug = Some(DebugRun {
        id,
        title: app.findings[index].title.clone(),
        targets: targets.clone(),
        outputs: Vec::new(),
        done: false,
        scroll: 0,
    });
    app.popup = Some(Popup::Debug);
    vec![Effect::Debug { run: id, targets }]
}

/// `c`: copy the selected finding's commands (shown, never run) to the clipboard.
pub fn copy(app: &mut App) -> Vec<Effect> {
    let Some(index) = selected_finding(app) else {
        set_flash(app, FlashLevel::Warning, "no finding selected");
        return Vec::new();
    };
    let commands = &app.findings[index].commands;
    if commands.is_empty() {
        set_flash(
            app,
            FlashLevel::Info,
            "this finding has no commands to copy",
        );
        return Vec::new();
    }
    vec![Effect::Copy(commands.join("\n"))]
}
