//! What snapshots cannot hold: the colours and emphasis of the cells that
//! carry meaning, cell by cell, and that no size or state makes `view` panic.

use ratatui::style::{Color, Modifier};

use super::snapshots::{marked, superseded};
use super::{draw, find, on, text};
use crate::console::state::{App, DetailTarget, Pane, Popup};
use crate::console::theme::{Theme, ThemeName};
use crate::console::view::fixture::{demo_app, empty_app, large_app};

/// The status cell of `node`'s row in the Mounts pane.
fn status_cell(app: &App, node: &str, word: &str) -> ratatui::buffer::Cell {
    let term = draw(app, 120, 40);
    let buf = term.backend().buffer().clone();
    let (_, y) = find(&buf, node).unwrap_or_else(|| panic!("{node} on screen:\n{}", text(&buf)));
    let row: String = (0..buf.area.width)
        .map(|x| buf[(x, y)].symbol().to_owned())
        .collect();
    let (x, _) = find(&buf, word)
        .filter(|(_, wy)| *wy == y)
        .or_else(|| {
            // The word may also appear higher up: search this row only.
            let col = row.find(word)?;
            Some((u16::try_from(row[..col].chars().count()).ok()?, y))
        })
        .unwrap_or_else(|| panic!("{word} on the {node} row: {row}"));
    buf[(x, y)].clone()
}

#[test]
fn a_failed_node_is_critical_in_dark_and_plain_under_no_color() {
    let app = demo_app();
    let cell = status_cell(&app, "runner-05", "✖ fail");
    assert_eq!(cell.fg, Color::Red);
    assert!(cell.modifier.contains(Modifier::BOLD));
    let ok = status_cell(&app, "runner-01", "✔ ok");
    assert_eq!(ok.fg, Color::Green);
    let warn = status_cell(&app, "runner-07", "▲ warn");
    assert_eq!(warn.fg, Color::Yellow);
    let unreachable = status_cell(&app, "runner-06", "? unreachable");
    assert_eq!(unreachable.fg, Color::Magenta);

    let mut plain = demo_app();
    plain.settings.theme = Theme {
        name: ThemeName::Dark,
        no_color: true,
    };
    let cell = status_cell(&plain, "runner-05", "✖ fail");
    assert_eq!((cell.fg, cell.bg), (Color::Reset, Color::Reset));
    // Nothing on the whole screen has a colour.
    let term = draw(&plain, 120, 40);
    for c in term.backend().buffer().content() {
        assert_eq!((c.fg, c.bg), (Color::Reset, Color::Reset), "{c:?}");
    }
}

#[test]
fn the_selected_row_and_marked_rows_are_styled() {
    let mut app = marked(demo_app());
    // Cursor on a row that is not marked (the latest base file).
    app.cursors[2].selected = 0;
    let term = draw(&app, 120, 40);
    let buf = term.backend().buffer();
    let files = superseded(&app);
    for e in &files {
        let (x, y) = find(buf, &e.file).unwrap_or_else(|| panic!("{} shown", e.file));
        assert_eq!(buf[(x, y)].fg, Color::Yellow, "{}", e.file);
        assert!(buf[(x, y)].modifier.contains(Modifier::BOLD));
        let (mx, _) = find(buf, "[x]").expect("mark shown");
        assert_eq!(buf[(mx, y)].symbol(), "[");
    }
    let (ox, oy) = find(buf, "old-image.tar").expect("an unmarked, unselected row");
    assert_eq!(
        (buf[(ox, oy)].fg, buf[(ox, oy)].bg),
        (Color::Reset, Color::Reset)
    );
    let (x, y) = find(buf, "Marked 2 files").expect("marked panel");
    assert!(buf[(x, y)].modifier.contains(Modifier::BOLD));
    // The selected row has the selection background.
    let rows = crate::console::rows::tarball_rows(&app);
    let inv = app.tarballs.as_ref().expect("inventory");
    let selected = &inv.entries[rows[0]].file;
    assert!(!app.marks.contains(selected));
    // Below the pane's head lines, which may name the file too.
    let (lx, ly) = super::find_from(buf, selected, 6).expect("selected row");
    assert_eq!(buf[(lx, ly)].bg, Color::Indexed(238));
}

#[test]
fn the_confirm_dialog_focuses_no_first() {
    let mut app = marked(demo_app());
    let plan = superseded(&app);
    app.popup = Some(Popup::ConfirmPrune {
        plan: plan.clone(),
        yes: false,
        scroll: 0,
    });
    let term = draw(&app, 120, 40);
    let buf = term.backend().buffer();
    let (nx, ny) = find(buf, "[ No ]").expect("No button");
    let (yx, yy) = find(buf, "[ Yes ]").expect("Yes button");
    assert!(nx < yx && ny == yy, "No comes first");
    assert!(buf[(nx, ny)].modifier.contains(Modifier::REVERSED));
    assert!(!buf[(yx, yy)].modifier.contains(Modifier::REVERSED));
    let screen = text(buf);
    assert!(screen.contains("on node host"), "{screen}");
    for e in &plan {
        assert!(
            screen.contains(&format!(
                "/mnt/cluster-share/kohakuriver-containers/{}",
                e.file
            )),
            "{screen}"
        );
    }
    app.popup = Some(Popup::ConfirmPrune {
        plan,
        yes: true,
        scroll: 0,
    });
    let term = draw(&app, 120, 40);
    let buf = term.backend().buffer();
    let (nx, ny) = find(buf, "[ No ]").expect("No button");
    let (yx, yy) = find(buf, "[ Yes ]").expect("Yes button");
    assert!(!buf[(nx, ny)].modifier.contains(Modifier::REVERSED));
    assert!(buf[(yx, yy)].modifier.contains(Modifier::REVERSED));
}

