//! The console: a live, keyboard-driven TUI over the same engine as `check`.
//!
//! Elm-style: [`state::App`] is the whole state; [`msg::Msg`] is everything that
//! can happen (keys, resizes, ticks, engine results); [`update::update`] is the
//! only thing that changes the state and returns [`msg::Effect`]s (sweeps,
//! disk-usage walks, prunes, debug runs, clipboard, quit) for the runtime to carry out on other
//! tasks; [`view::view`] draws the state and does nothing else. The console never
//! awaits I/O on its own task: results come back as messages.

pub mod index;
pub mod msg;
pub mod rows;
pub mod run;
pub mod state;
pub mod theme;
pub mod update;
pub mod view;
