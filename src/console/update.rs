//! The only place the console's state changes.

use super::msg::{Effect, Msg};
use super::state::App;

/// Apply `msg` to `app`; return what the runtime should do next.
pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    let _ = (app, msg);
    Vec::new()
}

impl App {
    /// When the runtime must wake the console even if nothing happens: the next
    /// spinner frame while something runs, a flash's fading, the auto-refresh.
    /// `None`: sleep until a key or an engine message (idle CPU stays near 0).
    pub fn next_wakeup(&self) -> Option<std::time::SystemTime> {
        None
    }
}
