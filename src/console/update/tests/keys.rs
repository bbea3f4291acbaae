//! Navigation, panes, the filter, quitting, press-only.

use crossterm::event::{KeyCode, KeyEventKind};

use super::*;
use crate::console::state::{DetailTarget, Popup, PruneRun};

fn mount_labels(app: &App) -> Vec<String> {
    rows::mount_rows(app).into_iter().map(|r| r.label).collect()
}

#[test]
fn releases_and_repeats_are_ignored() {
    let mut app = app();
    for kind in [KeyEventKind::Release, KeyEventKind::Repeat] {
        let before = app.clone();
        let effects = send(
            &mut app,
            [
                with_kind(KeyCode::Char('j'), kind),
                with_kind(KeyCode::Char('q'), kind),
                with_kind(KeyCode::Char('r'), kind),
                with_kind(KeyCode::Tab, kind),
            ],
        );
        assert!(effects.is_empty());
        assert_eq!(app, before);
    }
    send(
        &mut app,
        [with_kind(KeyCode::Char('j'), KeyEventKind::Press)],
    );
    assert_eq!(app.cursors[0].selected, 1);
}

#[test]
fn moving_stops_at_the_ends() {
    let mut app = app();
    send(&mut app, [ch('k'), key(KeyCode::Up)]);
    assert_eq!(app.cursors[0].selected, 0);
    send(&mut app, [ch('j'), key(KeyCode::Down)]);
    assert_eq!(app.cursors[0].selected, 2);
    send(&mut app, [ch('G')]);
    assert_eq!(app.cursors[0].selected, 3);
    send(&mut app, [ch('j')]);
    assert_eq!(app.cursors[0].selected, 3);
    send(&mut app, [ch('g')]);
    assert_eq!(app.cursors[0].selected, 0);
}

#[test]
fn pages_follow_the_height_and_the_selection_stays_visible() {
    let mut app = app();
    // 8 lines leave 3 list rows (see `cursor::CHROME_LINES`); 9 tarball rows.
    send(
        &mut app,
        [
            Msg::Resize {
                width: 100,
                height: 8,
            },
            ch('3'),
        ],
    );
    assert_eq!(super::super::cursor::list_height(&app), 3);
    send(&mut app, [key(KeyCode::PageDown)]);
    assert_eq!((app.cursors[2].selected, app.cursors[2].offset), (3, 1));
    send(&mut app, [ctrl('d')]);
    assert_eq!((app.cursors[2].selected, app.cursors[2].offset), (6, 4));
    send(&mut app, [ch('G')]);
    assert_eq!((app.cursors[2].selected, app.cursors[2].offset), (8, 6));
    send(&mut app, [key(KeyCode::PageUp)]);
    assert_eq!((app.cursors[2].selected, app.cursors[2].offset), (5, 5));
    send(&mut app, [ctrl('u'), ctrl('u')]);
    assert_eq!((app.cursors[2].selected, app.cursors[2].offset), (0, 0));
    send(&mut app, [ch('G')]);
    // A taller terminal shows every row: no scrolling left.
    send(
        &mut app,
        [Msg::Resize {
            width: 100,
            height: 40,
        }],
    );
    assert_eq!((app.cursors[2].selected, app.cursors[2].offset), (8, 0));
}

#[test]
fn tab_backtab_and_digits_switch_panes() {
    let mut app = app();
    send(&mut app, [key(KeyCode::Tab)]);
    assert_eq!(app.pane, Pane::Verify);
    send(&mut app, [key(KeyCode::BackTab), key(KeyCode::BackTab)]);
    assert_eq!(app.pane, Pane::Hints);
    send(&mut app, [ch('3')]);
    assert_eq!(app.pane, Pane::Tarballs);
    send(&mut app, [ch('1')]);
    assert_eq!(app.pane, Pane::Mounts);
    // Each pane keeps its own selection.
    send(&mut app, [ch('G'), ch('2'), ch('1')]);
    assert_eq!(app.cursors[0].selected, 3);
    assert_eq!(app.cursors[1].selected, 0);
}

