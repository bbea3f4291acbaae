//! The console's runtime: owns the terminal, turns terminal events, engine
//! results and timers into `Msg`s, feeds them to `update`, carries out the
//! `Effect`s on other tasks, and redraws only when a message changed the state.
//!
//! Nothing here decides anything: keys mean what `update` says, and screens
//! look how `view` draws them. The loop sleeps until a terminal event, an
//! engine message, a signal or `App::next_wakeup()`: an idle console uses no
//! CPU.

mod exec;
mod input;
mod terminal;

pub use terminal::osc52;

use std::time::{Duration, SystemTime};

use color_eyre::eyre::{WrapErr as _, eyre};
use crossterm::event::{Event as TermEvent, KeyEventKind};
use nix::sys::signal::Signal;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use super::msg::{Effect, Msg};
use super::state::{App, NodePhase, NodeRow, Settings};
use super::theme::Theme;
use super::update::update;
use super::view::view;
use crate::config::Config;
use crate::diagnose::Policy;
use exec::{Executor, Incoming};
use input::Input;
use terminal::TerminalGuard;

/// Test only: when this variable is set (to anything), the console panics
/// inside its event loop on the first key press (so after the first frame, at
/// a moment the test chooses), to prove that a panic gives the terminal back
/// (tests/terminal_safety.rs). Ignored unless set; nothing else reads it.
pub const TEST_PANIC_ENV: &str = "RIVERSHARE_TEST_PANIC";

/// How the console ended (the terminal is restored either way).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    /// The operator quit, or the terminal's event stream ended.
    Quit,
    /// SIGTERM, SIGHUP or SIGINT closed it.
    Signal(Signal),
    /// The terminal went away (a dropped SSH session, a killed tmux pane): a
    /// draw or a read failed as a hung-up terminal fails. Often seen before
    /// the SIGHUP that comes with it, and ends the console the same way.
    HungUp,
}

impl Closed {
    /// The process exit code: 0 after a quit, and as a shell reports a process
    /// killed by the signal (128 + its number: SIGHUP 129, SIGINT 130, SIGTERM
    /// 143) after a signal, so a supervisor still sees why it ended.
    pub fn exit_code(self) -> i32 {
        match self {
            Closed::Quit => 0,
            Closed::Signal(sig) => 128 + sig as i32,
            Closed::HungUp => 128 + Signal::SIGHUP as i32,
        }
    }
}

/// Shortest sleep before a `Tick`: a wake-up time already in the past must not
/// turn the loop into a busy loop.
const MIN_TICK: Duration = Duration::from_millis(50);

/// The console's fixed settings for `config`. `no_color`: `NO_COLOR` is set.
pub fn settings(
    config: &Config,
    config_name: String,
    read_only_reason: Option<String>,
    no_color: bool,
) -> Settings {
    Settings {
        config_name,
        read_only: config.read_only,
        read_only_reason: read_only_reason.or_else(|| {
            config
                .read_only
                .then(|| "read_only = true in the config".to_owned())
        }),
        refresh_every: config.refresh,
        theme: Theme {
            name: config.theme,
            no_color,
        },
        policy: Policy {
            min_free_bytes: config.min_free_bytes,
            slow_io_mbps: config.slow_io_mbps,
        },
        in_progress_secs: config.in_progress_secs,
    }
}

/// One pending row per configured node, in config order.
pub fn node_rows(config: &Config) -> Vec<NodeRow> {
    config
        .nodes
        .iter()
        .map(|n| NodeRow {
            name: n.name.clone(),
            role: n.role,
            address: n.address.clone(),
            shared_dir: n.shared_dir.clone(),
            phase: NodePhase::Pending,
            facts: None,
            raw: None,
            updated: None,
        })
        .collect()
}

