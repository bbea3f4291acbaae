//! The disk-usage walk: when it is asked for, one at a time, its progress and
//! report, late messages, the findings over it, and its rows in the pane.

use std::time::Duration;

use crossterm::event::KeyCode;

use super::*;
use crate::console::rows::{TarballsRow, tarballs_pane_row};
use crate::console::state::{DetailTarget, FlashLevel, Popup};
use crate::console::update::REQUEST_GRACE;
use crate::console::view::fixture::usage_report;
use crate::diagnose::Code;
use crate::engine::{Event, SweepResult};
use crate::sweep::Progress;
use crate::usage::UsageReport;

fn result(findings: Vec<crate::diagnose::Finding>) -> Box<SweepResult> {
    Box::new(SweepResult {
        facts: facts(),
        verify: None,
        tarballs: None,
        usage: None,
        findings,
        started_at: at(0),
        duration: Duration::from_secs(3),
    })
}

fn sweep(id: u64, nodes: Option<Vec<String>>) -> [Msg; 2] {
    [
        Msg::SweepStarted { id, nodes },
        Msg::SweepDone {
            id,
            result: result(Vec::new()),
        },
    ]
}

fn progress(id: u64, done: usize, total: usize) -> Msg {
    Msg::Usage {
        id,
        event: Event::Progress(Progress::Usage {
            node: "host".to_owned(),
            done,
            total,
        }),
    }
}

fn done(id: u64, report: &UsageReport) -> Msg {
    Msg::UsageDone {
        id,
        report: Box::new(report.clone()),
    }
}

/// A console that never swept, as the runtime starts it.
fn fresh() -> App {
    App::new(settings(), facts().iter().map(row).collect(), at(0))
}

#[test]
fn the_walk_starts_after_the_first_whole_sweep_only() {
    let mut app = fresh();
    app.now = at(5);
    assert_eq!(send(&mut app, sweep(1, None)), [Effect::Usage]);
    assert_eq!(app.usage.requested, Some(at(5)));
    let report = usage_report(at(20));
    app.now = at(20);
    send(&mut app, [Msg::UsageStarted { id: 1 }, done(1, &report)]);
    // The auto-refresh sweeps after it (whole or `R`) do not walk again.
    app.now = at(40);
    assert!(send(&mut app, sweep(2, None)).is_empty());
    let r = Some(vec!["host".to_owned()]);
    assert!(send(&mut app, sweep(3, r)).is_empty());
    assert_eq!(app.usage.report.as_ref(), Some(&report));
}

#[test]
fn a_partial_first_sweep_does_not_start_the_walk() {
    let mut app = fresh();
    let effects = send(&mut app, sweep(1, Some(vec!["host".to_owned()])));
    assert!(!effects.contains(&Effect::Usage), "{effects:?}");
    assert_eq!(app.usage.requested, None);
}

#[test]
fn u_starts_a_walk_even_read_only() {
    let mut app = app();
    app.settings.read_only = true;
    app.settings.read_only_reason = Some("--read-only was given".to_owned());
    assert_eq!(send(&mut app, [ch('u')]), [Effect::Usage]);
    assert_eq!(app.usage.requested, Some(at(0)));
    // From any pane.
    let mut app = app_on_hints();
    assert_eq!(send(&mut app, [ch('u')]), [Effect::Usage]);
}

fn app_on_hints() -> App {
    let mut app = app();
    send(&mut app, [ch('4')]);
    app
}

#[test]
fn u_before_the_first_sweep_waits_for_it() {
    let mut app = fresh();
    assert!(send(&mut app, [ch('u')]).is_empty());
    assert!(flash_text(&app).contains("starts when the first sweep ends"));
    assert_eq!(send(&mut app, sweep(1, None)), [Effect::Usage]);
}

#[test]
fn u_while_a_walk_runs_flashes_its_progress() {
    let mut app = app();
    assert_eq!(send(&mut app, [ch('u')]), [Effect::Usage]);
    // Asked for, not started yet: still one walk at a time.
    assert!(send(&mut app, [ch('u')]).is_empty());
    assert_eq!(flash_text(&app), "usage walk already running (0/0)");
    send(&mut app, [Msg::UsageStarted { id: 4 }, progress(4, 3, 5)]);
    assert!(send(&mut app, [ch('u')]).is_empty());
    assert_eq!(flash_text(&app), "usage walk already running (3/5)");
    assert_eq!(app.flash.as_ref().map(|f| f.level), Some(FlashLevel::Info));
    // A whole sweep ending meanwhile does not ask for a second one either.
    app.usage.auto_started = false;
    let effects = send(&mut app, sweep(8, None));
    assert!(!effects.contains(&Effect::Usage), "{effects:?}");
    // Once it is done, `u` walks again.
    send(&mut app, [done(4, &usage_report(at(0)))]);
    assert_eq!(send(&mut app, [ch('u')]), [Effect::Usage]);
}

#[test]
fn a_lost_request_stops_blocking_after_the_grace() {
    let mut app = app();
    assert_eq!(send(&mut app, [ch('u')]), [Effect::Usage]);
    app.now = at(0) + REQUEST_GRACE;
    assert_eq!(send(&mut app, [ch('u')]), [Effect::Usage]);
}