#[test]
fn the_filter_narrows_rows_and_esc_restores_them() {
    let mut app = app();
    send(&mut app, [ch('G'), ch('/')]);
    assert!(app.filters[0].editing);
    // While typing, keys are text: `q` does not quit, `j` does not move.
    let effects = send(&mut app, typed("runner-0q"));
    assert!(effects.is_empty() && !app.quit);
    assert_eq!(app.filters[0].text, "runner-0q");
    assert!(mount_labels(&app).is_empty());
    send(&mut app, [key(KeyCode::Backspace), ch('2')]);
    assert_eq!(mount_labels(&app), ["runner-02"]);
    assert_eq!(app.cursors[0].selected, 0);
    // Enter keeps the filter and leaves the filter line.
    send(&mut app, [key(KeyCode::Enter)]);
    assert!(!app.filters[0].editing);
    assert_eq!(mount_labels(&app), ["runner-02"]);
    send(&mut app, [key(KeyCode::Enter)]);
    assert_eq!(
        app.popup,
        Some(Popup::Detail {
            target: DetailTarget::Node("runner-02".to_owned()),
            scroll: 0
        })
    );
    send(&mut app, [key(KeyCode::Esc)]);
    assert_eq!(app.popup, None);
    // Esc clears it: every row is back.
    send(&mut app, [key(KeyCode::Esc)]);
    assert_eq!(app.filters[0].text, "");
    assert_eq!(mount_labels(&app).len(), 4);
    // Esc while typing clears and stops too.
    send(&mut app, [ch('/'), ch('h'), key(KeyCode::Esc)]);
    assert_eq!(app.filters[0], Default::default());
    assert_eq!(mount_labels(&app).len(), 4);
}

#[test]
fn filters_belong_to_their_pane() {
    let mut app = app();
    send(&mut app, [ch('3'), ch('/')]);
    send(&mut app, typed("base"));
    send(&mut app, [key(KeyCode::Enter)]);
    assert_eq!(rows::tarball_rows(&app).len(), 3);
    assert_eq!(rows::mount_rows(&app).len(), 4);
}

#[test]
fn q_quits_at_once_without_marks() {
    let mut app = app();
    let effects = send(&mut app, [ch('q')]);
    assert_eq!(effects, [Effect::Quit]);
    assert!(app.quit);
}

#[test]
fn q_asks_while_files_are_marked() {
    let mut app = app();
    send(&mut app, [ch('3'), ch('a')]);
    let effects = send(&mut app, [ch('q')]);
    assert!(effects.is_empty() && !app.quit);
    assert_eq!(app.popup, Some(Popup::ConfirmQuit { yes: false }));
    // The default is No.
    assert!(send(&mut app, [key(KeyCode::Enter)]).is_empty());
    assert!(!app.quit && app.popup.is_none());
    for stay in [ch('n'), key(KeyCode::Esc)] {
        send(&mut app, [ch('q')]);
        assert!(send(&mut app, [stay]).is_empty());
        assert!(!app.quit && app.popup.is_none());
    }
    send(&mut app, [ch('q'), key(KeyCode::Right)]);
    assert_eq!(send(&mut app, [key(KeyCode::Enter)]), [Effect::Quit]);
    assert!(app.quit);

    let mut app = self::app();
    app.marks.insert("base-1700000100.tar".to_owned());
    assert_eq!(send(&mut app, [ch('q'), ch('y')]), [Effect::Quit]);
}

#[test]
fn q_asks_while_a_prune_runs() {
    let mut app = app();
    app.prune = Some(PruneRun {
        node: Some("host".to_owned()),
        total: 2,
        results: vec![],
        report: None,
    });
    assert!(send(&mut app, [ch('q')]).is_empty());
    assert_eq!(app.popup, Some(Popup::ConfirmQuit { yes: false }));
}

#[test]
fn ctrl_c_quits_and_twice_quits_anyway() {
    let mut app = app();
    assert_eq!(send(&mut app, [ctrl('c')]), [Effect::Quit]);

    let mut app = self::app();
    send(&mut app, [ch('3'), ch('a'), ch('/')]);
    assert!(send(&mut app, [ctrl('c')]).is_empty());
    assert_eq!(app.popup, Some(Popup::ConfirmQuit { yes: false }));
    assert_eq!(send(&mut app, [ctrl('c')]), [Effect::Quit]);
    assert!(app.quit);
}

