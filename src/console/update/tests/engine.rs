//! Sweep, debug and clipboard messages.

use std::time::Duration;

use crossterm::event::KeyCode;

use super::*;
use crate::console::state::{FlashLevel, Popup};
use crate::diagnose::Code;
use crate::engine::{DebugOutput, DebugTarget, Event, SweepResult};
use crate::sweep::Progress;

fn result(facts: Vec<NodeFacts>, findings: Vec<crate::diagnose::Finding>) -> Box<SweepResult> {
    Box::new(SweepResult {
        facts,
        verify: None,
        tarballs: None,
        usage: None,
        findings,
        started_at: at(0),
        duration: Duration::from_secs(3),
    })
}

fn phase(app: &App, name: &str) -> NodePhase {
    app.nodes
        .iter()
        .find(|n| n.name == name)
        .expect("node")
        .phase
}

#[test]
fn a_sweep_moves_each_node_through_its_phases() {
    let mut app = app();
    app.now = at(40);
    send(&mut app, [Msg::SweepStarted { id: 5, nodes: None }]);
    assert_eq!(app.sweep.running, Some(5));
    assert!(app.sweep.verifying && app.sweep.listing_tarballs);
    assert!(app.nodes.iter().all(|n| n.phase == NodePhase::Pending));
    // Old facts stay while the new ones come.
    assert!(app.nodes.iter().all(|n| n.facts.is_some()));
    let progress = |p| Msg::Sweep {
        id: 5,
        event: Event::Progress(p),
    };
    send(
        &mut app,
        [
            progress(Progress::Connecting {
                node: "runner-01".to_owned(),
            }),
            progress(Progress::Probing {
                node: "runner-02".to_owned(),
            }),
        ],
    );
    assert_eq!(phase(&app, "runner-01"), NodePhase::Connecting);
    assert_eq!(phase(&app, "runner-02"), NodePhase::Probing);
    let mut fresh = healthy("runner-03", Role::Runner);
    fresh.rtt_ms = Some(9.0);
    let probed = Event::NodeProbed {
        facts: Box::new(fresh.clone()),
        raw: Some("fresh raw".to_owned()),
    };
    send(
        &mut app,
        [Msg::Sweep {
            id: 5,
            event: probed,
        }],
    );
    let row = app
        .nodes
        .iter()
        .find(|n| n.name == "runner-03")
        .expect("row");
    assert_eq!(row.facts.as_ref(), Some(&fresh));
    assert_eq!(row.raw.as_deref(), Some("fresh raw"));
    assert_eq!((row.phase, row.updated), (NodePhase::Done, Some(at(40))));
}

#[test]
fn messages_of_another_sweep_are_ignored() {
    let mut app = app();
    send(&mut app, [Msg::SweepStarted { id: 2, nodes: None }]);
    let before = app.clone();
    let stale = Event::NodeProbed {
        facts: Box::new(unreachable("host")),
        raw: None,
    };
    let effects = send(
        &mut app,
        [
            Msg::Sweep {
                id: 1,
                event: stale,
            },
            Msg::SweepDone {
                id: 1,
                result: result(vec![], vec![]),
            },
        ],
    );
    assert!(effects.is_empty());
    assert_eq!(app, before);
    assert_eq!(app.sweep.running, Some(2));
    assert!(!app.findings.is_empty());
}

#[test]
fn a_whole_sweep_replaces_the_findings() {
    let mut app = app();
    app.now = at(45);
    send(&mut app, [Msg::SweepStarted { id: 9, nodes: None }]);
    let facts: Vec<NodeFacts> = facts()
        .into_iter()
        .map(|f| healthy(&f.name, f.role))
        .collect();
    let effects = send(
        &mut app,
        [Msg::SweepDone {
            id: 9,
            result: result(facts.clone(), vec![]),
        }],
    );
    assert!(effects.is_empty());
    assert!(app.findings.is_empty());
    assert_eq!(app.sweep.running, None);
    assert!(!app.sweep.verifying && !app.sweep.listing_tarballs);
    assert_eq!(app.sweep.last_done, Some(at(45)));
    assert_eq!(app.sweep.last_duration, Some(Duration::from_secs(3)));
    let row = app
        .nodes
        .iter()
        .find(|n| n.name == "runner-03")
        .expect("row");
    assert_eq!(row.facts.as_ref(), Some(&facts[3]));
    assert!(app.nodes.iter().all(|n| n.phase == NodePhase::Done));
}

#[test]
fn a_queued_sweep_starts_when_the_running_one_ends() {
    let mut app = app();
    send(
        &mut app,
        [Msg::SweepStarted { id: 9, nodes: None }, ch('r')],
    );
    let done = Msg::SweepDone {
        id: 9,
        result: result(facts(), app.findings.clone()),
    };
    assert_eq!(send(&mut app, [done]), [Effect::Sweep { nodes: None }]);
    assert!(!app.sweep.queued);
}

#[test]
fn a_partial_sweep_diagnoses_again_over_every_node() {
    let mut app = app();
    app.now = at(50);
    let unreachable_finding = |app: &App| {
        app.findings
            .iter()
            .any(|f| f.code == Code::Unreachable && f.nodes.contains(&"runner-03".to_owned()))
    };
    assert!(unreachable_finding(&app));
    // R on runner-03.
    let effects = send(&mut app, [ch('G'), ch('R')]);
    let nodes = Some(vec!["runner-03".to_owned()]);
    assert_eq!(
        effects,
        [Effect::Sweep {
            nodes: nodes.clone()
        }]
    );
    send(&mut app, [Msg::SweepStarted { id: 11, nodes }]);
    assert!(!app.sweep.verifying && !app.sweep.listing_tarballs);
    assert_eq!(phase(&app, "host"), NodePhase::Done);
    assert_eq!(phase(&app, "runner-03"), NodePhase::Pending);
    let fixed = healthy("runner-03", Role::Runner);
    // A partial result carries no findings of its own.
    let effects = send(
        &mut app,
        [Msg::SweepDone {
            id: 11,
            result: result(vec![fixed.clone()], vec![]),
        }],
    );
    assert!(effects.is_empty());
    assert!(!unreachable_finding(&app));
    let mut all = facts();
    all[3] = fixed;
    let expected = diagnose_with(&all, None, app.tarballs.as_ref(), POLICY);
    assert!(!expected.is_empty(), "tarball findings remain");
    assert_eq!(app.findings, expected);
    // Only a whole sweep counts for the auto-refresh.
    assert_eq!(app.sweep.last_done, Some(at(0)));
}

