//! `rivershare prune`: list the tarball folder, plan what a prune removes, then
//! either show it (dry run, the default) or delete it with `--yes`, recording each
//! deletion in the audit log.

use std::io::IsTerminal as _;
use std::path::Path;

use rivershare::audit::AuditLog;
use rivershare::config::Loaded;
use rivershare::engine::{self, Event, PruneRequest, SweepOptions};
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
    let opts = SweepOptions {
        verify: false,
        tarballs: true,
        io_bench: false,
        usage: false,
        nodes: None,
    };
    let on_event = |event| {
        if let Event::Progress(p) = event {
            progress.update(p);
        }
    };
    let swept = engine::sweep(&fleet, &opts, &on_event).await;
    progress.finish();
    let Some(inventory) = swept.tarballs else {
        eprintln!("rivershare: prune: the sweep listed no tarball folder");
        return exit::UNKNOWN;
    };
    if let Some(err) = &inventory.error {
        eprintln!("rivershare: prune: cannot list the tarball folder: {err}");
        return exit::UNKNOWN;
    }

    let (plan, request) = match &saved {
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
            let request = PruneRequest {
                keep: saved.keep,
                names: saved.names.clone(),
                dry_run,
            };
            (saved.plan.clone(), request)
        }
        None => {
            let request = PruneRequest {
                keep,
                names: args.names.clone(),
                dry_run,
            };
            (request.plan(&inventory), request)
        }
    };
    let report = engine::prune(
        &fleet,
        &inventory,
        &plan,
        request,
        audit.as_ref(),
        &|_step| {},
    )
    .await;

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