#[test]
fn progress_is_stored_and_the_spinner_runs() {
    let mut app = app();
    send(&mut app, [ch('u')]);
    app.now = at(2);
    send(&mut app, [Msg::UsageStarted { id: 1 }]);
    assert_eq!(app.usage.running, Some(1));
    assert_eq!(app.usage.requested, None);
    assert_eq!(app.usage.started, Some(at(2)));
    assert_eq!((app.usage.done, app.usage.total), (0, 0));
    send(&mut app, [progress(1, 2, 7)]);
    assert_eq!(app.usage.node.as_deref(), Some("host"));
    assert_eq!((app.usage.done, app.usage.total), (2, 7));
    // Something runs: the console wakes for the spinner.
    assert_eq!(app.next_wakeup(), Some(at(2) + super::super::SPINNER_FRAME));
    let spinner = app.spinner;
    send(&mut app, [Msg::Tick]);
    assert_eq!(app.spinner, spinner + 1);
}

#[test]
fn messages_of_another_walk_are_ignored() {
    let mut app = app();
    send(
        &mut app,
        [ch('u'), Msg::UsageStarted { id: 2 }, progress(2, 1, 4)],
    );
    let before = app.clone();
    send(
        &mut app,
        [
            progress(1, 3, 3),
            done(1, &usage_report(at(0))),
            progress(3, 1, 1),
        ],
    );
    assert_eq!(app, before);
    assert_eq!(app.usage.report, None);
    assert_eq!(app.usage.running, Some(2));
}

#[test]
fn the_report_is_stored_and_the_findings_worked_out_again() {
    let mut app = app();
    send(
        &mut app,
        [ch('u'), Msg::UsageStarted { id: 1 }, progress(1, 5, 5)],
    );
    let before = app.findings.clone();
    let report = usage_report(at(30));
    app.now = at(30);
    send(&mut app, [done(1, &report)]);
    assert_eq!(app.usage.report.as_ref(), Some(&report));
    assert_eq!(app.usage.finished, Some(at(30)));
    assert_eq!(app.usage.running, None);
    // Nothing runs any more: the next wake-up is the auto-refresh, not a spinner frame.
    app.flash = None;
    assert_eq!(app.next_wakeup(), Some(at(30)));
    let expected = crate::diagnose::with_usage(before, &report, &facts());
    assert_eq!(app.findings, expected);
    // The fixture's logs/ is 29% of the used space and two entries are partial.
    let codes: Vec<Code> = app.findings.iter().map(|f| f.code).collect();
    assert!(codes.contains(&Code::LogsGrowth), "{codes:?}");
    assert!(codes.contains(&Code::DuPartial), "{codes:?}");

    // A later sweep replaces the findings: the walk's are added back.
    let sweep_findings = crate::diagnose::diagnose_with(&facts(), None, None, POLICY);
    send(
        &mut app,
        [
            Msg::SweepStarted { id: 5, nodes: None },
            Msg::SweepDone {
                id: 5,
                result: result(sweep_findings.clone()),
            },
        ],
    );
    let expected = crate::diagnose::with_usage(sweep_findings, &report, &facts());
    assert_eq!(app.findings, expected);
    let growth = app
        .findings
        .iter()
        .filter(|f| f.code == Code::LogsGrowth)
        .count();
    assert_eq!(growth, 1, "added back once, never doubled");
}

#[test]
fn usage_rows_follow_the_files_and_enter_shows_the_children() {
    let mut app = app();
    let files = rows::tarball_rows(&app).len();
    let report = usage_report(at(0));
    send(
        &mut app,
        [ch('u'), Msg::UsageStarted { id: 1 }, done(1, &report)],
    );
    send(&mut app, [ch('3'), ch('G')]);
    let last = report.entries.len() - 1;
    assert_eq!(app.cursors[2].selected, files + last);
    assert_eq!(
        tarballs_pane_row(&app, files + last),
        Some(TarballsRow::Usage(last))
    );
    assert_eq!(
        tarballs_pane_row(&app, 0).map(|r| matches!(r, TarballsRow::File(_))),
        Some(true)
    );
    // space on a usage row marks nothing.
    send(&mut app, [ch(' ')]);
    assert!(app.marks.is_empty());
    // Up to `logs` (the second entry), Enter: its detail.
    send(&mut app, std::iter::repeat_n(ch('k'), last - 1));
    send(&mut app, [key(KeyCode::Enter)]);
    assert_eq!(
        app.popup,
        Some(Popup::Detail {
            target: DetailTarget::Usage("logs".to_owned()),
            scroll: 0
        })
    );
    send(&mut app, [key(KeyCode::Esc)]);
    assert_eq!(app.popup, None);
    assert_eq!(app.pane, Pane::Tarballs);
    // The filter applies to the entries too.
    send(&mut app, [ch('/')]);
    send(&mut app, typed("shared_d"));
    assert_eq!(rows::usage_rows(&app), [0]);
}

#[test]
fn a_walk_landing_never_moves_the_selected_file() {
    let mut app = app();
    send(&mut app, [ch('3'), ch('j'), ch('j')]);
    let file = selected_file(&app);
    send(
        &mut app,
        [
            ch('u'),
            Msg::UsageStarted { id: 1 },
            done(1, &usage_report(at(0))),
        ],
    );
    assert_eq!(selected_file(&app), file);
}
