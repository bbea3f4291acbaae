//! Marks, the prune confirm dialog, read-only, and the prune's messages.

use crossterm::event::KeyCode;

use super::*;
use crate::console::state::{FlashLevel, Popup, PruneRun};
use crate::engine::{Event, PruneStep};
use crate::report::prune::PruneReport;
use crate::tarballs::{PruneOutcome, PruneResult, TarballEntry};

const OLD: &str = "base-1700000100.tar";
const OLDER_BUT_ONE: &str = "base-1700000200.tar";

fn marked(app: &App) -> Vec<&str> {
    app.marks.iter().map(String::as_str).collect()
}

fn entries(app: &App, files: &[&str]) -> Vec<TarballEntry> {
    let inv = app.tarballs.as_ref().expect("inventory");
    inv.entries
        .iter()
        .filter(|e| files.contains(&e.file.as_str()))
        .cloned()
        .collect()
}

/// Both superseded files marked with `a`, then `d`.
fn open_dialog(app: &mut App) {
    send(app, [ch('3'), ch('a'), ch('d')]);
    assert!(matches!(app.popup, Some(Popup::ConfirmPrune { .. })));
}

#[test]
fn space_marks_and_unmarks_a_superseded_file() {
    let mut app = app();
    select_file(&mut app, OLD);
    send(&mut app, [ch(' ')]);
    assert_eq!(marked(&app), [OLD]);
    send(&mut app, [ch(' ')]);
    assert!(app.marks.is_empty());
}

#[test]
fn space_on_the_latest_file_refuses_and_says_why() {
    let mut app = app();
    select_file(&mut app, "base-1700000300.tar");
    send(&mut app, [ch(' ')]);
    assert!(app.marks.is_empty());
    let flash = app.flash.as_ref().expect("a flash says why");
    assert_eq!(flash.level, FlashLevel::Warning);
    assert_eq!(flash.text, "base-1700000300.tar is latest: never pruned");
}

#[test]
fn only_superseded_regular_files_can_be_marked() {
    for (file, why) in [
        ("gpu-env-1700000900.tar", "in progress"),
        ("gpu-env-1700000800.tar", "last good"),
        ("old.tar", "legacy"),
        ("backup.tar", "matches no tarball name"),
        ("link-1700000000.tar", "symlink"),
        ("MyEnv-1700000500.tar", "latest"),
    ] {
        let mut app = app();
        select_file(&mut app, file);
        send(&mut app, [ch(' ')]);
        assert!(app.marks.is_empty(), "{file} was marked");
        let text = flash_text(&app);
        assert!(text.contains(file) && text.contains(why), "{file}: {text}");
    }
}

#[test]
fn a_marks_every_superseded_file_and_shift_u_unmarks_all() {
    let mut app = app();
    send(&mut app, [ch('3'), ch('a')]);
    assert_eq!(marked(&app), [OLD, OLDER_BUT_ONE]);
    assert_eq!(flash_text(&app), "marked 2 superseded files (300 B)");
    send(&mut app, [ch('U')]);
    assert!(app.marks.is_empty());
    assert_eq!(flash_text(&app), "unmarked 2 files");
}

#[test]
fn d_without_marks_opens_nothing() {
    let mut app = app();
    let effects = send(&mut app, [ch('3'), ch('d')]);
    assert!(effects.is_empty());
    assert_eq!(app.popup, None);
    assert!(flash_text(&app).starts_with("nothing marked"));
}

#[test]
fn the_confirm_dialog_names_the_marked_files_and_defaults_to_no() {
    let mut app = app();
    open_dialog(&mut app);
    let Some(Popup::ConfirmPrune { plan, yes, .. }) = &app.popup else {
        unreachable!()
    };
    assert!(!yes);
    assert_eq!(*plan, entries(&app, &[OLD, OLDER_BUT_ONE]));
    // Enter at once answers No: nothing is deleted, the marks stay.
    let effects = send(&mut app, [key(KeyCode::Enter)]);
    assert!(effects.is_empty());
    assert_eq!(app.popup, None);
    assert_eq!(app.prune, None);
    assert_eq!(app.marks.len(), 2);
}

