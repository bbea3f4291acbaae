//! `rivershare prune`: list the tarball folder, plan what a prune removes, then
//! either show it (dry run, the default) or delete it with `--yes`, recording each
//! deletion in the audit log.

use std::io::IsTerminal as _;
use std::path::Path;
use std::time::SystemTime;

use rivershare::audit::{AuditLog, records_for};
use rivershare::config::Loaded;
use rivershare::report::exit;
use rivershare::report::prune::{PRUNE_SCHEMA, PruneReport, render};
use rivershare::sweep::Fleet;

use super::PruneArgs;
use super::progress::ProgressLine;

pub fn run(loaded: Loaded, args: &PruneArgs, read_only: Option<String>) -> i32 {
    if let Some(why) = read_only {
        eprintln!(
            "rivershare: prune refused: {why}; prune deletes files, and read-only mode forbids every change"
        );
        return exit::UNKNOWN;
    }
    super::block_on(prune(loaded, args))
}

async fn prune(loaded: Loaded, args: &PruneArgs) -> i32 {
    let stderr_tty = std::io::stderr().is_terminal();
    let interactive = stderr_tty && std::io::stdin().is_terminal();
    super::announce_config(&loaded, args.json);
    let dry_run = !args.yes;
    // A deletion that cannot be recorded must not happen: check the log first.
    let audit = if dry_run {
        None
    } else {
        let log = match AuditLog::open_default() {
            Ok(log) => log,
            Err(err) => {
                eprintln!("rivershare: prune refused: {err}");
                return exit::UNKNOWN;
            }
        };
        if let Err(err) = log.ensure_writable() {
            eprintln!("rivershare: prune refused: {err}");
            return exit::UNKNOWN;
        }
        Some(log)
    };
    let keep = usize::try_from(args.keep).unwrap_or(1);
    let saved = match &args.plan {
        Some(path) => match read_plan(path) {
            Ok(saved) => Some(saved),
            Err(err) => {
                eprintln!("rivershare: prune refused: {err}");
                return exit::UNKNOWN;
            }
        },
        None => None,
    };
    tracing::info!(keep, names = ?args.names, dry_run, "prune");

    let fleet = Fleet::prepare(loaded.config, interactive).await;
    let progress = ProgressLine::new(stderr_tty, fleet.config().nodes.len());
    let on_progress = |event| progress.update(event);
    let facts = fleet.probe_mounts(&on_progress).await;
    let secs = fleet.config().in_progress_secs;
    let inventory = fleet
        .tarball_inventory(&facts, None, secs, &on_progress)
        .await;
    progress.finish();
    if let Some(err) = &inventory.error {
        eprintln!("rivershare: prune: cannot list the tarball folder: {err}");
        return exit::UNKNOWN;
    }

    let (plan, keep, names) = match &saved {
        Some(saved) => {
            // The saved plan only makes sense for the folder it was made on.
            if saved.node != inventory.node || saved.dir != inventory.dir {
                eprintln!(
                    "rivershare: prune refused: the plan was made on {}:{}, but the tarball folder is now listed on {}:{}",
                    saved.node.as_deref().unwrap_or("-"),
                    saved.dir.as_deref().unwrap_or("-"),
                    inventory.node.as_deref().unwrap_or("-"),
                    inventory.dir.as_deref().unwrap_or("-"),
                );
                return exit::UNKNOWN;
            }
            (saved.plan.clone(), saved.keep, saved.names.clone())
        }
        None => (
            rivershare::tarballs::prune_plan(&inventory.entries, keep, &args.names),
            keep,
            args.names.clone(),
        ),
    };
    let results = fleet.prune(&inventory, &plan, dry_run).await;
    let mut report = PruneReport::new(&inventory, keep, &names, dry_run, plan, results);
    if let Some(log) = &audit {
        report.audit_log = Some(log.path().display().to_string());
        let now = SystemTime::now();
        for record in records_for(&inventory, &report.results) {
            if let Err(err) = log.append(now, &record) {
                tracing::error!(%err, path = %record.path, "audit log");
                report.notes.push(format!(
                    "{} was deleted but not recorded: {err}",
                    record.path
                ));
                report.exit_code = report.exit_code.max(exit::CRITICAL);
            }
        }
    }

    if !super::print_report(&report, args.json, args.no_color, render) {
        return exit::UNKNOWN;
    }
    report.exit_code
}

/// A saved `prune --json` document (`rivershare/prune/v1`), for `--plan`.
fn read_plan(path: &Path) -> Result<PruneReport, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the plan {}: {e}", path.display()))?;
    let saved: PruneReport = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{} is not a `rivershare prune --json` document: {e}",
            path.display()
        )
    })?;
    if saved.schema != PRUNE_SCHEMA {
        return Err(format!(
            "{}: schema {}, expected {PRUNE_SCHEMA}",
            path.display(),
            saved.schema
        ));
    }
    Ok(saved)
}