/// `NO_COLOR` set to anything non-empty.
pub fn no_color_from_env() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Run the console on `config` until the operator quits or a signal closes it.
/// `notes` are shown as remarks (where the config came from, what the demo
/// left out). The terminal is given back on every way out: here on a quit, a
/// signal or an error; by ratatui's panic hook, before the report, on a panic.
pub async fn run(
    config: Config,
    settings: Settings,
    notes: Vec<String>,
) -> color_eyre::Result<Closed> {
    let begun = std::time::Instant::now();
    let mut app = App::new(settings, node_rows(&config), SystemTime::now());
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut exec = Executor::new(config, tx);
    let mut sigterm = signal(SignalKind::terminate()).wrap_err("cannot watch SIGTERM")?;
    let mut sighup = signal(SignalKind::hangup()).wrap_err("cannot watch SIGHUP")?;
    let mut sigint = signal(SignalKind::interrupt()).wrap_err("cannot watch SIGINT")?;
    let mut sigwinch =
        signal(SignalKind::window_change()).wrap_err("cannot watch the terminal's size")?;

    let mut guard = TerminalGuard::enter().wrap_err("cannot take over the terminal")?;
    let size = guard
        .terminal()
        .and_then(|t| t.size())
        .wrap_err("cannot read the terminal size")?;
    let mut pending = vec![Msg::Resize {
        width: size.width,
        height: size.height,
    }];
    if !notes.is_empty() {
        pending.push(Msg::Notes(notes));
    }
    for msg in pending {
        step(&mut app, msg, &mut exec);
    }
    // The first frame, before any connection is made.
    if let Err(err) = draw(&mut guard, &app) {
        return hung_up_or(err, "cannot draw");
    }
    tracing::info!(after = ?begun.elapsed(), "console: first frame drawn");
    // The first sweep: a console that never swept is due, so `update` asks
    // for it on this first tick (and knows it asked, so it is asked once).
    if step(&mut app, Msg::Tick, &mut exec)
        && let Err(err) = draw(&mut guard, &app)
    {
        return hung_up_or(err, "cannot draw");
    }

    let forced_panic = std::env::var_os(TEST_PANIC_ENV).is_some();
    let mut closed = Closed::Quit;
    let (input_tx, mut input) = mpsc::unbounded_channel();
    let _input = input::spawn(input_tx).wrap_err("cannot start reading the terminal")?;
    while !app.quit {
        let sleep = tick_in(&app);
        let msg = tokio::select! {
            got = input.recv() => match got {
                Some(Input::Event(ev)) => translate(ev),
                Some(Input::HungUp) => {
                    tracing::info!("console: the terminal hung up (stdin)");
                    closed = Closed::HungUp;
                    break
                }
                Some(Input::Failed(err)) => {
                    closed = hung_up_or(err, "cannot read the terminal")?;
                    break
                }
                // The input thread ended without a word: no more keys will come.
                None => break,
            },
            // The input thread waits on stdin alone, so the resize is seen here.
            _ = sigwinch.recv() => crossterm::terminal::size()
                .ok()
                .map(|(width, height)| Msg::Resize { width, height }),
            incoming = rx.recv() => match incoming {
                Some(Incoming::Msg(msg)) => Some(msg),
                Some(Incoming::Fatal(why)) => return Err(eyre!("{why}")),
                // The executor keeps a sender: the channel never closes.
                None => None,
            },
            () = sleep_for(sleep) => Some(Msg::Tick),
            _ = sigterm.recv() => { closed = Closed::Signal(Signal::SIGTERM); break }
            _ = sighup.recv() => { closed = Closed::Signal(Signal::SIGHUP); break }
            _ = sigint.recv() => { closed = Closed::Signal(Signal::SIGINT); break }
        };
        let Some(msg) = msg else { continue };
        if forced_panic && matches!(msg, Msg::Key(_)) {
            panic!("{TEST_PANIC_ENV} is set: a panic forced inside the console's event loop");
        }
        if step(&mut app, msg, &mut exec)
            && let Err(err) = draw(&mut guard, &app)
        {
            closed = hung_up_or(err, "cannot draw")?;
            break;
        }
    }
    drop(guard);
    if let Closed::Signal(sig) = closed {
        tracing::info!(signal = sig.as_str(), "console closed by a signal");
    }
    Ok(closed)
}

