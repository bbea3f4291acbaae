//! `rivershare check`: one sweep (or `--repeat N` over the same connections),
//! then the last sweep's report as text or JSON, and its exit code.

use std::io::IsTerminal as _;
use std::time::{Instant, SystemTime};

use rivershare::config::{ConfigOrigin, Loaded};
use rivershare::engine::{self, Event, SweepOptions};
use rivershare::report::human::render;
use rivershare::report::{CheckReport, SweepTiming, exit};
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

    tracing::debug!(groups = ?args.only, repeat = ?args.repeat, "check");
    // The first report's time covers preparing the fleet (keys, passphrases) too.
    let started_at = SystemTime::now();
    let started = Instant::now();
    let loaded_notes = loaded.notes;
    let fleet = Fleet::prepare(loaded.config, interactive).await;
    let opts = SweepOptions {
        verify: args.only.contains(&ProbeGroup::Verify),
        tarballs: args.only.contains(&ProbeGroup::Tarballs),
        io_bench: args.io_bench,
        usage: args.usage(),
        nodes: None,
    };
    let total = args.repeat.unwrap_or(1);
    // A sweep line per sweep on stderr, only when --repeat was asked for (and,
    // with --json, only on a terminal: the document already has them all).
    let tell = args.repeat.is_some() && (!args.json || stderr_tty);
    let mut sweeps = Vec::new();
    let mut report: Option<CheckReport> = None;
    for index in 1..=total {
        let (sweep_started_at, sweep_started) = if index == 1 {
            (started_at, started)
        } else {
            (SystemTime::now(), Instant::now())
        };
        let opened_before = fleet.ssh_connections_opened();
        let resident_before = fleet.resident_runs();
        let last = sweep_once(&fleet, &opts, stderr_tty, &origin, &loaded_notes).await;
        let duration = sweep_started.elapsed();
        let timing = SweepTiming {
            duration_ms: u64::try_from(duration.as_millis()).unwrap_or(u64::MAX),
            warm: index > 1,
            connections_opened: fleet.ssh_connections_opened() - opened_before,
            resident_runs: fleet.resident_runs() - resident_before,
            exit_code: last.exit_code,
        };
        if tell {
            eprintln!("{}", sweep_line(index, total, &timing));
        }
        sweeps.push(timing);
        let mut last = last;
        last.started_at = rivershare::report::time::rfc3339(sweep_started_at);
        last.duration_ms = timing.duration_ms;
        report = Some(last);
    }
    let Some(report) = report else {
        return exit::UNKNOWN;
    };
    let report = report.with_sweeps(sweeps);
    if !super::print_report(&report, args.json, args.no_color, render) {
        return exit::UNKNOWN;
    }
    report.exit_code
}

/// One sweep over `fleet` with its own progress line, as a report.
async fn sweep_once(
    fleet: &Fleet,
    opts: &SweepOptions,
    stderr_tty: bool,
    origin: &str,
    loaded_notes: &[String],
) -> CheckReport {
    let progress = ProgressLine::new(stderr_tty, fleet.config().nodes.len());
    let on_event = |event| match event {
        Event::Progress(p) => progress.update(p),
        Event::Verified(_) => progress.verified(),
        Event::Tarballs(_) => progress.listed(),
        Event::NodeProbed { .. } | Event::Usage(_) => {}
    };
    let result = engine::sweep(fleet, opts, &on_event).await;
    progress.finish();
    let mut notes = loaded_notes.to_vec();
    notes.extend(fleet.notes());
    result.into_report(origin.to_owned(), notes)
}

/// `sweep 2/5: 95 ms (warm)`; a warm sweep that had to reconnect says how often.
fn sweep_line(index: u32, total: u32, timing: &SweepTiming) -> String {
    let kind = match (timing.warm, timing.connections_opened) {
        (false, _) => "cold".to_owned(),
        (true, 0) => "warm".to_owned(),
        (true, 1) => "warm, 1 connection reopened".to_owned(),
        (true, n) => format!("warm, {n} connections reopened"),
    };
    format!("sweep {index}/{total}: {} ms ({kind})", timing.duration_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timing(warm: bool, connections_opened: usize) -> SweepTiming {
        SweepTiming {
            duration_ms: 95,
            warm,
            connections_opened,
            resident_runs: 0,
            exit_code: 0,
        }
    }

    #[test]
    fn sweep_lines_say_cold_warm_and_reconnects() {
        assert_eq!(
            sweep_line(1, 5, &timing(false, 3)),
            "sweep 1/5: 95 ms (cold)"
        );
        assert_eq!(
            sweep_line(2, 5, &timing(true, 0)),
            "sweep 2/5: 95 ms (warm)"
        );
        assert_eq!(
            sweep_line(3, 5, &timing(true, 1)),
            "sweep 3/5: 95 ms (warm, 1 connection reopened)"
        );
        assert_eq!(
            sweep_line(4, 5, &timing(true, 2)),
            "sweep 4/5: 95 ms (warm, 2 connections reopened)"
        );
    }
}