#[test]
fn yes_then_enter_prunes_exactly_the_marked_plan() {
    for keys in [
        vec![key(KeyCode::Right)],
        vec![ch('y')],
        vec![key(KeyCode::Tab)],
    ] {
        let mut app = app();
        select_file(&mut app, OLD);
        send(&mut app, [ch(' '), ch('d')]);
        send(&mut app, keys.clone());
        let effects = send(&mut app, [key(KeyCode::Enter)]);
        let inventory = Box::new(app.tarballs.clone().expect("inventory"));
        assert_eq!(
            effects,
            [Effect::Prune {
                inventory,
                plan: entries(&app, &[OLD]),
            }],
            "{keys:?}"
        );
        assert_eq!(app.popup, Some(Popup::Prune { scroll: 0 }));
        let run = app.prune.as_ref().expect("a prune runs");
        assert_eq!((run.node.as_deref(), run.total), (Some("host"), 1));
        assert!(run.report.is_none());
    }
}

#[test]
fn focus_moves_back_to_no_and_esc_cancels() {
    for keys in [
        vec![ch('y'), ch('n'), key(KeyCode::Enter)],
        vec![key(KeyCode::Right), key(KeyCode::Left), key(KeyCode::Enter)],
        vec![ch('l'), ch('h'), key(KeyCode::Enter)],
        vec![ch('y'), key(KeyCode::Esc)],
        vec![key(KeyCode::Esc)],
    ] {
        let mut app = app();
        open_dialog(&mut app);
        let effects = send(&mut app, keys.clone());
        assert!(effects.is_empty(), "{keys:?}");
        assert_eq!(app.popup, None, "{keys:?}");
        assert_eq!(app.prune, None, "{keys:?}");
    }
}

#[test]
fn read_only_blocks_d_and_says_why() {
    let mut app = app();
    app.settings.read_only = true;
    app.settings.read_only_reason = Some("--read-only was given".to_owned());
    // Marks left from before cannot be pruned either.
    app.marks.insert(OLD.to_owned());
    let effects = send(&mut app, [ch('3'), ch('d')]);
    assert!(effects.is_empty());
    assert_eq!(app.popup, None);
    assert_eq!(app.prune, None);
    let flash = app.flash.as_ref().expect("a flash says why");
    assert_eq!(flash.level, FlashLevel::Error);
    assert!(
        flash.text.contains("--read-only was given"),
        "{}",
        flash.text
    );
}

#[test]
fn read_only_refuses_marks_too() {
    let mut app = app();
    app.settings.read_only = true;
    app.settings.read_only_reason = Some("read_only = true in rivershare.toml".to_owned());
    select_file(&mut app, OLD);
    send(&mut app, [ch(' '), ch('a')]);
    assert!(app.marks.is_empty());
    assert!(flash_text(&app).contains("read_only = true in rivershare.toml"));
}

#[test]
fn d_is_refused_while_a_prune_runs() {
    let mut app = app();
    app.prune = Some(PruneRun {
        node: Some("host".to_owned()),
        total: 1,
        results: vec![],
        report: None,
    });
    send(&mut app, [ch('3'), ch('a'), ch('d')]);
    assert_eq!(app.popup, None);
    assert!(flash_text(&app).contains("a prune is running"));
}

#[test]
fn marks_of_files_gone_from_a_new_inventory_are_dropped() {
    let mut app = app();
    send(&mut app, [ch('3'), ch('a')]);
    let mut inventory = app.tarballs.clone().expect("inventory");
    inventory.entries.retain(|e| e.file != OLD);
    send(
        &mut app,
        [
            Msg::SweepStarted { id: 7, nodes: None },
            Msg::Sweep {
                id: 7,
                event: Event::Tarballs(Box::new(inventory)),
            },
        ],
    );
    assert_eq!(marked(&app), [OLDER_BUT_ONE]);
    assert!(flash_text(&app).contains("1 marked files are gone"));
    assert!(!app.sweep.listing_tarballs);
}

