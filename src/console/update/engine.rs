//! Messages from the engine: sweep progress and results, prune steps, debug
//! output. Messages of a sweep or debug run that is not the current one are
//! late leftovers and are dropped.

use crate::console::msg::Effect;
use crate::console::state::{App, FlashLevel, NodePhase};
use crate::engine::{DebugOutput, Event, PruneStep, SweepResult};
use crate::facts::NodeFacts;
use crate::report::prune::PruneReport;
use crate::sweep::Progress;
use crate::tarballs::PruneOutcome;

use super::{actions, set_flash, tarballs, usage};

fn node_mut<'a>(app: &'a mut App, name: &str) -> Option<&'a mut crate::console::state::NodeRow> {
    app.nodes.iter_mut().find(|n| n.name == name)
}

fn swept(nodes: &Option<Vec<String>>, name: &str) -> bool {
    nodes
        .as_ref()
        .is_none_or(|names| names.iter().any(|n| n == name))
}

/// A sweep started. Its nodes go back to pending (their last facts stay, so no
/// row blanks). `verifying` / `listing_tarballs` mean "a new result is coming
/// in this sweep": a whole sweep re-verifies and re-lists, a partial one does not.
pub fn sweep_started(app: &mut App, id: u64, nodes: Option<Vec<String>>) -> Vec<Effect> {
    for row in &mut app.nodes {
        if swept(&nodes, &row.name) {
            row.phase = NodePhase::Pending;
        }
    }
    let whole = nodes.is_none();
    app.sweep.running = Some(id);
    app.sweep.running_nodes = nodes;
    app.sweep.requested = None;
    app.sweep.started = Some(app.now);
    app.sweep.verifying = whole;
    app.sweep.listing_tarballs = whole;
    Vec::new()
}

pub fn sweep_event(app: &mut App, id: u64, event: Event) -> Vec<Effect> {
    if app.sweep.running != Some(id) {
        return Vec::new();
    }
    match event {
        Event::Progress(progress) => match progress {
            Progress::Connecting { node } => set_phase(app, &node, NodePhase::Connecting),
            Progress::Probing { node } => set_phase(app, &node, NodePhase::Probing),
            Progress::Done { node, .. } => set_phase(app, &node, NodePhase::Done),
            Progress::Verifying { .. } => app.sweep.verifying = true,
            Progress::ListingTarballs { node } => app.sweep.listing_on = Some(node),
            // A sweep's own walk (`check --du`); the console starts its walk
            // separately (`Effect::Usage`).
            Progress::Usage { .. } => {}
        },
        Event::NodeProbed { facts, raw } => {
            store_facts(app, *facts, raw);
            // Each node's verdict shows as soon as its facts do (with the last
            // matrix and inventory); the sweep's own findings replace these at the end.
            rediagnose(app);
        }
        Event::Verified(report) => {
            app.verify = Some(*report);
            app.sweep.verifying = false;
        }
        Event::Tarballs(inventory) => {
            tarballs::new_inventory(app, *inventory);
            app.sweep.listing_tarballs = false;
            app.sweep.listing_on = None;
        }
        Event::Usage(_) => {}
    }
    Vec::new()
}

/// The findings over every node's latest facts and the last matrix and inventory.
fn rediagnose(app: &mut App) {
    let facts: Vec<NodeFacts> = app.nodes.iter().filter_map(|n| n.facts.clone()).collect();
    app.findings = crate::diagnose::diagnose_with(
        &facts,
        app.verify.as_ref(),
        app.tarballs.as_ref(),
        app.settings.policy,
    );
    usage::apply_findings(app);
}

fn set_phase(app: &mut App, name: &str, phase: NodePhase) {
    if let Some(row) = node_mut(app, name) {
        row.phase = phase;
    }
}

fn store_facts(app: &mut App, facts: NodeFacts, raw: Option<String>) {
    let now = app.now;
    if let Some(row) = node_mut(app, &facts.name) {
        row.facts = Some(facts);
        if raw.is_some() {
            row.raw = raw;
        }
        row.phase = NodePhase::Done;
        row.updated = Some(now);
    }
}

