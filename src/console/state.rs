//! The console's whole state. `view` reads it; only `update` writes it.
//!
//! CONTRACT: shared by `update`, `view`, the runtime and the tests. Fields may be
//! added; never renamed or removed. Time is a field (`now`), so `view` is pure:
//! the same state always draws the same screen.

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime};

use crate::diagnose::{Finding, Policy};
use crate::engine::{DebugOutput, DebugTarget};
use crate::facts::{NodeFacts, Role};
use crate::report::prune::PruneReport;
use crate::tarballs::{PruneResult, TarballEntry, TarballInventory};
use crate::usage::UsageReport;
use crate::verify::VerifyReport;

use super::index::{TarballIndex, tarball_index};
use super::theme::Theme;

/// Settings fixed for the console's life.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The config's name as shown in the header (`embedded`, a file name, `demo`).
    pub config_name: String,
    /// `--read-only` or `read_only = true`: no prune, no write test.
    pub read_only: bool,
    /// Why read-only applies, for the refusal flash (`--read-only was given`).
    pub read_only_reason: Option<String>,
    /// Auto-refresh period (`refresh_secs`, default 30 s).
    pub refresh_every: Duration,
    /// `theme = ...` from the config, with `NO_COLOR` already applied.
    pub theme: Theme,
    /// Diagnosis thresholds, to re-diagnose after an `R` sweep of one node.
    pub policy: Policy,
    /// Tarballs younger than this are in progress (for the tarball rules).
    pub in_progress_secs: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Pane {
    Mounts,
    Verify,
    Tarballs,
    Hints,
}

impl Pane {
    pub const ALL: [Pane; 4] = [Pane::Mounts, Pane::Verify, Pane::Tarballs, Pane::Hints];
}

/// Where one node's mount probe is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodePhase {
    /// No sweep has reached it yet.
    Pending,
    Connecting,
    Probing,
    /// `facts` hold the result.
    Done,
}

/// One configured node and what the last sweep learned about it.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeRow {
    pub name: String,
    pub role: Role,
    pub address: String,
    pub shared_dir: String,
    pub phase: NodePhase,
    /// The latest facts; kept while a new sweep runs, so the row never blanks.
    pub facts: Option<NodeFacts>,
    /// The latest probe's raw output, for the detail view.
    pub raw: Option<String>,
    /// When `facts` arrived.
    pub updated: Option<SystemTime>,
}

/// The sweep in flight, if any, and the last one that finished.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SweepState {
    /// The engine's id of the running sweep; `None` when idle.
    pub running: Option<u64>,
    /// `None`: every node; `Some`: the nodes of an `R`.
    pub running_nodes: Option<Vec<String>>,
    /// Verification is running (between the mount phase and its result).
    pub verifying: bool,
    /// The inventory is to come in this sweep.
    pub listing_tarballs: bool,
    /// The node listing the tarball folder now (the inventory has begun; it may
    /// run beside verification).
    pub listing_on: Option<String>,
    pub started: Option<SystemTime>,
    /// When the last whole sweep finished, and how long it took.
    pub last_done: Option<SystemTime>,
    pub last_duration: Option<Duration>,
    /// A sweep was asked for while one ran: start it when this one ends.
    pub queued: bool,
    /// When `update` last emitted `Effect::Sweep` whose `SweepStarted` has not
    /// come yet: no second sweep is asked for meanwhile (an auto-refresh would
    /// otherwise fire on every tick until the engine answers).
    pub requested: Option<SystemTime>,
}

/// The disk-usage walk: the last report, and the walk in flight.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UsageState {
    /// The last walk that finished; kept while a new one runs.
    pub report: Option<UsageReport>,
    /// When `report` arrived (its age is shown like the sweep's).
    pub finished: Option<SystemTime>,
    /// The engine's id of the running walk; `None` when idle.
    pub running: Option<u64>,
    /// The node walking, and its entries done / total (0 until it listed them).
    pub node: Option<String>,
    pub done: usize,
    pub total: usize,
    pub started: Option<SystemTime>,
    /// When `update` last emitted `Effect::Usage` whose `UsageStarted` has not
    /// come yet: no second walk is asked for meanwhile.
    pub requested: Option<SystemTime>,
    /// The walk that follows the first whole sweep was asked for: later sweeps
    /// (auto-refresh) do not start one; `u` does.
    pub auto_started: bool,
}

/// Rows cursor and scroll of one pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cursor {
    pub selected: usize,
    /// First visible row (kept by `update` so the selection stays on screen).
    pub offset: usize,
    /// The Verify pane's first visible reader column.
    pub column: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FlashLevel {
    Info,
    Warning,
    Error,
}

/// A message in the footer that fades after a few seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    pub level: FlashLevel,
    pub text: String,
    pub at: SystemTime,
}

