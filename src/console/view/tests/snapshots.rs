//! Snapshots of the demo-like fixture: every pane at 120×40 and 80×24, the
//! tiled layout, the main popups, the empty console and the too-small screen.

use std::time::Duration;

use super::{draw, on};
use crate::console::state::{App, DebugRun, DetailTarget, NodePhase, Pane, Popup, PruneRun};
use crate::console::view::fixture::{demo_app, empty_app, now};
use crate::engine::{DebugOutput, DebugTarget};
use crate::report::prune::PruneReport;
use crate::tarballs::{PruneOutcome, PruneResult, TarballEntry, TarballStatus};

pub(super) fn snap(name: &str, app: &App, width: u16, height: u16) {
    let term = draw(app, width, height);
    insta::with_settings!({
        snapshot_path => "../snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name, term.backend());
    });
}

#[test]
fn every_pane_at_120x40_and_80x24() {
    for pane in Pane::ALL {
        let app = on(demo_app(), pane);
        let name = format!("{pane:?}").to_lowercase();
        snap(&format!("{name}_120x40"), &app, 120, 40);
        snap(&format!("{name}_80x24"), &app, 80, 24);
    }
}

#[test]
fn wide_terminal_tiles_the_panes() {
    snap("tiled_200x60", &demo_app(), 200, 60);
}

#[test]
fn empty_console_renders_everything_pending() {
    for pane in Pane::ALL {
        let app = on(empty_app(), pane);
        let name = format!("{pane:?}").to_lowercase();
        snap(&format!("empty_{name}_120x40"), &app, 120, 40);
    }
    snap("empty_80x24", &empty_app(), 80, 24);
}

#[test]
fn too_small_says_so_with_the_size() {
    snap("too_small_79x23", &demo_app(), 79, 23);
}

/// A sweep in flight: old facts dim, nodes without facts spin or wait.
#[test]
fn a_running_sweep_shows_phase_and_per_cell_progress() {
    let mut app = demo_app();
    app.sweep.running = Some(7);
    app.spinner = 3;
    app.nodes[1].phase = NodePhase::Probing;
    app.nodes[2].phase = NodePhase::Connecting;
    app.nodes[3].phase = NodePhase::Connecting;
    app.nodes[3].facts = None;
    app.nodes[4].phase = NodePhase::Probing;
    app.nodes[4].facts = None;
    app.nodes[5].phase = NodePhase::Pending;
    app.nodes[5].facts = None;
    snap("sweeping_mounts_120x40", &app, 120, 40);
    app.sweep.verifying = true;
    app.verify = None;
    snap("sweeping_verify_80x24", &on(app, Pane::Verify), 80, 24);
}

#[test]
fn fold_filter_and_read_only() {
    let mut app = demo_app();
    app.fold = true;
    snap("folded_mounts_120x40", &app, 120, 40);
    let mut app = on(demo_app(), Pane::Tarballs);
    app.filters[2].editing = true;
    app.filters[2].text = "base".to_owned();
    snap("filter_tarballs_80x24", &app, 80, 24);
    let mut app = on(demo_app(), Pane::Tarballs);
    app.settings.read_only = true;
    app.settings.read_only_reason = Some("--read-only was given".to_owned());
    app.frozen = true;
    snap("read_only_tarballs_120x40", &app, 120, 40);
}

#[test]
fn verify_scrolls_rows_and_columns() {
    let mut app = on(demo_app(), Pane::Verify);
    app.cursors[1].selected = 5;
    app.cursors[1].column = 3;
    snap("verify_scrolled_80x24", &app, 80, 24);
}

pub fn superseded(app: &App) -> Vec<TarballEntry> {
    app.tarballs
        .as_ref()
        .expect("inventory")
        .entries
        .iter()
        .filter(|e| e.status == TarballStatus::Superseded)
        .cloned()
        .collect()
}

pub fn marked(mut app: App) -> App {
    for e in superseded(&app) {
        app.marks.insert(e.file);
    }
    app.pane = Pane::Tarballs;
    app
}

