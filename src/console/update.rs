//! The only place the console's state changes.
//!
//! `update` never does I/O and never reads the clock. Time comes from
//! [`App::now`]: the runtime sets `app.now = SystemTime::now()` before every
//! call (tests set it by hand), so the same state and message always give the
//! same result.
//!
//! What the runtime owes `update`:
//! - a `Tick` at (or after) every [`App::next_wakeup`]; the first one may come
//!   at once, and starts the first sweep (a console that never swept is due);
//! - a `SweepStarted` for every `Effect::Sweep` it carries out (until then no
//!   other sweep is asked for; after [`REQUEST_GRACE`] the request counts as lost);
//! - a `UsageStarted` for every `Effect::Usage`, likewise (one walk at a time);
//! - only key presses (releases and repeats are dropped here too).
//!
//! - [`keys`]: key presses (popups, the filter line, the pane keys); mouse.
//! - [`cursor`]: selection and scrolling, kept in bounds after every message.
//! - [`tarballs`]: marks, the prune confirm dialog.
//! - [`engine`]: sweep, prune and debug messages from the engine.
//! - [`usage`]: the disk-usage walk (after the first whole sweep, and `u`).
//! - [`actions`]: what several keys share (sweeps, quit, detail, debug, copy).

mod actions;
pub mod cursor;
mod engine;
mod keys;
mod tarballs;
mod usage;

#[cfg(test)]
mod tests;

// For the view: the help popup's key list, and what the marks amount to.
pub use keys::HELP;
pub use tarballs::{marked_entries, marked_total, unmarkable_reason};

use std::time::{Duration, SystemTime};

use super::msg::{Effect, Msg};
use super::state::{App, Flash, FlashLevel, Popup};

/// A flash message shows this long after it was set.
pub const FLASH_FOR: Duration = Duration::from_secs(4);
/// One spinner frame while a sweep, a prune or a debug run is going.
pub const SPINNER_FRAME: Duration = Duration::from_millis(120);
/// An `Effect::Sweep` whose `SweepStarted` has not come after this long is
/// taken as lost, so a dropped effect cannot stop the auto-refresh for good.
pub const REQUEST_GRACE: Duration = Duration::from_secs(10);

/// Apply `msg` to `app`; return what the runtime should do next.
pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    let effects = match msg {
        Msg::Key(key) => keys::key(app, key),
        Msg::Mouse(mouse) => keys::mouse(app, mouse),
        Msg::Resize { width, height } => {
            app.width = width;
            app.height = height;
            Vec::new()
        }
        Msg::Tick => tick(app),
        Msg::SweepStarted { id, nodes } => engine::sweep_started(app, id, nodes),
        Msg::Sweep { id, event } => engine::sweep_event(app, id, event),
        Msg::SweepDone { id, result } => engine::sweep_done(app, id, *result),
        Msg::UsageStarted { id } => usage::started(app, id),
        Msg::Usage { id, event } => usage::event(app, id, event),
        Msg::UsageDone { id, report } => usage::done(app, id, *report),
        Msg::PruneStep(step) => engine::prune_step(app, step),
        Msg::PruneDone(report) => engine::prune_done(app, *report),
        Msg::DebugOutput { run, output } => engine::debug_output(app, run, output),
        Msg::DebugDone { run } => engine::debug_done(app, run),
        Msg::Notes(notes) => {
            for note in notes {
                // The same remark comes with every sweep: keep it once.
                if !app.notes.contains(&note) {
                    app.notes.push(note);
                }
            }
            Vec::new()
        }
        Msg::Copied(Ok(bytes)) => {
            set_flash(
                app,
                FlashLevel::Info,
                format!("copied {bytes} bytes to the clipboard (OSC 52)"),
            );
            Vec::new()
        }
        Msg::Copied(Err(why)) => {
            set_flash(
                app,
                FlashLevel::Error,
                format!("clipboard copy failed: {why}"),
            );
            Vec::new()
        }
    };
    // Data, filters and sizes all change what rows exist: one place keeps every
    // pane's cursor valid, whatever the message was.
    cursor::clamp_all(app);
    effects
}

/// Time passed: spinner, flash fading, auto-refresh.
fn tick(app: &mut App) -> Vec<Effect> {
    if busy(app) {
        app.spinner = app.spinner.wrapping_add(1);
    }
    if app
        .flash
        .as_ref()
        .is_some_and(|f| f.at + FLASH_FOR <= app.now)
    {
        app.flash = None;
    }
    match refresh_due_at(app) {
        Some(due) if due <= app.now => actions::sweep_or_queue(app, None),
        _ => Vec::new(),
    }
}

pub(crate) fn set_flash(app: &mut App, level: FlashLevel, text: impl Into<String>) {
    app.flash = Some(Flash {
        level,
        text: text.into(),
        at: app.now,
    });
}

/// A sweep runs, or one was just asked for.
pub(crate) fn sweep_busy(app: &App) -> bool {
    app.sweep.running.is_some()
        || app
            .sweep
            .requested
            .is_some_and(|at| app.now < at + REQUEST_GRACE)
}

pub(crate) fn prune_running(app: &App) -> bool {
    app.prune.as_ref().is_some_and(|p| p.report.is_none())
}

fn debug_running(app: &App) -> bool {
    app.debug.as_ref().is_some_and(|d| !d.done)
}

/// Something the spinner stands for is going on.
fn busy(app: &App) -> bool {
    app.sweep.running.is_some()
        || app.usage.running.is_some()
        || prune_running(app)
        || debug_running(app)
}

/// When the next auto-refresh is due, if one may happen at all: not frozen, no
/// sweep running or asked for, no prune running, and no dialog whose contents a
/// new inventory would change under the operator's eyes. A console that never
/// finished a sweep is due at once (the runtime may start the first sweep by
/// sending a `Tick`).
fn refresh_due_at(app: &App) -> Option<SystemTime> {
    let disturbing_popup = matches!(
        app.popup,
        Some(Popup::ConfirmPrune { .. } | Popup::ConfirmQuit { .. })
    );
    if app.frozen || sweep_busy(app) || prune_running(app) || disturbing_popup {
        return None;
    }
    Some(match app.sweep.last_done {
        Some(done) => done + app.settings.refresh_every,
        None => app.now,
    })
}

impl App {
    /// When the runtime must wake the console even if nothing happens: the next
    /// spinner frame while something runs, a flash's fading, the auto-refresh.
    /// `None`: sleep until a key or an engine message (idle CPU stays near 0).
    /// The time may be in the past (a refresh already due): tick at once.
    pub fn next_wakeup(&self) -> Option<SystemTime> {
        let spinner = busy(self).then(|| self.now + SPINNER_FRAME);
        let flash = self.flash.as_ref().map(|f| f.at + FLASH_FOR);
        // A request that may be lost is looked at again when its grace ends.
        let lost_request = self
            .sweep
            .requested
            .filter(|_| self.sweep.running.is_none())
            .map(|at| at + REQUEST_GRACE)
            .filter(|at| *at > self.now);
        [spinner, flash, refresh_due_at(self), lost_request]
            .into_iter()
            .flatten()
            .min()
    }
}
