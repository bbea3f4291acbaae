use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers};
use tokio::sync::mpsc;

use super::exec::{Executor, Incoming, refused};
use super::*;
use crate::demo::Demo;
use crate::tarballs::PruneOutcome;

fn key(kind: KeyEventKind) -> TermEvent {
    TermEvent::Key(KeyEvent {
        code: KeyCode::Char('q'),
        modifiers: KeyModifiers::NONE,
        kind,
        state: KeyEventState::NONE,
    })
}

#[test]
fn only_presses_and_resizes_become_messages() {
    assert!(matches!(
        translate(key(KeyEventKind::Press)),
        Some(Msg::Key(_))
    ));
    assert!(translate(key(KeyEventKind::Release)).is_none());
    assert!(translate(key(KeyEventKind::Repeat)).is_none());
    assert!(matches!(
        translate(TermEvent::Resize(80, 24)),
        Some(Msg::Resize {
            width: 80,
            height: 24
        })
    ));
    assert!(translate(TermEvent::FocusGained).is_none());
}

#[test]
fn settings_and_rows_come_from_the_config() {
    let demo = Demo::create_in(Some(&std::env::temp_dir())).expect("demo");
    let mut cfg = demo.config().clone();
    let s = settings(&cfg, "demo".into(), None, true);
    assert_eq!(s.config_name, "demo");
    assert!(!s.read_only && s.read_only_reason.is_none());
    assert!(s.theme.no_color);
    assert_eq!(s.in_progress_secs, cfg.in_progress_secs);
    cfg.read_only = true;
    let s = settings(
        &cfg,
        "demo".into(),
        Some("--read-only was given".into()),
        false,
    );
    assert!(s.read_only);
    assert_eq!(s.read_only_reason.as_deref(), Some("--read-only was given"));
    let rows = node_rows(&cfg);
    assert_eq!(rows.len(), cfg.nodes.len());
    assert!(
        rows.iter()
            .all(|r| r.phase == NodePhase::Pending && r.facts.is_none())
    );
    assert_eq!(rows[3].shared_dir, cfg.nodes[3].shared_dir);
}

/// The executor on the demo cluster: a real sweep through the engine, its
/// messages in order with one id, and a second sweep with a larger id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sweeps_report_started_events_and_done_with_increasing_ids() {
    let demo = Demo::create_in(Some(&std::env::temp_dir())).expect("demo");
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut exec = Executor::new(demo.config().clone(), tx);
    let mut ids = Vec::new();
    for _ in 0..2 {
        exec.sweep(None);
        let mut seen_started = false;
        let mut events = 0;
        loop {
            let msg = tokio::time::timeout(Duration::from_secs(60), rx.recv())
                .await
                .expect("the sweep finishes within 60 s")
                .expect("channel open");
            match msg {
                Incoming::Fatal(why) => panic!("{why}"),
                Incoming::Msg(Msg::SweepStarted { id, nodes }) => {
                    assert!(nodes.is_none());
                    ids.push(id);
                    seen_started = true;
                }
                Incoming::Msg(Msg::Sweep { id, .. }) => {
                    assert!(seen_started, "events come after SweepStarted");
                    assert_eq!(Some(&id), ids.last());
                    events += 1;
                }
                Incoming::Msg(Msg::SweepDone { id, result }) => {
                    assert_eq!(Some(&id), ids.last());
                    assert!(events > 0);
                    assert_eq!(result.facts.len(), demo.config().nodes.len());
                    let codes: Vec<&str> =
                        result.findings.iter().map(|f| f.code.as_str()).collect();
                    assert!(codes.contains(&"not_shared"), "{codes:?}");
                    assert!(codes.contains(&"path_missing"), "{codes:?}");
                    let inv = result.tarballs.as_ref().expect("inventory");
                    assert!(inv.error.is_none(), "{:?}", inv.error);
                    assert!(inv.entries.iter().any(|e| e.prunable));
                    break;
                }
                Incoming::Msg(_) => {}
            }
        }
    }
    assert!(ids[1] > ids[0], "{ids:?}");
}

#[test]
fn a_prune_without_an_audit_log_deletes_nothing() {
    let inv = crate::tarballs::TarballInventory {
        node: Some("host".into()),
        dir: Some("/x".into()),
        entries: Vec::new(),
        summary: Vec::new(),
        visibility: Vec::new(),
        error: None,
    };
    let entry = crate::tarballs::TarballEntry {
        file: "a-1700000000.tar".into(),
        file_hex: None,
        name: Some("a".into()),
        timestamp: Some(1_700_000_000),
        size_bytes: 5,
        mtime: 0,
        inode: 1,
        kind: crate::tarballs::FileKind::Regular,
        status: crate::tarballs::TarballStatus::Superseded,
        prunable: true,
    };
    let report = refused(&inv, vec![entry], "audit log /nope: cannot open");
    assert!(
        report
            .results
            .iter()
            .all(|r| r.outcome == PruneOutcome::Skipped)
    );
    assert_eq!(report.exit_code, crate::report::exit::UNKNOWN);
    assert!(report.notes.iter().any(|n| n.contains("/nope")));
}

