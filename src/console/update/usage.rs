//! The disk-usage walk: asked for once after the first whole sweep and again
//! on `u`, one at a time; its progress and report come back as messages.
//! Messages of a walk that is not the current one are late leftovers and are
//! dropped.

use crate::console::msg::Effect;
use crate::console::state::{App, FlashLevel};
use crate::engine::Event;
use crate::facts::NodeFacts;
use crate::sweep::Progress;
use crate::usage::UsageReport;

use super::{REQUEST_GRACE, set_flash};

/// A walk runs, or one was just asked for.
pub(crate) fn usage_busy(app: &App) -> bool {
    app.usage.running.is_some()
        || app
            .usage
            .requested
            .is_some_and(|at| app.now < at + REQUEST_GRACE)
}

/// Ask the runtime for a walk (no check: the callers make sure none runs).
fn ask(app: &mut App) -> Vec<Effect> {
    app.usage.requested = Some(app.now);
    app.usage.auto_started = true;
    vec![Effect::Usage]
}

/// `u`: walk the share now. Read-only, so allowed in read-only mode. The walk
/// works from the last whole sweep's facts: before the first one there are none.
pub fn request(app: &mut App) -> Vec<Effect> {
    if usage_busy(app) {
        let text = format!(
            "usage walk already running ({}/{})",
            app.usage.done, app.usage.total
        );
        set_flash(app, FlashLevel::Info, text);
        return Vec::new();
    }
    if app.sweep.last_done.is_none() {
        set_flash(
            app,
            FlashLevel::Info,
            "the usage walk starts when the first sweep ends (it needs its facts)",
        );
        return Vec::new();
    }
    set_flash(app, FlashLevel::Info, "usage walk started");
    ask(app)
}

/// A whole sweep just ended: the first one starts the background walk; the
/// auto-refresh sweeps after it do not (du on a big share is not free).
pub fn after_whole_sweep(app: &mut App) -> Vec<Effect> {
    if app.usage.auto_started || usage_busy(app) {
        return Vec::new();
    }
    ask(app)
}

pub fn started(app: &mut App, id: u64) -> Vec<Effect> {
    let usage = &mut app.usage;
    usage.running = Some(id);
    usage.requested = None;
    usage.started = Some(app.now);
    usage.node = None;
    usage.done = 0;
    usage.total = 0;
    Vec::new()
}

pub fn event(app: &mut App, id: u64, event: Event) -> Vec<Effect> {
    if app.usage.running != Some(id) {
        return Vec::new();
    }
    if let Event::Progress(Progress::Usage { node, done, total }) = event {
        app.usage.node = Some(node);
        app.usage.done = done;
        app.usage.total = total;
    }
    Vec::new()
}

pub fn done(app: &mut App, id: u64, report: UsageReport) -> Vec<Effect> {
    if app.usage.running != Some(id) {
        return Vec::new();
    }
    app.usage.running = None;
    app.usage.finished = Some(app.now);
    app.usage.report = Some(report);
    apply_findings(app);
    Vec::new()
}

/// The findings with what the last walk adds (`logs_growth`, `du_partial`,
/// `low_space`'s breakdown). Called whenever the findings are worked out again
/// (a sweep replaces them): `with_usage` replaces what an earlier call added.
pub(crate) fn apply_findings(app: &mut App) {
    let Some(report) = &app.usage.report else {
        return;
    };
    let facts: Vec<NodeFacts> = app.nodes.iter().filter_map(|n| n.facts.clone()).collect();
    let findings = std::mem::take(&mut app.findings);
    app.findings = crate::diagnose::with_usage(findings, report, &facts);
}
