//! Any sequence of keys, resizes, ticks and new data keeps the invariants: no
//! panic, every cursor in bounds, and a prune only ever of superseded regular
//! files, never in read-only mode, and only right after Enter on Yes.

use std::time::Duration;

use crossterm::event::KeyCode;
use proptest::prelude::*;

use super::*;
use crate::console::state::Popup;
use crate::engine::Event;
use crate::tarballs::{FileKind, TarballStatus};

/// Single messages, and now and then a whole prune attempt, so that the
/// dialog is reached often.
fn msg_strategy() -> impl Strategy<Value = Vec<Msg>> {
    let keys = prop::sample::select(vec![
        ch('j'),
        ch('k'),
        ch('g'),
        ch('G'),
        ch('h'),
        ch('l'),
        ch('y'),
        ch('n'),
        ch(' '),
        ch('a'),
        ch('u'),
        ch('d'),
        ch('z'),
        ch('/'),
        ch('b'),
        ch('1'),
        ch('2'),
        ch('3'),
        ch('4'),
        ch('?'),
        ch('x'),
        ch('c'),
        ch('R'),
        key(KeyCode::Enter),
        key(KeyCode::Esc),
        key(KeyCode::Tab),
        key(KeyCode::Backspace),
        key(KeyCode::PageDown),
        key(KeyCode::PageUp),
        ctrl('d'),
        Msg::Tick,
    ]);
    prop_oneof![
        10 => keys.prop_map(|m| vec![m]),
        2 => Just(vec![ch('3'), ch('a'), ch('d'), ch('y'), key(KeyCode::Enter)]),
        1 => (1u16..60).prop_map(|height| vec![Msg::Resize { width: 100, height }]),
        // A new inventory with some files gone.
        1 => prop::collection::vec(any::<bool>(), 9).prop_map(|keep| {
            let mut inventory = crate::diagnose::tarball_fixture::inventory();
            let mut flags = keep.into_iter();
            inventory.entries.retain(|_| flags.next().unwrap_or(true));
            vec![Msg::Sweep { id: 1, event: Event::Tarballs(Box::new(inventory)) }]
        }),
    ]
}

fn check_invariants(app: &App) {
    let height = super::super::cursor::list_height(app);
    for (i, pane) in Pane::ALL.into_iter().enumerate() {
        let count = rows::row_count(app, pane);
        let c = app.cursors[i];
        assert!(c.selected < count.max(1), "{pane:?}: {c:?} of {count}");
        assert!(c.offset <= c.selected, "{pane:?}: {c:?}");
        assert!(
            c.selected < c.offset + height,
            "{pane:?}: {c:?} height {height}"
        );
    }
    assert!(app.cursors[1].column < app.nodes.len().max(1));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn invariants_hold_for_any_input(read_only: bool, msgs in prop::collection::vec(msg_strategy(), 1..60)) {
        let mut app = app();
        app.settings.read_only = read_only;
        update(&mut app, Msg::SweepStarted { id: 1, nodes: None });
        for (i, msg) in msgs.into_iter().flatten().enumerate() {
            app.now = at(0) + Duration::from_millis(500 * i as u64);
            let confirm_yes = matches!(app.popup, Some(Popup::ConfirmPrune { yes: true, .. }));
            let enter = matches!(&msg, Msg::Key(k) if k.code == KeyCode::Enter);
            let marks = app.marks.clone();
            for effect in update(&mut app, msg) {
                if let Effect::Prune { plan, inventory } = effect {
                    prop_assert!(!read_only);
                    prop_assert!(confirm_yes && enter);
                    prop_assert!(!plan.is_empty());
                    for entry in &plan {
                        prop_assert!(marks.contains(&entry.file));
                        prop_assert_eq!(entry.status, TarballStatus::Superseded);
                        prop_assert_eq!(entry.kind, FileKind::Regular);
                        prop_assert!(inventory.entries.contains(entry));
                    }
                }
            }
            check_invariants(&app);
            if read_only {
                prop_assert!(app.marks.is_empty());
            }
        }
    }
}
