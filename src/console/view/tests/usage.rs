//! Snapshots of the disk-usage section of the Tarballs & usage pane: a
//! finished walk with complete and partial entries and `logs`' stats, the
//! children of an entry, a walk in progress, a failed walk, the tiled layout.

use std::time::Duration;

use super::snapshots::snap;
use super::{draw, find, on, text};
use crate::console::rows::tarball_rows;
use crate::console::state::{App, DetailTarget, Pane, Popup};
use crate::console::view::fixture::{demo_app, now, usage_report};
use crate::usage::UsageReport;

/// The demo console whose walk finished 2 min ago, the `logs` row selected.
fn walked() -> App {
    let mut app = on(demo_app(), Pane::Tarballs);
    let done = now() - Duration::from_secs(120);
    app.usage.report = Some(usage_report(done));
    app.usage.finished = Some(done);
    app.usage.auto_started = true;
    app.cursors[2].selected = tarball_rows(&app).len() + 1;
    app
}

#[test]
fn a_finished_walk_shows_bars_sizes_and_what_is_partial() {
    let app = walked();
    snap("usage_tarballs_120x40", &app, 120, 40);
    snap("usage_tarballs_80x24", &app, 80, 24);
    snap("usage_tiled_200x60", &app, 200, 60);
    let screen = text(draw(&app, 120, 40).backend().buffer());
    // Sizes through humansize, partial entries marked, logs' stats with ages.
    for needle in [
        "Disk usage of host:/mnt/cluster-share",
        "≥880 GiB",
        "412 GiB",
        "20%",
        "▲ partial: timed out after 60 s",
        "8123 task folders, 412 d … 5 min old",
        "walked 2 min ago in 61.3 s",
        "filesystem 2 TiB, 68% used",
    ] {
        assert!(screen.contains(needle), "{needle:?} missing:\n{screen}");
    }
}

#[test]
fn enter_on_an_entry_shows_its_children() {
    let mut app = walked();
    for (path, name, width, height) in [
        ("logs", "usage_children_logs_120x40", 120, 40),
        ("shared_data", "usage_children_shared_data_80x24", 80, 24),
        ("scratch-old", "usage_children_none_80x24", 80, 24),
    ] {
        app.popup = Some(Popup::Detail {
            target: DetailTarget::Usage(path.to_owned()),
            scroll: 0,
        });
        snap(name, &app, width, height);
    }
    let term = draw(&app, 80, 24);
    assert!(find(term.backend().buffer(), "no children").is_some());
}

#[test]
fn a_walk_in_progress_shows_done_of_total_over_the_last_report() {
    let mut app = walked();
    app.usage.running = Some(2);
    app.usage.node = Some("host".to_owned());
    app.usage.done = 3;
    app.usage.total = 5;
    app.spinner = 2;
    snap("usage_walking_120x40", &app, 120, 40);
    let mut first = on(demo_app(), Pane::Tarballs);
    first.usage.running = Some(1);
    let screen = text(draw(&first, 80, 24).backend().buffer());
    assert!(screen.contains("walking: listing the share"), "{screen}");
}

#[test]
fn a_failed_walk_says_why() {
    let mut app = on(demo_app(), Pane::Tarballs);
    app.usage.report = Some(UsageReport {
        entries: Vec::new(),
        node: None,
        dir: None,
        fs_total_bytes: None,
        fs_used_bytes: None,
        error: Some("no reachable node of the shared group could walk the share".to_owned()),
        ..usage_report(now())
    });
    app.usage.finished = Some(now());
    snap("usage_error_80x24", &app, 80, 24);
}

/// What snapshots cannot hold: partial sizes and notes in the warning colour,
/// the selected entry with the selection background, a failed walk critical.
#[test]
fn partial_entries_warn_and_the_selected_entry_is_highlighted() {
    use ratatui::style::Color;
    let app = walked();
    let term = draw(&app, 120, 40);
    let buf = term.backend().buffer();
    for needle in ["≥880 GiB", "▲ partial: timed out"] {
        let (x, y) = find(buf, needle).unwrap_or_else(|| panic!("{needle} shown"));
        assert_eq!(buf[(x, y)].fg, Color::Yellow, "{needle}");
    }
    let (x, y) = find(buf, "412 GiB").expect("logs' size");
    assert_eq!(buf[(x, y)].fg, Color::Reset, "a complete size is plain");
    // `walked()` selects `logs`: its row has the selection background, and
    // `shared_data`'s does not.
    let (lx, ly) = super::find_from(buf, "logs ", 30).expect("logs row");
    assert_eq!(buf[(lx, ly)].bg, Color::Indexed(238));
    let (sx, sy) = find(buf, "shared_data ").expect("shared_data row");
    assert_eq!(buf[(sx, sy)].bg, Color::Reset);

    let mut failed = walked();
    if let Some(r) = failed.usage.report.as_mut() {
        r.error = Some("the storage did not answer".to_owned());
    }
    let term = draw(&failed, 120, 40);
    let buf = term.backend().buffer();
    let (x, y) = find(buf, "✖ usage walk failed").expect("the error");
    assert_eq!(buf[(x, y)].fg, Color::Red);
}

/// The walk keeps only the largest children of a big `logs/`: the popup says
/// how many of how many it lists.
#[test]
fn a_capped_children_list_says_of_how_many() {
    let mut app = walked();
    app.popup = Some(Popup::Detail {
        target: DetailTarget::Usage("logs".to_owned()),
        scroll: 0,
    });
    let screen = text(draw(&app, 120, 40).backend().buffer());
    assert!(
        screen.contains("the 5 largest of 8123 task folders"),
        "{screen}"
    );
    if let Some(logs) = app
        .usage
        .report
        .as_mut()
        .and_then(|r| r.entries.iter_mut().find(|e| e.path == "logs"))
    {
        logs.task_folders = Some(5);
    }
    let screen = text(draw(&app, 120, 40).backend().buffer());
    assert!(screen.contains("5 children, largest first"), "{screen}");
}
