//! `rivershare check`: one sweep, then the report as text or JSON, and the exit code.

use std::io::IsTerminal as _;
use std::time::{Instant, SystemTime};

use rivershare::config::{ConfigOrigin, Loaded};
use rivershare::engine::{self, Event, SweepOptions};
use rivershare::report::exit;
use rivershare::report::human::render;
use rivershare::sweep::Fleet;

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
        ConfigOrigin::Demo(_) => "demo".to_owned(),
        ConfigOrigin::Flag(p) | ConfigOrigin::Env(p) | ConfigOrigin::Xdg(p) => {
            p.display().to_string()
        }
    };
    super::announce_config(&loaded, args.json);

    tracing::debug!(groups = ?args.only, "check");
    // The report's time covers preparing the fleet (keys, passphrases) too.
    let started_at = SystemTime::now();
    let started = Instant::now();
    let loaded_notes = loaded.notes;
    let fleet = Fleet::prepare(loaded.config, interactive).await;
    let progress = ProgressLine::new(stderr_tty, fleet.config().nodes.len());
    let opts = SweepOptions {
        verify: args.only.contains(&ProbeGroup::Verify),
        tarballs: args.only.contains(&ProbeGroup::Tarballs),
        io_bench: args.io_bench,
        usage: args.usage(),
        nodes: None,
    };
    let on_event = |event| {
        if let Event::Progress(p) = event {
            progress.update(p);
        }
    };
    let mut result = engine::sweep(&fleet, &opts, &on_event).await;
    progress.finish();
    result.started_at = started_at;
    result.duration = started.elapsed();

    let mut notes = loaded_notes;
    notes.extend(fleet.notes());
    let report = result.into_report(origin, notes);
    if !super::print_report(&report, args.json, args.no_color, render) {
        return exit::UNKNOWN;
    }
    report.exit_code
}