#[test]
fn x_without_reachable_nodes_says_which() {
    let mut app = app();
    send(&mut app, [ch('4'), ch('/')]);
    send(&mut app, typed("runner-03"));
    send(&mut app, [key(KeyCode::Enter)]);
    let effects = send(&mut app, [ch('x')]);
    assert!(effects.is_empty());
    assert_eq!(app.debug, None);
    let flash = app.flash.as_ref().expect("flash");
    assert_eq!(flash.level, FlashLevel::Warning);
    assert!(
        flash.text.contains("runner-03 could not be reached"),
        "{}",
        flash.text
    );
}

#[test]
fn a_debug_run_collects_only_its_own_output() {
    let mut app = app();
    let targets = vec![DebugTarget {
        node: "host".to_owned(),
        commands: vec!["findmnt -T /mnt/cluster-share".to_owned()],
    }];
    let effects = super::super::actions::start_debug(&mut app, 0, targets.clone());
    assert_eq!(
        effects,
        [Effect::Debug {
            run: 1,
            targets: targets.clone()
        }]
    );
    assert_eq!(app.popup, Some(Popup::Debug));
    let effects = super::super::actions::start_debug(&mut app, 0, targets);
    assert_eq!(effects.len(), 1);
    let run = app.debug.as_ref().map(|d| d.id).expect("debug run");
    assert_eq!(run, 2);
    let output = |node: &str| DebugOutput {
        node: node.to_owned(),
        command: "findmnt -T /mnt/cluster-share".to_owned(),
        output: "TARGET SOURCE\n/mnt/cluster-share 10.0.0.5:/export\n".to_owned(),
        exit_status: Some(0),
        timed_out: false,
    };
    send(
        &mut app,
        [
            Msg::DebugOutput {
                run: 1,
                output: output("stale"),
            },
            Msg::DebugDone { run: 1 },
            Msg::DebugOutput {
                run,
                output: output("host"),
            },
        ],
    );
    let debug = app.debug.as_ref().expect("debug run");
    assert_eq!(debug.outputs, [output("host")]);
    assert!(!debug.done);
    // The output scrolls, within its length.
    send(&mut app, [ch('j'), ch('G')]);
    assert_eq!(app.debug.as_ref().map(|d| d.scroll), Some(4));
    send(&mut app, [Msg::DebugDone { run }]);
    assert!(app.debug.as_ref().is_some_and(|d| d.done));
    send(&mut app, [key(KeyCode::Esc)]);
    assert_eq!(app.popup, None);
}

#[test]
fn c_copies_the_finding_commands_and_the_result_flashes() {
    let mut app = app();
    send(&mut app, [ch('4')]);
    let index = rows::hint_rows(&app)
        .into_iter()
        .position(|i| !app.findings[i].commands.is_empty())
        .expect("a finding with commands");
    send(&mut app, std::iter::repeat_n(ch('j'), index));
    let commands = app.findings[rows::hint_rows(&app)[index]]
        .commands
        .join("\n");
    assert_eq!(send(&mut app, [ch('c')]), [Effect::Copy(commands)]);
    send(&mut app, [Msg::Copied(Ok(42))]);
    assert_eq!(
        flash_text(&app),
        "copied 42 bytes to the clipboard (OSC 52)"
    );
    send(&mut app, [Msg::Copied(Err("no TTY".to_owned()))]);
    let flash = app.flash.as_ref().expect("flash");
    assert_eq!(flash.level, FlashLevel::Error);
    assert!(flash.text.contains("no TTY"));
}

#[test]
fn notes_are_kept_once() {
    let mut app = app();
    let notes = vec!["key runner.x skipped".to_owned()];
    send(
        &mut app,
        [Msg::Notes(notes.clone()), Msg::Notes(notes.clone())],
    );
    assert_eq!(app.notes, notes);
}

#[test]
fn a_node_verdict_shows_as_soon_as_its_facts_arrive() {
    let mut app = app();
    app.findings.clear();
    send(&mut app, [Msg::SweepStarted { id: 9, nodes: None }]);
    let gone = unreachable("runner-02");
    let effects = send(
        &mut app,
        [Msg::Sweep {
            id: 9,
            event: Event::NodeProbed {
                facts: Box::new(gone.clone()),
                raw: None,
            },
        }],
    );
    assert!(effects.is_empty());
    // Still running: the finding comes from this node's facts, not from the sweep's end.
    assert_eq!(app.sweep.running, Some(9));
    let facts: Vec<NodeFacts> = app.nodes.iter().filter_map(|n| n.facts.clone()).collect();
    let expected = crate::diagnose::diagnose_with(
        &facts,
        app.verify.as_ref(),
        app.tarballs.as_ref(),
        app.settings.policy,
    );
    assert_eq!(app.findings, expected);
    assert!(
        app.findings
            .iter()
            .any(|f| f.code == Code::Unreachable && f.nodes == ["runner-02"]),
        "{:?}",
        app.findings
    );
}
