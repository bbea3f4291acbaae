//! `rivershare check`: one sweep, then the report as text or JSON, and the exit code.

use std::io::IsTerminal as _;
use std::time::{Instant, SystemTime};

use rivershare::config::{ConfigOrigin, Loaded};
use rivershare::diagnose::{Policy, diagnose_with};
use rivershare::report::human::render;
use rivershare::report::{CheckReport, exit};
use rivershare::sweep::Fleet;
use rivershare::verify::VerifyOptions;

use super::progress::ProgressLine;
use super::{CheckArgs, ProbeGroup};

pub fn run(loaded: Loaded, args: &CheckArgs) -> i32 {
    super::block_on(check(loaded, args))
}

async fn check(loaded: Loaded, args: &CheckArgs) -> i32 {
    let stderr_tty = std::io::stderr().is_terminal();
    let interactive = stderr_tty && std::io::stdin().is_terminal();
    let origin = match &loaded.origin {
        ConfigOrigin::Embedded => "embedded".to_owned(),
        ConfigOrigin::Flag(p) | ConfigOrigin::Env(p) | ConfigOrigin::Xdg(p) => {
            p.display().to_string()
        }
    };
    super::announce_config(&loaded, args.json);

    tracing::debug!(groups = ?args.only, "check");
    let started_at = SystemTime::now();
    let started = Instant::now();
    let policy = Policy {
        min_free_bytes: loaded.config.min_free_bytes,
        slow_io_mbps: loaded.config.slow_io_mbps,
    };
    let loaded_notes = loaded.notes;
    let fleet = Fleet::prepare(loaded.config, interactive).await;
    let progress = ProgressLine::new(stderr_tty, fleet.config().nodes.len());
    let on_progress = |event| progress.update(event);
    let facts = fleet.probe_mounts(&on_progress).await;
    let verify = if args.only.contains(&ProbeGroup::Verify) {
        let opts = VerifyOptions {
            deadline: fleet.config().verify_deadline,
            io_bench: args.io_bench,
        };
        Some(fleet.verify(Some(&facts), opts, &on_progress).await)
    } else {
        None
    };
    let tarballs = if args.only.contains(&ProbeGroup::Tarballs) {
        // The shared group (when verification ran) is where the inventory falls
        // back to when the Host is unreachable.
        let shared = verify.as_ref().and_then(|v| v.shared.as_deref());
        let secs = fleet.config().in_progress_secs;
        Some(
            fleet
                .tarball_inventory(&facts, shared, secs, &on_progress)
                .await,
        )
    } else {
        None
    };
    progress.finish();

    let findings = diagnose_with(&facts, verify.as_ref(), tarballs.as_ref(), policy);
    let mut notes = loaded_notes;
    notes.extend(fleet.notes());
    let report = CheckReport::new(
        &facts,
        findings,
        started_at,
        started.elapsed(),
        origin,
        notes,
        verify,
    )
    .with_tarballs(tarballs);
    if !super::print_report(&report, args.json, args.no_color, render) {
        return exit::UNKNOWN;
    }
    report.exit_code
}