#[test]
fn an_open_dialog_follows_a_new_inventory_back_on_no() {
    let mut app = app();
    send(&mut app, [Msg::SweepStarted { id: 7, nodes: None }]);
    open_dialog(&mut app);
    send(&mut app, [ch('y')]);
    let mut inventory = app.tarballs.clone().expect("inventory");
    inventory.entries.retain(|e| e.file != OLD);
    let event = Event::Tarballs(Box::new(inventory));
    send(&mut app, [Msg::Sweep { id: 7, event }]);
    let Some(Popup::ConfirmPrune { plan, yes, .. }) = &app.popup else {
        panic!("dialog closed: {:?}", app.popup)
    };
    assert!(!yes);
    assert_eq!(*plan, entries(&app, &[OLDER_BUT_ONE]));
}

fn result(file: &str, size: u64, outcome: PruneOutcome) -> PruneResult {
    PruneResult {
        file: file.to_owned(),
        size_bytes: size,
        outcome,
        detail: (outcome == PruneOutcome::Skipped).then(|| "inode changed".to_owned()),
    }
}

#[test]
fn prune_steps_and_done_report_unmark_and_relist() {
    let mut app = app();
    open_dialog(&mut app);
    let effects = send(&mut app, [ch('y'), key(KeyCode::Enter)]);
    let Some(Effect::Prune { plan, .. }) = effects.first() else {
        panic!("no prune: {effects:?}")
    };
    let results = vec![
        result(OLDER_BUT_ONE, 200, PruneOutcome::Deleted),
        result(OLD, 100, PruneOutcome::Skipped),
    ];
    let step = PruneStep {
        done: 1,
        total: 2,
        result: results[0].clone(),
    };
    send(&mut app, [Msg::PruneStep(step)]);
    assert_eq!(app.prune.as_ref().map(|p| p.results.len()), Some(1));
    // The quit dialog guards a running prune.
    send(&mut app, [key(KeyCode::Esc), ch('U'), ch('q')]);
    assert_eq!(app.popup, Some(Popup::ConfirmQuit { yes: false }));
    send(&mut app, [ch('n'), ch('3'), ch('a')]);

    let inventory = app.tarballs.clone().expect("inventory");
    let report = PruneReport::new(&inventory, 1, &[], false, plan.clone(), results.clone());
    let effects = send(&mut app, [Msg::PruneDone(Box::new(report.clone()))]);
    assert_eq!(effects, [Effect::Sweep { nodes: None }]);
    let run = app.prune.as_ref().expect("prune kept");
    assert_eq!(run.report.as_ref(), Some(&report));
    assert_eq!(run.results, results);
    // The deleted file is unmarked; the skipped one stays marked.
    assert_eq!(marked(&app), [OLD]);
    let flash = app.flash.as_ref().expect("summary");
    assert_eq!(flash.text, "prune: deleted 1, skipped 1, freed 200 B");
    assert_eq!(flash.level, FlashLevel::Warning);
}

#[test]
fn prune_done_during_a_sweep_queues_the_relisting() {
    let mut app = app();
    send(&mut app, [Msg::SweepStarted { id: 3, nodes: None }]);
    let inventory = app.tarballs.clone().expect("inventory");
    let results = vec![result(OLD, 100, PruneOutcome::Deleted)];
    let report = PruneReport::new(&inventory, 1, &[], false, vec![], results);
    let effects = send(&mut app, [Msg::PruneDone(Box::new(report))]);
    assert!(effects.is_empty());
    assert!(app.sweep.queued);
    assert_eq!(flash_text(&app), "prune: deleted 1, skipped 0, freed 100 B");
}
