//! Draw the state. Pure: no I/O, no clock, no mutation.

use ratatui::Frame;

use super::state::App;

pub fn view(app: &App, frame: &mut Frame) {
    let _ = (app, frame);
}
