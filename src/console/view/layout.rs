//! Where things go: header, tab line, panes, footer, and centred popups.
//!
//! At [`WIDE_WIDTH`]×[`WIDE_HEIGHT`] and above the four panes tile 2×2 (Mounts
//! and Tarballs, the wide tables, get the wider left column); below that one
//! pane at a time shows under a tab line. Mounts needs about 100 columns to
//! show every column, so a 2×2 split only pays off from about 160.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph};

use super::super::state::{App, Pane};
use super::super::theme::Theme;
use super::Ctx;

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;
pub const WIDE_WIDTH: u16 = 160;
pub const WIDE_HEIGHT: u16 = 40;

pub struct Screen {
    pub header: Rect,
    pub tabs: Option<Rect>,
    pub panes: Vec<(Pane, Rect)>,
    pub footer: Rect,
}

pub fn wide(area: Rect) -> bool {
    area.width >= WIDE_WIDTH && area.height >= WIDE_HEIGHT
}

pub fn screen(area: Rect, app: &App) -> Screen {
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(2),
    ])
    .areas(area);
    if wide(area) {
        let [top, bottom] =
            Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(body);
        let cols = [Constraint::Percentage(60), Constraint::Percentage(40)];
        let [mounts, verify] = Layout::horizontal(cols).areas(top);
        let [tarballs, hints] = Layout::horizontal(cols).areas(bottom);
        return Screen {
            header,
            tabs: None,
            panes: vec![
                (Pane::Mounts, mounts),
                (Pane::Verify, verify),
                (Pane::Tarballs, tarballs),
                (Pane::Hints, hints),
            ],
            footer,
        };
    }
    let [tabs, pane] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(body);
    Screen {
        header,
        tabs: Some(tabs),
        panes: vec![(app.pane, pane)],
        footer,
    }
}

pub fn pane_title(pane: Pane) -> &'static str {
    match pane {
        Pane::Mounts => "1 Mounts",
        Pane::Verify => "2 Verify",
        Pane::Tarballs => "3 Tarballs & usage",
        Pane::Hints => "4 Hints",
    }
}

/// The tab line of a narrow terminal: every pane, the current one marked.
pub fn tabs(app: &App, ctx: &Ctx<'_>, frame: &mut Frame, area: Rect) {
    let mut spans = Vec::new();
    for pane in Pane::ALL {
        let title = format!(" {} ", pane_title(pane));
        if pane == app.pane {
            spans.push(Span::styled(
                format!("[{}]", title.trim()),
                ctx.theme.focused(),
            ));
        } else {
            spans.push(Span::raw(title));
        }
        spans.push(Span::raw(" "));
    }
    spans.push(Span::styled("Tab/1-4 switch", ctx.theme.pending()));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// A pane's frame: its number and name, then `extra` (counts, filter).
pub fn pane_block(pane: Pane, extra: &str, focused: bool, theme: Theme) -> Block<'static> {
    let border = if focused {
        theme.focused()
    } else {
        Style::new()
    };
    let mut title = vec![Span::styled(
        format!(" {} ", pane_title(pane)),
        theme.title(),
    )];
    if !extra.is_empty() {
        title.push(Span::raw(format!("{extra} ")));
    }
    Block::default()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(border)
        .title(Line::from(title))
}

/// A rectangle of at most `width`×`height`, centred in `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// The filter of `pane`, for pane titles: `filter: abc` or nothing.
pub fn filter_note(app: &App, pane: Pane) -> String {
    let index = Pane::ALL.iter().position(|p| *p == pane).unwrap_or(0);
    let text = &app.filters[index].text;
    if text.is_empty() {
        String::new()
    } else {
        format!("filter \"{text}\"")
    }
}
