//! Ticks (spinner, flash fading, auto-refresh) and `next_wakeup`.

use std::time::Duration;

use super::*;
use crate::console::state::{FlashLevel, Popup};

fn tick_at(app: &mut App, time: std::time::SystemTime) -> Vec<Effect> {
    app.now = time;
    update(app, Msg::Tick)
}

#[test]
fn auto_refresh_waits_for_refresh_every() {
    let mut app = app();
    assert!(tick_at(&mut app, at(29)).is_empty());
    assert_eq!(tick_at(&mut app, at(30)), [Effect::Sweep { nodes: None }]);
    // Asked for: the next ticks do not ask again before it starts.
    assert!(tick_at(&mut app, at(31)).is_empty());
    app.now = at(31);
    update(&mut app, Msg::SweepStarted { id: 1, nodes: None });
    assert!(tick_at(&mut app, at(60)).is_empty());
}

#[test]
fn auto_refresh_respects_frozen() {
    let mut app = app();
    app.frozen = true;
    assert!(tick_at(&mut app, at(300)).is_empty());
    assert_eq!(app.next_wakeup(), None);
    app.frozen = false;
    assert_eq!(tick_at(&mut app, at(300)), [Effect::Sweep { nodes: None }]);
}

#[test]
fn auto_refresh_waits_for_a_dialog() {
    let mut app = app();
    app.popup = Some(Popup::ConfirmQuit { yes: false });
    assert!(tick_at(&mut app, at(100)).is_empty());
    // Nothing to wake up for either: no tick loop behind an open dialog.
    assert_eq!(app.next_wakeup(), None);
}

#[test]
fn a_lost_sweep_request_does_not_stop_the_refresh_for_good() {
    let mut app = app();
    assert_eq!(tick_at(&mut app, at(30)), [Effect::Sweep { nodes: None }]);
    assert_eq!(app.next_wakeup(), Some(at(40)));
    assert!(tick_at(&mut app, at(39)).is_empty());
    assert_eq!(tick_at(&mut app, at(40)), [Effect::Sweep { nodes: None }]);
}

#[test]
fn the_first_sweep_is_due_at_once() {
    let facts = facts();
    let mut app = App::new(settings(), facts.iter().map(row).collect(), at(0));
    assert_eq!(app.next_wakeup(), Some(at(0)));
    assert_eq!(tick_at(&mut app, at(0)), [Effect::Sweep { nodes: None }]);
}

#[test]
fn the_spinner_turns_only_while_something_runs() {
    let mut app = app();
    tick_at(&mut app, at(1));
    assert_eq!(app.spinner, 0);
    app.now = at(1);
    update(&mut app, Msg::SweepStarted { id: 1, nodes: None });
    tick_at(&mut app, at_ms(1120));
    tick_at(&mut app, at_ms(1240));
    assert_eq!(app.spinner, 2);
    assert_eq!(app.next_wakeup(), Some(at_ms(1360)));
}

#[test]
fn a_flash_fades_after_four_seconds() {
    let mut app = app();
    app.frozen = true;
    app.now = at(10);
    update(&mut app, ch('f'));
    assert!(!app.frozen);
    app.frozen = true;
    assert_eq!(app.flash.as_ref().map(|f| f.level), Some(FlashLevel::Info));
    assert_eq!(app.next_wakeup(), Some(at(14)));
    tick_at(&mut app, at_ms(13_999));
    assert!(app.flash.is_some());
    tick_at(&mut app, at(14));
    assert_eq!(app.flash, None);
    assert_eq!(app.next_wakeup(), None);
}

#[test]
fn next_wakeup_is_none_when_idle_and_the_refresh_time_otherwise() {
    let mut app = app();
    app.frozen = true;
    assert_eq!(app.next_wakeup(), None);
    app.frozen = false;
    assert_eq!(app.next_wakeup(), Some(at(30)));
    app.settings.refresh_every = Duration::from_secs(5);
    assert_eq!(app.next_wakeup(), Some(at(5)));
}