/// The running sweep ended. A whole sweep's findings replace the old ones; a
/// partial one (`R`) only probed some nodes' mounts, so the findings are worked
/// out again over every node's latest facts and the last matrix and inventory.
pub fn sweep_done(app: &mut App, id: u64, result: SweepResult) -> Vec<Effect> {
    if app.sweep.running != Some(id) {
        return Vec::new();
    }
    let partial = app.sweep.running_nodes.take().is_some();
    for facts in result.facts {
        // Usually already stored by `NodeProbed`, with the raw output: keep that.
        let known = node_mut(app, &facts.name).map(|n| n.facts.as_ref() == Some(&facts));
        if known == Some(false) {
            store_facts(app, facts, None);
        }
    }
    for row in &mut app.nodes {
        if row.phase != NodePhase::Done {
            // A node the engine never reported on: done if it has older facts.
            row.phase = if row.facts.is_some() {
                NodePhase::Done
            } else {
                NodePhase::Pending
            };
        }
    }
    if partial {
        rediagnose(app);
    } else {
        // Usually already here from `Verified` / `Tarballs`; a result without
        // one (the step did not run) keeps the last.
        if let Some(verify) = result.verify {
            app.verify = Some(verify);
        }
        if let Some(inventory) = result.tarballs
            && app.tarballs.as_ref() != Some(&inventory)
        {
            tarballs::new_inventory(app, inventory);
        }
        app.findings = result.findings;
        usage::apply_findings(app);
        app.sweep.last_done = Some(app.now);
        app.sweep.last_duration = Some(result.duration);
    }
    app.sweep.running = None;
    app.sweep.verifying = false;
    app.sweep.listing_tarballs = false;
    app.sweep.listing_on = None;
    // The first whole sweep's facts say which node can walk the share.
    let mut effects = if partial {
        Vec::new()
    } else {
        usage::after_whole_sweep(app)
    };
    if app.sweep.queued {
        app.sweep.queued = false;
        effects.extend(actions::sweep_or_queue(app, None));
    }
    effects
}

pub fn prune_step(app: &mut App, step: PruneStep) -> Vec<Effect> {
    if let Some(run) = &mut app.prune
        && run.report.is_none()
    {
        run.total = step.total;
        run.results.push(step.result);
    }
    Vec::new()
}

/// The prune ended: keep its report, unmark what is gone, say what happened and
/// list the folder again.
pub fn prune_done(app: &mut App, report: PruneReport) -> Vec<Effect> {
    let count = |outcome: PruneOutcome| {
        report
            .results
            .iter()
            .filter(|r| r.outcome == outcome)
            .count()
    };
    let (deleted, skipped, failed) = (
        count(PruneOutcome::Deleted),
        count(PruneOutcome::Skipped),
        count(PruneOutcome::Failed),
    );
    for result in &report.results {
        if result.outcome == PruneOutcome::Deleted {
            app.marks.remove(&result.file);
        }
    }
    let mut text = format!(
        "prune: deleted {deleted}, skipped {skipped}, freed {}",
        tarballs::size(report.freed_bytes)
    );
    if failed > 0 {
        text.push_str(&format!(", {failed} failed"));
    }
    if !report.notes.is_empty() {
        text.push_str(&format!(" ({})", report.notes.join("; ")));
    }
    let level = if failed > 0 || !report.notes.is_empty() {
        FlashLevel::Error
    } else if skipped > 0 {
        FlashLevel::Warning
    } else {
        FlashLevel::Info
    };
    let run = app
        .prune
        .get_or_insert_with(|| crate::console::state::PruneRun {
            node: report.node.clone(),
            total: report.results.len(),
            results: Vec::new(),
            report: None,
        });
    // The report is the authority on every file, steps that never came included.
    run.results = report.results.clone();
    run.total = run.total.max(report.results.len());
    run.report = Some(report);
    set_flash(app, level, text);
    actions::sweep_or_queue(app, None)
}

pub fn debug_output(app: &mut App, run: u64, output: DebugOutput) -> Vec<Effect> {
    if let Some(debug) = &mut app.debug
        && debug.id == run
    {
        debug.outputs.push(output);
    }
    Vec::new()
}

pub fn debug_done(app: &mut App, run: u64) -> Vec<Effect> {
    if let Some(debug) = &mut app.debug
        && debug.id == run
    {
        debug.done = true;
    }
    Vec::new()
}
