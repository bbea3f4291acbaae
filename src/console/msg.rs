//! Everything that can happen to the console, and everything it can ask for.
//!
//! CONTRACT: shared by `update` (handles `Msg`, returns `Effect`), the runtime
//! (turns terminal events and engine results into `Msg`, carries out `Effect`s)
//! and the tests. Add variants only; never rename.

use crossterm::event::{KeyEvent, MouseEvent};

use crate::engine::{DebugOutput, DebugTarget, Event, PruneStep, SweepResult};
use crate::report::prune::PruneReport;
use crate::tarballs::{TarballEntry, TarballInventory};
use crate::usage::UsageReport;

#[derive(Debug, Clone)]
pub enum Msg {
    /// Only key *presses* reach `update`: the runtime drops repeats and releases.
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize {
        width: u16,
        height: u16,
    },
    /// Time passed: spinner frame, flash fading, auto-refresh. The runtime sends
    /// one only at `App::next_wakeup()`, so an idle console sleeps.
    Tick,
    /// A sweep (every node, or the nodes of an `R`) started on the engine.
    SweepStarted {
        id: u64,
        nodes: Option<Vec<String>>,
    },
    /// Something the running sweep `id` learned.
    Sweep {
        id: u64,
        event: Event,
    },
    SweepDone {
        id: u64,
        result: Box<SweepResult>,
    },
    /// One file of the running prune finished.
    PruneStep(PruneStep),
    /// The prune finished; the audit log has been written (its problems are in `notes`).
    PruneDone(Box<PruneReport>),
    /// One debug command's output for the debug run `run`.
    DebugOutput {
        run: u64,
        output: DebugOutput,
    },
    DebugDone {
        run: u64,
    },
    /// A disk-usage walk started on the engine (after the first whole sweep, or `u`).
    UsageStarted {
        id: u64,
    },
    /// Progress of the running walk `id` (`Event::Progress(Progress::Usage {..})`).
    Usage {
        id: u64,
        event: Event,
    },
    UsageDone {
        id: u64,
        report: Box<UsageReport>,
    },
    /// Remarks from the engine that are not findings (skipped keys, ...).
    Notes(Vec<String>),
    /// A clipboard copy (OSC 52) was written, or could not be.
    Copied(Result<usize, String>),
}

/// What `update` asks the runtime to do. Never carried out on the UI task.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Sweep every node (`nodes: None`) or these nodes, over the open connections.
    Sweep {
        nodes: Option<Vec<String>>,
    },
    /// Re-check then delete exactly `plan` (files of `inventory`), with progress,
    /// recording every deletion in the audit log. Never emitted in read-only mode.
    Prune {
        inventory: Box<TarballInventory>,
        plan: Vec<TarballEntry>,
    },
    /// Run these read-only debug commands; outputs come back tagged `run`.
    Debug {
        run: u64,
        targets: Vec<DebugTarget>,
    },
    /// Walk the share's disk usage (`engine::usage`) with the latest facts and
    /// shared group; read-only, so allowed in read-only mode.
    Usage,
    /// Put this text on the clipboard through OSC 52.
    Copy(String),
    Quit,
}