/// What the detail popup (Enter) is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DetailTarget {
    Node(String),
    /// A verification cell, writer then reader.
    Cell {
        writer: String,
        reader: String,
    },
    /// A tarball file, by file name.
    File(String),
    /// A finding, by its index in `App::findings`.
    Finding(usize),
    /// A top-level entry of the disk-usage walk (`logs`), with its children.
    Usage(String),
}

/// A running or finished prune started from the console.
#[derive(Debug, Clone, PartialEq)]
pub struct PruneRun {
    pub node: Option<String>,
    pub total: usize,
    pub results: Vec<PruneResult>,
    /// Set when the engine is done (audit log written).
    pub report: Option<PruneReport>,
}

/// A run of a finding's read-only debug commands.
#[derive(Debug, Clone, PartialEq)]
pub struct DebugRun {
    pub id: u64,
    /// The finding's title, for the popup's title.
    pub title: String,
    pub targets: Vec<DebugTarget>,
    pub outputs: Vec<DebugOutput>,
    pub done: bool,
    pub scroll: usize,
}

/// At most one popup is open; Esc closes it.
#[derive(Debug, Clone, PartialEq)]
pub enum Popup {
    Help {
        scroll: usize,
    },
    Detail {
        target: DetailTarget,
        scroll: usize,
    },
    /// The prune confirm dialog: names the node, every path and the total size.
    /// `yes` is the focused button; it starts as `false` (No).
    ConfirmPrune {
        plan: Vec<TarballEntry>,
        yes: bool,
        scroll: usize,
    },
    /// Per-file progress and results of `App::prune`.
    Prune {
        scroll: usize,
    },
    /// Output of `App::debug`.
    Debug,
    /// `q` while a prune runs or files are marked. `yes` starts as `false`.
    ConfirmQuit {
        yes: bool,
    },
}

/// The row filter of the current pane (`/`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filter {
    /// Typing into the filter line: keys edit `text` instead of acting.
    pub editing: bool,
    /// Case-insensitive substring; empty means no filter.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct App {
    pub settings: Settings,
    /// Every configured node, in config order.
    pub nodes: Vec<NodeRow>,
    pub verify: Option<VerifyReport>,
    /// Set it with [`App::set_tarballs`], which keeps `tarball_index` with it.
    pub tarballs: Option<TarballInventory>,
    /// Derived from `tarballs` once when it arrives (order, problems per file),
    /// so the view does not sort 5 000 files a frame. `None`, or built from
    /// another inventory: readers compute what they need themselves.
    pub tarball_index: Option<TarballIndex>,
    /// Worst first (as `diagnose` orders them).
    pub findings: Vec<Finding>,
    /// Remarks that are not findings.
    pub notes: Vec<String>,
    pub sweep: SweepState,
    /// The disk-usage walk (shown in the Tarballs & usage pane).
    pub usage: UsageState,
    /// Auto-refresh is frozen (`f`).
    pub frozen: bool,
    pub pane: Pane,
    /// Per pane, in `Pane::ALL` order.
    pub cursors: [Cursor; 4],
    /// Per pane, in `Pane::ALL` order.
    pub filters: [Filter; 4],
    /// Identical Mounts rows fold into one (`z`).
    pub fold: bool,
    /// Marked tarball files, by file name.
    pub marks: BTreeSet<String>,
    pub popup: Option<Popup>,
    pub prune: Option<PruneRun>,
    pub debug: Option<DebugRun>,
    pub flash: Option<Flash>,
    /// Terminal size, from the last resize.
    pub width: u16,
    pub height: u16,
    /// The time the view draws with (ages, fading). The runtime sets it to the
    /// clock before every `update` call; `update` itself never reads the clock.
    pub now: SystemTime,
    /// Spinner frame, advanced by ticks while something runs.
    pub spinner: usize,
    /// Next debug run id.
    pub next_debug_id: u64,
    /// Set by `update` when the console should exit.
    pub quit: bool,
}

impl App {
    /// A console for `nodes` (name, role, address, SHARED_DIR), every node pending.
    pub fn new(settings: Settings, nodes: Vec<NodeRow>, now: SystemTime) -> Self {
        Self {
            settings,
            nodes,
            verify: None,
            tarballs: None,
            tarball_index: None,
            findings: Vec::new(),
            notes: Vec::new(),
            sweep: SweepState::default(),
            usage: UsageState::default(),
            frozen: false,
            pane: Pane::Mounts,
            cursors: [Cursor::default(); 4],
            filters: Default::default(),
            fold: false,
            marks: BTreeSet::new(),
            popup: None,
            prune: None,
            debug: None,
            flash: None,
            width: 120,
            height: 40,
            now,
            spinner: 0,
            next_debug_id: 1,
            quit: false,
        }
    }

    /// Sets the inventory and the index derived from it.
    pub fn set_tarballs(&mut self, inventory: Option<TarballInventory>) {
        self.tarball_index = inventory.as_ref().map(tarball_index);
        self.tarballs = inventory;
    }

    pub fn pane_index(&self) -> usize {
        Pane::ALL.iter().position(|p| *p == self.pane).unwrap_or(0)
    }
}
