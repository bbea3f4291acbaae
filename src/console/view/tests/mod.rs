//! The view's tests: snapshots of every pane and the main popups (TestBackend
//! keeps no colours, so `styles` checks them cell by cell), the too-small
//! screen, the empty console, and no panic at any size.

mod snapshots;
mod styles;
mod usage;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

use super::view;
use crate::console::state::{App, Pane};

pub fn draw(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut term = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    term.draw(|f| view(app, f)).expect("draw");
    term
}

/// The screen as text, lines joined.
pub fn text(buf: &Buffer) -> String {
    let area = buf.area;
    let mut out = String::new();
    for y in 0..area.height {
        for x in 0..area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

/// Position of the first cell of `needle` on the screen (by characters).
pub fn find(buf: &Buffer, needle: &str) -> Option<(u16, u16)> {
    find_from(buf, needle, 0)
}

/// As [`find`], from line `from` down.
pub fn find_from(buf: &Buffer, needle: &str, from: u16) -> Option<(u16, u16)> {
    let area = buf.area;
    for y in from..area.height {
        let cells: Vec<&str> = (0..area.width).map(|x| buf[(x, y)].symbol()).collect();
        let n: Vec<String> = needle.chars().map(String::from).collect();
        for x in 0..cells.len().saturating_sub(n.len() - 1) {
            if cells[x..x + n.len()].iter().zip(&n).all(|(a, b)| *a == b) {
                return Some((u16::try_from(x).ok()?, y));
            }
        }
    }
    None
}

pub fn on(mut app: App, pane: Pane) -> App {
    app.pane = pane;
    app
}

/// The header names the phase the sweep is in: probing until every node has
/// answered, then verifying and listing tarballs, at once once the listing has
/// begun (the flags are set from the start; the listing's node comes with it).
#[test]
fn the_header_names_the_phase_in_order() {
    use super::header::sweep_phase;
    use crate::console::state::NodePhase;
    let mut app = super::fixture::demo_app();
    app.sweep.running = Some(3);
    app.sweep.verifying = true;
    app.sweep.listing_tarballs = true;
    app.nodes[1].phase = NodePhase::Probing;
    let total = app.nodes.len();
    assert_eq!(sweep_phase(&app), format!("probing {}/{total}", total - 1));
    app.nodes[1].phase = NodePhase::Done;
    assert_eq!(sweep_phase(&app), "verifying");
    app.sweep.listing_on = Some("host".into());
    assert_eq!(sweep_phase(&app), "verifying, listing tarballs on host");
    app.sweep.verifying = false;
    assert_eq!(sweep_phase(&app), "listing tarballs on host");
    app.sweep.listing_on = None;
    assert_eq!(sweep_phase(&app), "listing tarballs");
    app.sweep.listing_tarballs = false;
    assert_eq!(sweep_phase(&app), format!("probing {total}/{total}"));
}