#[test]
fn minority_mount_options_are_highlighted() {
    let app = demo_app();
    let term = draw(&app, 120, 40);
    let buf = term.backend().buffer();
    let (x, y) = find(buf, "soft").expect("runner-05's soft option");
    assert!(buf[(x, y)].modifier.contains(Modifier::UNDERLINED));
    let (hx, hy) = find(buf, "hard").expect("the majority's hard option");
    assert!(!buf[(hx, hy)].modifier.contains(Modifier::UNDERLINED));
}

#[test]
fn too_small_names_the_size_and_nothing_else() {
    let term = draw(&demo_app(), 79, 23);
    let screen = text(term.backend().buffer());
    assert!(screen.contains("Terminal too small"), "{screen}");
    assert!(screen.contains("79×23"), "{screen}");
    assert!(!screen.contains("Mounts"), "{screen}");
    let term = draw(&demo_app(), 80, 24);
    assert!(text(term.backend().buffer()).contains("1 Mounts"));
}

#[test]
fn read_only_says_why_the_prune_keys_are_off() {
    let mut app = on(demo_app(), Pane::Tarballs);
    app.settings.read_only = true;
    app.settings.read_only_reason = Some("--read-only was given".to_owned());
    let screen = text(draw(&app, 120, 40).backend().buffer());
    assert!(screen.contains("READ-ONLY"), "{screen}");
    assert!(screen.contains("off, --read-only was given"), "{screen}");
    app.settings.read_only = false;
    let screen = text(draw(&app, 120, 40).backend().buffer());
    assert!(!screen.contains("READ-ONLY"), "{screen}");
    assert!(screen.contains("d prune marked"), "{screen}");
}

/// Every size from nothing to beyond the minimum, every pane and popup, empty
/// and full, with cursors and scrolls far past the end: never a panic.
#[test]
fn no_size_no_state_panics() {
    let full = demo_app();
    let plan = superseded(&full);
    let popups = [
        None,
        Some(Popup::Help { scroll: 999 }),
        Some(Popup::Detail {
            target: DetailTarget::Node("nope".to_owned()),
            scroll: 999,
        }),
        Some(Popup::Detail {
            target: DetailTarget::Finding(999),
            scroll: 0,
        }),
        Some(Popup::ConfirmPrune {
            plan: plan.clone(),
            yes: false,
            scroll: 999,
        }),
        Some(Popup::ConfirmPrune {
            plan: vec![],
            yes: true,
            scroll: 0,
        }),
        Some(Popup::Prune { scroll: 999 }),
        Some(Popup::Debug),
        Some(Popup::ConfirmQuit { yes: true }),
    ];
    let mut apps = vec![full.clone(), empty_app()];
    let mut far = full.clone();
    for c in &mut far.cursors {
        c.selected = 10_000;
        c.offset = 20_000;
        c.column = 30_000;
    }
    far.fold = true;
    apps.push(far);
    let mut none = App::new(full.settings.clone(), vec![], full.now);
    none.findings.clear();
    apps.push(none);
    for base in &apps {
        for pane in Pane::ALL {
            for popup in &popups {
                let mut app = on(base.clone(), pane);
                app.popup = popup.clone();
                for (w, h) in [
                    (0, 0),
                    (1, 1),
                    (10, 3),
                    (79, 23),
                    (80, 24),
                    (81, 25),
                    (120, 40),
                    (160, 40),
                    (300, 90),
                ] {
                    draw(&app, w, h);
                }
            }
        }
    }
}

#[test]
fn a_large_cluster_draws_and_scrolls() {
    let mut app = on(large_app(60, 300), Pane::Verify);
    app.cursors[1].selected = 55;
    app.cursors[1].column = 50;
    let screen = text(draw(&app, 120, 40).backend().buffer());
    assert!(screen.contains("runner-055"), "{screen}");
    assert!(screen.contains("◂ 51-"), "{screen}");
}

/// The tarball order (name, newest first) does not depend on how the
/// inventory happens to list its files: the fast path for a listing sorted by
/// file name gives what a plain sort gives.
#[test]
fn tarball_rows_order_by_name_newest_first_whatever_the_listing_order() {
    let app = large_app(3, 400);
    let files = |app: &App| -> Vec<String> {
        let inv = app.tarballs.as_ref().expect("inventory");
        crate::console::rows::tarball_rows(app)
            .into_iter()
            .map(|i| inv.entries[i].file.clone())
            .collect()
    };
    let sorted = files(&app);
    let inv = app.tarballs.as_ref().expect("inventory");
    let mut expected: Vec<&crate::tarballs::TarballEntry> = inv.entries.iter().collect();
    expected.sort_by(|a, b| {
        a.name
            .cmp(&b.name)
            .then(b.timestamp.cmp(&a.timestamp))
            .then(a.file.cmp(&b.file))
    });
    let expected: Vec<String> = expected.iter().map(|e| e.file.clone()).collect();
    assert_eq!(sorted, expected);
    let mut shuffled = app.clone();
    if let Some(inv) = shuffled.tarballs.as_mut() {
        // A fixed, thorough shuffle: every 7th from each start.
        let n = inv.entries.len();
        let order: Vec<usize> = (0..7).flat_map(|s| (s..n).step_by(7)).collect();
        inv.entries = order.iter().map(|&i| inv.entries[i].clone()).collect();
        inv.entries.reverse();
    }
    let inventory = shuffled.tarballs.take();
    shuffled.set_tarballs(inventory);
    assert_eq!(files(&shuffled), expected);
    // Without the index (an inventory assigned directly), the same order.
    shuffled.tarball_index = None;
    assert_eq!(files(&shuffled), expected);
}
