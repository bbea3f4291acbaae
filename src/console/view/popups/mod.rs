//! The popups, centred over a cleared area: help, detail, the prune confirm
//! dialog and progress, debug output, and the quit confirmation.

mod debug;
mod detail;
mod prune;
mod usage;

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

use super::super::state::{App, Popup};
use super::super::theme::Theme;
use super::Ctx;
use super::layout::centered;

pub fn render(app: &App, ctx: &Ctx<'_>, popup: &Popup, frame: &mut Frame, area: Rect) {
    match popup {
        Popup::Help { scroll } => {
            scrolled(
                frame,
                area,
                ctx.theme,
                " Help: every key ",
                help_lines(ctx.theme),
                *scroll,
                64,
            );
        }
        Popup::Detail { target, scroll } => {
            let (title, lines) = detail::lines(app, ctx, target);
            scrolled(frame, area, ctx.theme, &title, lines, *scroll, 110);
        }
        Popup::ConfirmPrune { plan, yes, scroll } => {
            prune::confirm(app, ctx, plan, *yes, *scroll, frame, area);
        }
        Popup::Prune { scroll } => prune::progress(app, ctx, *scroll, frame, area),
        Popup::Debug => debug::render(app, ctx, frame, area),
        Popup::ConfirmQuit { yes } => confirm_quit(app, ctx, *yes, frame, area),
    }
}

/// A framed popup of at most `width` columns and as tall as its content.
/// Returns the inner area; the area under it is cleared first.
pub fn frame_popup(
    frame: &mut Frame,
    area: Rect,
    theme: Theme,
    title: &str,
    width: u16,
    content_height: usize,
) -> Rect {
    let height = u16::try_from(content_height.saturating_add(2)).unwrap_or(u16::MAX);
    let rect = centered(
        area,
        width.min(area.width.saturating_sub(4)),
        height.min(area.height.saturating_sub(2)),
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(theme.focused())
        .title(Span::styled(title.to_owned(), theme.title()));
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    inner
}

/// Lines that scroll: `scroll` is clamped so the last page stays full, and the
/// bottom border says where the view is when not everything fits.
pub fn scrolled(
    frame: &mut Frame,
    area: Rect,
    theme: Theme,
    title: &str,
    lines: Vec<Line<'static>>,
    scroll: usize,
    width: u16,
) {
    let inner = frame_popup(frame, area, theme, title, width, lines.len());
    let height = usize::from(inner.height);
    let max = lines.len().saturating_sub(height);
    let top = scroll.min(max);
    let total = lines.len();
    let page: Vec<Line<'static>> = lines.into_iter().skip(top).take(height).collect();
    frame.render_widget(Paragraph::new(page).wrap(Wrap { trim: false }), inner);
    if max > 0 && inner.height > 0 {
        let note = format!(
            " {}-{} of {} j/k ",
            top + 1,
            (top + height).min(total),
            total
        );
        let y = inner.y + inner.height;
        let rect = Rect {
            x: inner.x,
            y,
            width: inner.width,
            height: 1,
        };
        frame.render_widget(
            Paragraph::new(Span::styled(note, theme.pending())).alignment(Alignment::Right),
            rect,
        );
    }
}

/// Every key, by where it works.
pub const HELP: &[(&str, &[(&str, &str)])] = &[
    (
        "Everywhere",
        &[
            ("j / k, ↓ / ↑", "move"),
            ("g / G", "top / bottom"),
            ("PgUp/PgDn ^u/^d", "page"),
            ("Tab, S-Tab, 1-4", "switch pane"),
            ("Enter", "detail of the row (usage: its children)"),
            ("/", "filter rows (Enter keeps, Esc clears)"),
            ("r", "re-sweep all, reusing connections"),
            ("R", "re-sweep the selected node"),
            ("f", "freeze / unfreeze auto-refresh"),
            ("?", "this help"),
            ("Esc", "close or go back"),
            ("q, ctrl-c", "quit (asks if pruning or marked)"),
        ],
    ),
    ("1 Mounts", &[("z", "fold identical rows (runner-[01-08])")]),
    ("2 Verify", &[("h / l, ← / →", "scroll the reader columns")]),
    (
        "3 Tarballs & usage",
        &[
            ("space", "mark / unmark the file"),
            ("a / U", "mark every superseded file / unmark all"),
            ("d", "prune marked files (asks; default No)"),
            ("u", "walk the share's disk usage again"),
        ],
    ),
    (
        "4 Hints",
        &[
            ("x", "run its read-only debug commands"),
            ("c", "copy the fix commands (never run)"),
        ],
    ),
    (
        "Dialogs",
        &[
            ("← / →, Tab", "choose a button"),
            ("Enter", "press the focused button"),
            ("y / n", "yes / no"),
        ],
    ),
];

fn help_lines(theme: Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for (i, (section, keys)) in HELP.iter().enumerate() {
        if i > 0 {
            lines.push(Line::default());
        }
        lines.push(Line::from(Span::styled(*section, theme.header())));
        for (key, action) in *keys {
            lines.push(Line::from(vec![
                Span::styled(format!("  {key:<18}"), theme.title()),
                Span::raw(*action),
            ]));
        }
    }
    lines
}

/// `[ No ]  [ Yes ]`: No first, the focused one in the button style.
pub fn buttons(theme: Theme, yes: bool) -> Line<'static> {
    let style = |focused: bool| {
        if focused {
            theme.button()
        } else {
            theme.plain()
        }
    };
    Line::from(vec![
        Span::styled("[ No ]", style(!yes)),
        Span::raw("   "),
        Span::styled("[ Yes ]", style(yes)),
    ])
    .alignment(Alignment::Center)
}

fn confirm_quit(app: &App, ctx: &Ctx<'_>, yes: bool, frame: &mut Frame, area: Rect) {
    let t = ctx.theme;
    let mut lines = vec![Line::from("Quit rivershare?")];
    if app.prune.as_ref().is_some_and(|p| p.report.is_none()) {
        lines.push(Line::from(Span::styled(
            "A prune is running: quitting stops it between files.",
            t.warn(),
        )));
    }
    if !app.marks.is_empty() {
        lines.push(Line::from(format!(
            "{} marked file{} will be forgotten.",
            app.marks.len(),
            if app.marks.len() == 1 { "" } else { "s" }
        )));
    }
    lines.push(Line::default());
    lines.push(buttons(t, yes));
    let inner = frame_popup(frame, area, t, " Quit ", 60, lines.len());
    frame.render_widget(Paragraph::new(lines), inner);
}