#[test]
fn marks_and_the_prune_dialogs() {
    let mut app = marked(demo_app());
    app.cursors[2].selected = 1;
    snap("marked_tarballs_120x40", &app, 120, 40);
    let plan = superseded(&app);
    app.popup = Some(Popup::ConfirmPrune {
        plan: plan.clone(),
        yes: false,
        scroll: 0,
    });
    snap("confirm_prune_120x40", &app, 120, 40);
    snap("confirm_prune_80x24", &app, 80, 24);

    let first = &plan[0];
    app.prune = Some(PruneRun {
        node: Some("host".to_owned()),
        total: plan.len(),
        results: vec![PruneResult {
            file: first.file.clone(),
            size_bytes: first.size_bytes,
            outcome: PruneOutcome::Deleted,
            detail: None,
        }],
        report: None,
    });
    app.popup = Some(Popup::Prune { scroll: 0 });
    snap("prune_running_120x40", &app, 120, 40);

    let results = vec![
        PruneResult {
            file: first.file.clone(),
            size_bytes: first.size_bytes,
            outcome: PruneOutcome::Deleted,
            detail: None,
        },
        PruneResult {
            file: plan[1].file.clone(),
            size_bytes: plan[1].size_bytes,
            outcome: PruneOutcome::Skipped,
            detail: Some("changed since the listing: mtime".to_owned()),
        },
    ];
    let inv = app.tarballs.clone().expect("inventory");
    let mut report = PruneReport::new(&inv, 1, &[], false, plan.clone(), results.clone());
    report.audit_log = Some("/root/.local/state/rivershare/audit.log".to_owned());
    if let Some(run) = app.prune.as_mut() {
        run.results = results;
        run.report = Some(report);
    }
    snap("prune_done_80x24", &app, 80, 24);
}

#[test]
fn help_detail_debug_and_quit_popups() {
    let mut app = demo_app();
    app.popup = Some(Popup::Help { scroll: 0 });
    snap("help_120x40", &app, 120, 40);
    snap("help_80x24", &app, 80, 24);

    app.popup = Some(Popup::Detail {
        target: DetailTarget::Node("runner-05".to_owned()),
        scroll: 0,
    });
    snap("detail_node_120x40", &app, 120, 40);
    app.popup = Some(Popup::Detail {
        target: DetailTarget::Node("runner-06".to_owned()),
        scroll: 0,
    });
    snap("detail_unreachable_80x24", &app, 80, 24);
    app.popup = Some(Popup::Detail {
        target: DetailTarget::Cell {
            writer: "host".to_owned(),
            reader: "runner-03".to_owned(),
        },
        scroll: 0,
    });
    snap("detail_cell_80x24", &app, 80, 24);
    let latest = app
        .tarballs
        .as_ref()
        .and_then(|i| i.entries.iter().find(|e| e.status == TarballStatus::Latest))
        .map(|e| e.file.clone())
        .expect("a latest file");
    app.popup = Some(Popup::Detail {
        target: DetailTarget::File(latest),
        scroll: 0,
    });
    snap("detail_file_120x40", &app, 120, 40);
    app.popup = Some(Popup::Detail {
        target: DetailTarget::Finding(0),
        scroll: 0,
    });
    snap("detail_finding_120x40", &app, 120, 40);

    app.pane = Pane::Hints;
    app.debug = Some(DebugRun {
        id: 1,
        title: "runner-05: SHARED_DIR is read-only".to_owned(),
        targets: vec![DebugTarget {
            node: "runner-05".to_owned(),
            commands: vec![
                "findmnt -T /mnt/cluster-share".to_owned(),
                "df -h /mnt/cluster-share".to_owned(),
                "stat /mnt/cluster-share".to_owned(),
            ],
        }],
        outputs: vec![
            DebugOutput {
                node: "runner-05".to_owned(),
                command: "findmnt -T /mnt/cluster-share".to_owned(),
                output: "TARGET             SOURCE                   FSTYPE OPTIONS\n/mnt/cluster-share 10.0.0.5:/export/cluster nfs4   ro,soft,vers=4.2".to_owned(),
                exit_status: Some(0),
                timed_out: false,
            },
            DebugOutput {
                node: "runner-05".to_owned(),
                command: "df -h /mnt/cluster-share".to_owned(),
                output: String::new(),
                exit_status: None,
                timed_out: true,
            },
        ],
        done: false,
        scroll: 0,
    });
    app.popup = Some(Popup::Debug);
    app.spinner = 1;
    snap("debug_120x40", &app, 120, 40);

    let mut app = marked(demo_app());
    app.popup = Some(Popup::ConfirmQuit { yes: false });
    snap("confirm_quit_80x24", &app, 80, 24);
}

#[test]
fn flash_shows_in_the_footer() {
    let mut app = on(demo_app(), Pane::Hints);
    app.flash = Some(crate::console::state::Flash {
        level: crate::console::state::FlashLevel::Error,
        text: "clipboard: the terminal refused OSC 52".to_owned(),
        at: now() - Duration::from_secs(1),
    });
    snap("flash_hints_80x24", &app, 80, 24);
}
