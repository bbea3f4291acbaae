//! The only place the console's state changes.

use super::msg::{Effect, Msg};
use super::state::App;

/// Apply `msg` to `app`; return what the runtime should do next.
pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    let _ = (app, msg);
    Vec::new()
}