fn draw(guard: &mut TerminalGuard, app: &App) -> std::io::Result<()> {
    guard
        .terminal()
        .and_then(|t| t.draw(|f| view(app, f)).map(drop))
}

/// A failed draw or read: `Closed::HungUp` when the terminal is gone, which is
/// how a console ends when its operator's connection drops, not an error.
/// Anything else is an error (`doing` says what failed).
///
/// Not an error report for a hangup: building one captures a backtrace when
/// `RUST_BACKTRACE` is set, seconds of symbol lookup in a debug build, and the
/// console would linger on a dead terminal for that long.
fn hung_up_or(err: std::io::Error, doing: &'static str) -> color_eyre::Result<Closed> {
    use std::io::IsTerminal as _;
    if terminal_gone(&err, std::io::stdout().is_terminal()) {
        tracing::info!(%err, "console: the terminal hung up ({doing})");
        Ok(Closed::HungUp)
    } else {
        Err(err).wrap_err(doing)
    }
}

/// Whether `err` comes from a terminal that hung up. A hung-up tty answers
/// EIO to reads, writes and ioctls (ENXIO on reopening, EPIPE when backed by a
/// pipe), but a draw can fail with a stranger errno on the way (EAGAIN, or
/// ENOENT when the size query falls back to running `tput`): so also
/// when stdout, a terminal when the console started, is no longer one.
fn terminal_gone(err: &std::io::Error, stdout_is_terminal: bool) -> bool {
    use nix::errno::Errno;
    !stdout_is_terminal
        || err.kind() == std::io::ErrorKind::BrokenPipe
        || err
            .raw_os_error()
            .is_some_and(|n| n == Errno::EIO as i32 || n == Errno::ENXIO as i32)
}

/// Feed one message to `update` (with the clock set) and carry out its
/// effects. True when the state changed, so the screen needs a redraw.
fn step(app: &mut App, msg: Msg, exec: &mut Executor) -> bool {
    app.now = SystemTime::now();
    let before = app.clone();
    let mut queue = vec![msg];
    while let Some(msg) = queue.pop() {
        for effect in update(app, msg) {
            match effect {
                Effect::Sweep { nodes } => exec.sweep(nodes),
                Effect::Prune { inventory, plan } => exec.prune(*inventory, plan),
                Effect::Debug { run, targets } => exec.debug(run, targets),
                Effect::Usage => {
                    // The walk needs the latest facts and shared group: data
                    // handed over, the work itself runs on the executor.
                    let facts = app.nodes.iter().filter_map(|n| n.facts.clone()).collect();
                    let shared = app.verify.as_ref().and_then(|v| v.shared.clone());
                    exec.usage(facts, shared);
                }
                Effect::Copy(text) => queue.push(Msg::Copied(terminal::copy(&text))),
                Effect::Quit => app.quit = true,
            }
        }
    }
    // `now` was set before the snapshot: it alone never forces a redraw.
    before != *app
}

/// Only key presses reach `update`; repeats and releases are dropped.
fn translate(ev: TermEvent) -> Option<Msg> {
    match ev {
        TermEvent::Key(key) if key.kind == KeyEventKind::Press => Some(Msg::Key(key)),
        TermEvent::Resize(width, height) => Some(Msg::Resize { width, height }),
        _ => None,
    }
}

/// How long until the console wants a `Tick`; `None`: sleep until something happens.
fn tick_in(app: &App) -> Option<Duration> {
    app.next_wakeup().map(|at| {
        at.duration_since(SystemTime::now())
            .unwrap_or_default()
            .max(MIN_TICK)
    })
}

async fn sleep_for(d: Option<Duration>) {
    match d {
        Some(d) => tokio::time::sleep(d).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests;