/// Quitting mid-sweep must not wait for the sweep: closing the executor
/// cancels it at once (the demo sweep alone takes seconds: verification waits
/// out its deadline for the unshared node), so nothing outlives the console.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_cancels_a_running_sweep_at_once() {
    let demo = Demo::create_in(Some(&std::env::temp_dir())).expect("demo");
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut exec = Executor::new(demo.config().clone(), tx);
    exec.sweep(None);
    loop {
        match rx.recv().await.expect("channel open") {
            Incoming::Msg(Msg::Sweep { .. }) => break,
            Incoming::Fatal(why) => panic!("{why}"),
            Incoming::Msg(_) => {}
        }
    }
    let start = std::time::Instant::now();
    drop(exec);
    // The channel closes when the cancelled job drops its sender.
    let rest = tokio::time::timeout(Duration::from_millis(1500), async {
        let mut rest = Vec::new();
        while let Some(m) = rx.recv().await {
            rest.push(m);
        }
        rest
    })
    .await
    .unwrap_or_else(|_| panic!("the sweep still runs {:?} after closing", start.elapsed()));
    assert!(
        !rest
            .iter()
            .any(|m| matches!(m, Incoming::Msg(Msg::SweepDone { .. }))),
        "a cancelled sweep does not finish"
    );
}

#[test]
fn a_signal_exits_as_a_shell_reports_that_signal() {
    assert_eq!(Closed::Quit.exit_code(), 0);
    assert_eq!(Closed::Signal(Signal::SIGHUP).exit_code(), 129);
    assert_eq!(Closed::Signal(Signal::SIGINT).exit_code(), 130);
    assert_eq!(Closed::Signal(Signal::SIGTERM).exit_code(), 143);
    assert_eq!(Closed::HungUp.exit_code(), 129, "a hangup, as SIGHUP");
}

#[test]
fn a_hung_up_terminal_is_told_from_other_failures() {
    use nix::errno::Errno;
    use std::io::{Error, ErrorKind};
    let os = |e: Errno| Error::from_raw_os_error(e as i32);
    for gone in [
        os(Errno::EIO),
        os(Errno::ENXIO),
        Error::from(ErrorKind::BrokenPipe),
    ] {
        assert!(super::terminal_gone(&gone, true), "{gone}");
    }
    // Any failure once stdout stopped being a terminal (a hung-up tty's ioctls fail).
    assert!(super::terminal_gone(&os(Errno::EAGAIN), false));
    assert!(super::terminal_gone(&os(Errno::ENOENT), false));
    // On a terminal that still answers, the rest is an error worth reporting.
    assert!(!super::terminal_gone(&os(Errno::EAGAIN), true));
    assert!(!super::terminal_gone(&os(Errno::ENOMEM), true));
}

/// The runtime without a terminal: a real demo sweep's messages fed through
/// `step`. The first whole sweep's end asks for the disk-usage walk, which the
/// executor runs off the UI task with the facts; its report lands in the
/// state. `u` then walks again, under a new id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_whole_sweep_starts_the_walk_and_its_report_lands() {
    let demo = Demo::create_in(Some(&std::env::temp_dir())).expect("demo");
    let cfg = demo.config().clone();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut exec = Executor::new(cfg.clone(), tx);
    let s = settings(&cfg, "demo".into(), None, true);
    let mut app = App::new(s, node_rows(&cfg), SystemTime::now());
    step(&mut app, Msg::Tick, &mut exec);
    let mut walks = Vec::new();
    let mut sweeps_done = 0;
    for round in 0..2 {
        loop {
            let incoming = tokio::time::timeout(Duration::from_secs(60), rx.recv())
                .await
                .expect("the sweep and the walk finish within 60 s")
                .expect("channel open");
            let msg = match incoming {
                Incoming::Fatal(why) => panic!("{why}"),
                Incoming::Msg(msg) => msg,
            };
            let last = matches!(msg, Msg::UsageDone { .. });
            match &msg {
                Msg::UsageStarted { id } => {
                    // Only after the whole sweep ended: the walk needs its facts.
                    assert_eq!(sweeps_done, 1, "the walk starts after the first sweep");
                    walks.push(*id);
                }
                Msg::SweepDone { .. } => sweeps_done += 1,
                _ => {}
            }
            step(&mut app, msg, &mut exec);
            if last {
                break;
            }
        }
        let report = app.usage.report.as_ref().expect("the report landed");
        assert_eq!(report.budget_secs, cfg.du_timeout.as_secs());
        assert_eq!(app.usage.running, None);
        assert!(app.usage.finished.is_some());
        if round == 0 {
            step(
                &mut app,
                Msg::Key(KeyEvent::from(KeyCode::Char('u'))),
                &mut exec,
            );
        }
    }
    assert_eq!(walks.len(), 2, "{walks:?}");
    assert!(walks[1] > walks[0], "{walks:?}");
    assert_eq!(sweeps_done, 1, "the walks started no sweep");
}