#[test]
fn help_opens_and_esc_closes() {
    let mut app = app();
    send(&mut app, [ch('?')]);
    assert_eq!(app.popup, Some(Popup::Help { scroll: 0 }));
    send(&mut app, [ch('j'), ch('j')]);
    assert_eq!(app.popup, Some(Popup::Help { scroll: 2 }));
    send(&mut app, [ch('G')]);
    assert_eq!(
        app.popup,
        Some(Popup::Help {
            scroll: super::super::keys::HELP.len()
        })
    );
    // Keys do not reach the panes under a popup.
    assert_eq!(app.cursors[0].selected, 0);
    send(&mut app, [key(KeyCode::Esc)]);
    assert_eq!(app.popup, None);
    // Esc with nothing open goes back to the first pane.
    send(&mut app, [ch('4'), key(KeyCode::Esc)]);
    assert_eq!(app.pane, Pane::Mounts);
}

#[test]
fn enter_on_verify_shows_the_cell_of_the_reader_column() {
    let mut app = app();
    send(&mut app, [ch('2'), ch('j'), ch('l'), ch('l')]);
    send(
        &mut app,
        [key(KeyCode::Right), key(KeyCode::Right), ch('l')],
    );
    // Four readers: the column stops at the last.
    assert_eq!(app.cursors[1].column, 3);
    send(&mut app, [ch('h'), key(KeyCode::Left), key(KeyCode::Enter)]);
    let target = DetailTarget::Cell {
        writer: "runner-01".to_owned(),
        reader: "runner-01".to_owned(),
    };
    assert_eq!(app.popup, Some(Popup::Detail { target, scroll: 0 }));
}

#[test]
fn enter_on_tarballs_and_hints_shows_the_file_and_the_finding() {
    let mut app = app();
    select_file(&mut app, "old.tar");
    send(&mut app, [key(KeyCode::Enter)]);
    let target = DetailTarget::File("old.tar".to_owned());
    assert_eq!(app.popup, Some(Popup::Detail { target, scroll: 0 }));
    send(
        &mut app,
        [key(KeyCode::Esc), ch('4'), ch('j'), key(KeyCode::Enter)],
    );
    let target = DetailTarget::Finding(rows::hint_rows(&app)[1]);
    assert_eq!(app.popup, Some(Popup::Detail { target, scroll: 0 }));
}

#[test]
fn z_folds_identical_rows_and_big_r_sweeps_the_whole_fold() {
    let mut app = app();
    send(&mut app, [ch('j'), ch('j'), ch('z')]);
    assert!(app.fold);
    assert_eq!(mount_labels(&app), ["host", "runner-[01-02]", "runner-03"]);
    // runner-02 was selected: its folded row is.
    assert_eq!(app.cursors[0].selected, 1);
    let effects = send(&mut app, [ch('R')]);
    let nodes = Some(vec!["runner-01".to_owned(), "runner-02".to_owned()]);
    assert_eq!(effects, [Effect::Sweep { nodes }]);
    send(&mut app, [ch('z')]);
    assert_eq!(mount_labels(&app).len(), 4);
    assert_eq!(app.cursors[0].selected, 1);
}

#[test]
fn r_sweeps_once_and_queues_while_a_sweep_runs() {
    let mut app = app();
    assert_eq!(send(&mut app, [ch('r')]), [Effect::Sweep { nodes: None }]);
    // Asked for, not started yet: no second sweep.
    assert!(send(&mut app, [ch('r')]).is_empty());
    send(&mut app, [Msg::SweepStarted { id: 1, nodes: None }]);
    app.sweep.queued = false;
    assert!(send(&mut app, [ch('r')]).is_empty());
    assert!(app.sweep.queued);
    assert!(flash_text(&app).contains("a sweep is running"));
}

#[test]
fn f_freezes_and_unfreezes_the_auto_refresh() {
    let mut app = app();
    send(&mut app, [ch('f')]);
    assert!(app.frozen);
    assert!(flash_text(&app).contains("frozen"));
    send(&mut app, [ch('f')]);
    assert!(!app.frozen);
    assert_eq!(flash_text(&app), "auto-refresh every 30 s");
}

#[test]
fn the_mouse_wheel_moves_the_selection() {
    use crossterm::event::{KeyModifiers, MouseEvent, MouseEventKind};
    let wheel = |kind| {
        Msg::Mouse(MouseEvent {
            kind,
            column: 10,
            row: 10,
            modifiers: KeyModifiers::NONE,
        })
    };
    let mut app = app();
    send(
        &mut app,
        [
            wheel(MouseEventKind::ScrollDown),
            wheel(MouseEventKind::ScrollDown),
        ],
    );
    assert_eq!(app.cursors[0].selected, 2);
    send(&mut app, [wheel(MouseEventKind::ScrollUp)]);
    assert_eq!(app.cursors[0].selected, 1);
}
