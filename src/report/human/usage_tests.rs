//! The usage table, exactly, on constructed walks; and the JSON `usage` object.

use std::time::{Duration, UNIX_EPOCH};

use super::super::{Style, render as render_report};
use super::render;
use crate::facts::Role;
use crate::report::CheckReport;
use crate::testutil::healthy;
use crate::usage::{UsageChild, UsageEntry, UsageReport};

const GIB: u64 = 1 << 30;
const PLAIN: Style = Style { color: false };

fn entry(path: &str, bytes: u64) -> UsageEntry {
    UsageEntry {
        path: path.to_owned(),
        bytes,
        complete: true,
        note: None,
        children: Vec::new(),
        task_folders: None,
        oldest_mtime: None,
        newest_mtime: None,
    }
}

fn walk() -> UsageReport {
    let mut shared = entry("shared_data", 1100 * GIB);
    shared.complete = false;
    shared.note = Some("timed out after 60 s".to_owned());
    shared.children = vec![UsageChild {
        path: "shared_data/datasets".to_owned(),
        bytes: 1000 * GIB,
        complete: false,
    }];
    let logs = UsageEntry {
        task_folders: Some(48_213),
        oldest_mtime: Some("2025-01-03T08:00:00Z".to_owned()),
        newest_mtime: Some("2026-11-26T04:00:00Z".to_owned()),
        ..entry("logs", 2200 * GIB)
    };
    UsageReport {
        node: Some("host".to_owned()),
        dir: Some("/mnt/cluster-share".to_owned()),
        started_at: "2026-11-26T04:05:11Z".to_owned(),
        duration_ms: 4200,
        budget_secs: 60,
        fs_total_bytes: Some(10_000 * GIB),
        fs_used_bytes: Some(6500 * GIB),
        // Deliberately not largest first: the table sorts.
        entries: vec![
            shared,
            entry("kohakuriver-containers", 3100 * GIB),
            entry("lost+found", 16 * 1024),
            logs,
        ],
        error: None,
    }
}

fn text(usage: &UsageReport) -> String {
    let mut out = String::new();
    render(&mut out, usage, PLAIN);
    out
}

#[test]
fn the_table_is_sorted_by_size_with_share_partial_and_logs_detail() {
    assert_eq!(
        text(&walk()),
        "
Usage of host:/mnt/cluster-share (walked in 4.2 s, 6.3 TiB used of 9.8 TiB)
  ENTRY                      SIZE  % OF FS  NOTE
  kohakuriver-containers  3.0 TiB    31.0%
  logs                    2.1 TiB    22.0%  48213 task folders, 2025-01-03T08:00:00Z .. 2026-11-26T04:00:00Z
  shared_data             1.1 TiB    11.0%  partial: timed out after 60 s
  lost+found               16 KiB     0.0%
"
    );
}

#[test]
fn without_df_the_share_is_a_dash_and_a_failed_walk_says_why() {
    let mut usage = walk();
    usage.fs_total_bytes = None;
    usage.fs_used_bytes = None;
    usage.entries.truncate(2);
    usage.error = Some("host: the walk was cut short: channel closed".to_owned());
    assert_eq!(
        text(&usage),
        "
Usage of host:/mnt/cluster-share (walked in 4.2 s)
  ENTRY                      SIZE  % OF FS  NOTE
  kohakuriver-containers  3.0 TiB        -
  shared_data             1.1 TiB        -  partial: timed out after 60 s
  stopped: host: the walk was cut short: channel closed
"
    );
    let failed = UsageReport {
        node: None,
        dir: None,
        entries: vec![],
        error: Some("no reachable node to walk the share".to_owned()),
        ..walk()
    };
    assert_eq!(
        text(&failed),
        "\nUsage of -:- not measured: no reachable node to walk the share\n"
    );
}

#[test]
fn the_report_shows_the_section_only_when_the_walk_ran_and_json_says_null() {
    let nodes = vec![healthy("host", Role::Host)];
    let report = CheckReport::new(
        &nodes,
        vec![],
        UNIX_EPOCH,
        Duration::from_millis(5),
        "embedded".to_owned(),
        vec![],
        None,
    );
    assert!(!render_report(&report, PLAIN).contains("Usage"));
    let json = serde_json::to_value(&report).expect("json");
    assert!(json["usage"].is_null(), "{json}");

    let report = report.with_usage(Some(walk()));
    let shown = render_report(&report, PLAIN);
    let table = shown.find("Usage of host:").expect("usage section");
    let findings = shown.find("No findings").expect("findings after it");
    assert!(table < findings, "{shown}");
    let json = serde_json::to_value(&report).expect("json");
    let usage = &json["usage"];
    assert_eq!(usage["node"], "host");
    assert_eq!(usage["entries"][3]["path"], "logs");
    assert_eq!(usage["entries"][3]["task_folders"], 48_213);
    assert_eq!(usage["entries"][0]["complete"], false);
    assert_eq!(
        usage["entries"][0]["children"][0]["path"],
        "shared_data/datasets"
    );
    // Round trip: the document reads back as the same report.
    let back: CheckReport = serde_json::from_value(json).expect("reads back");
    assert_eq!(back.usage, Some(walk()));
}

#[test]
fn colour_marks_partial_rows_and_errors() {
    let mut out = String::new();
    render(&mut out, &walk(), Style { color: true });
    let partial = out
        .lines()
        .find(|l| l.contains("shared_data"))
        .expect("row");
    assert!(partial.starts_with("\x1b[33m"), "{partial:?}");
    let logs = out.lines().find(|l| l.contains("logs")).expect("row");
    assert!(!logs.contains('\x1b'), "{logs:?}");
}
