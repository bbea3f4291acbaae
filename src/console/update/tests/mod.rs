//! State-machine tests: a console over fixed data (four nodes, one of them
//! unreachable; a tarball folder with a file of every status; the real findings
//! over those), driven by the same messages the runtime sends.

mod engine;
mod fuzz;
mod keys;
mod tarballs;
mod ticks;
mod usage;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::update;
use crate::console::msg::{Effect, Msg};
use crate::console::rows;
use crate::console::state::{App, NodePhase, NodeRow, Pane, Settings};
use crate::diagnose::{Policy, diagnose_with, tarball_fixture};
use crate::facts::{NodeError, NodeErrorKind, NodeFacts, Role};
use crate::testutil::healthy;

/// Seconds after the fixture's epoch.
pub fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_800_000_000 + secs)
}

pub fn at_ms(ms: u64) -> SystemTime {
    at(0) + Duration::from_millis(ms)
}

pub const POLICY: Policy = Policy {
    min_free_bytes: 1 << 30,
    slow_io_mbps: 10.0,
};

pub fn settings() -> Settings {
    Settings {
        config_name: "test".to_owned(),
        read_only: false,
        read_only_reason: None,
        refresh_every: Duration::from_secs(30),
        theme: Default::default(),
        policy: POLICY,
        in_progress_secs: 600,
    }
}

pub fn unreachable(name: &str) -> NodeFacts {
    let mut f = healthy(name, Role::Runner);
    f.reachable = false;
    f.rtt_ms = None;
    f.probe = None;
    f.error = Some(NodeError::new(
        NodeErrorKind::Unreachable,
        "no SSH banner within 5 s",
    ));
    f
}

/// host, runner-01, runner-02 healthy; runner-03 unreachable.
pub fn facts() -> Vec<NodeFacts> {
    vec![
        healthy("host", Role::Host),
        healthy("runner-01", Role::Runner),
        healthy("runner-02", Role::Runner),
        unreachable("runner-03"),
    ]
}

pub fn row(f: &NodeFacts) -> NodeRow {
    NodeRow {
        name: f.name.clone(),
        role: f.role,
        address: f.address.clone(),
        shared_dir: f.shared_dir.clone(),
        phase: NodePhase::Done,
        facts: Some(f.clone()),
        raw: Some(format!("raw probe output of {}", f.name)),
        updated: Some(at(0)),
    }
}

/// The console after one whole sweep that finished at `at(0)`.
pub fn app() -> App {
    let facts = facts();
    let mut app = App::new(settings(), facts.iter().map(row).collect(), at(0));
    let inventory = tarball_fixture::inventory();
    app.findings = diagnose_with(&facts, None, Some(&inventory), POLICY);
    app.tarballs = Some(inventory);
    app.sweep.last_done = Some(at(0));
    app.sweep.last_duration = Some(Duration::from_secs(2));
    // That sweep asked for the background usage walk (which has not reported).
    app.usage.auto_started = true;
    app
}

pub fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ch(c: char) -> Msg {
    key(KeyCode::Char(c))
}

pub fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

pub fn with_kind(code: KeyCode, kind: KeyEventKind) -> Msg {
    Msg::Key(KeyEvent::new_with_kind(code, KeyModifiers::NONE, kind))
}

/// Send every message; return every effect, in order.
pub fn send(app: &mut App, msgs: impl IntoIterator<Item = Msg>) -> Vec<Effect> {
    msgs.into_iter().flat_map(|m| update(app, m)).collect()
}

pub fn typed(text: &str) -> Vec<Msg> {
    text.chars().map(ch).collect()
}

/// Go to the Tarballs pane and select `file` with the movement keys.
pub fn select_file(app: &mut App, file: &str) {
    send(app, [ch('3'), ch('g')]);
    let inv = app.tarballs.as_ref().expect("fixture has an inventory");
    let index = rows::tarball_rows(app)
        .iter()
        .position(|&i| inv.entries[i].file == file)
        .unwrap_or_else(|| panic!("{file} is not a row"));
    send(app, std::iter::repeat_n(ch('j'), index));
    assert_eq!(app.pane, Pane::Tarballs);
    assert_eq!(selected_file(app), file);
}

pub fn selected_file(app: &App) -> String {
    let inv = app.tarballs.as_ref().expect("fixture has an inventory");
    let sel = app.cursors[2].selected;
    inv.entries[rows::tarball_rows(app)[sel]].file.clone()
}

pub fn flash_text(app: &App) -> String {
    app.flash
        .as_ref()
        .map(|f| f.text.clone())
        .unwrap_or_default()
}
