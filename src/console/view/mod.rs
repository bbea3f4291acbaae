//! Draw the state. Pure: no I/O, no clock, no mutation.
//!
//! The screen is a header line, the panes (tiled on a wide terminal, one at a
//! time under a tab line on a narrow one), a footer of two lines (flash or
//! filter, then the keys), and at most one popup over it all. Every function
//! here draws only what fits: widths and heights are computed with saturating
//! arithmetic, and empty data draws a placeholder instead of a table.

mod footer;
mod format;
mod header;
mod hints;
mod layout;
mod mounts;
mod popups;
mod status;
mod tarballs;
mod verify;

#[doc(hidden)]
pub mod fixture;

#[cfg(test)]
mod tests;

use std::collections::HashMap;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::state::{App, Pane};
use super::theme::Theme;
use crate::diagnose::Severity;

pub use layout::{MIN_HEIGHT, MIN_WIDTH, WIDE_HEIGHT, WIDE_WIDTH};
use status::NodeStatus;

/// What several parts of one frame need, computed once per frame.
pub(crate) struct Ctx<'a> {
    pub theme: Theme,
    /// Per node (index into `App::nodes`): its status from facts and findings.
    pub status: Vec<NodeStatus>,
    /// Per node name: the codes of the findings naming it, worst first.
    pub codes: HashMap<&'a str, Vec<&'static str>>,
}

impl<'a> Ctx<'a> {
    fn new(app: &'a App) -> Self {
        let mut worst: HashMap<&str, Severity> = HashMap::new();
        let mut codes: HashMap<&str, Vec<&'static str>> = HashMap::new();
        for finding in &app.findings {
            for node in &finding.nodes {
                let w = worst.entry(node.as_str()).or_insert(finding.severity);
                *w = (*w).max(finding.severity);
                let list = codes.entry(node.as_str()).or_default();
                if !list.contains(&finding.code.as_str()) {
                    list.push(finding.code.as_str());
                }
            }
        }
        let status = app
            .nodes
            .iter()
            .map(|n| status::node_status(n, worst.get(n.name.as_str()).copied()))
            .collect();
        Self {
            theme: app.settings.theme,
            status,
            codes,
        }
    }
}

pub fn view(app: &App, frame: &mut Frame) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(app, frame, area);
        return;
    }
    let ctx = Ctx::new(app);
    let screen = layout::screen(area, app);
    header::render(app, &ctx, frame, screen.header);
    if let Some(tabs) = screen.tabs {
        layout::tabs(app, &ctx, frame, tabs);
    }
    for (pane, rect) in &screen.panes {
        let focused = *pane == app.pane;
        match pane {
            Pane::Mounts => mounts::render(app, &ctx, frame, *rect, focused),
            Pane::Verify => verify::render(app, &ctx, frame, *rect, focused),
            Pane::Tarballs => tarballs::render(app, &ctx, frame, *rect, focused),
            Pane::Hints => hints::render(app, &ctx, frame, *rect, focused),
        }
    }
    footer::render(app, &ctx, frame, screen.footer);
    if let Some(popup) = &app.popup {
        popups::render(app, &ctx, popup, frame, area);
    }
}

/// Below 80×24 nothing else fits: say so, and how big the terminal is.
fn too_small(app: &App, frame: &mut Frame, area: Rect) {
    let theme = app.settings.theme;
    let lines = vec![
        Line::from(Span::styled("Terminal too small", theme.warn())),
        Line::from(format!("{}×{}", area.width, area.height)),
        Line::from(format!("need at least {MIN_WIDTH}×{MIN_HEIGHT}")),
        Line::from("q quits"),
    ];
    let top = area.height.saturating_sub(4) / 2;
    let rect = Rect {
        y: area.y.saturating_add(top),
        height: area.height.saturating_sub(top),
        ..area
    };
    frame.render_widget(
        Paragraph::new(lines).alignment(ratatui::layout::Alignment::Center),
        rect,
    );
}
