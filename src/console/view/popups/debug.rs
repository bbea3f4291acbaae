//! The debug popup: per node, per command, what the read-only debug commands
//! of a finding printed, timed-out ones marked, scrollable.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::super::super::state::App;
use super::super::Ctx;
use super::super::format::spinner;
use super::scrolled;

pub fn render(app: &App, ctx: &Ctx<'_>, frame: &mut Frame, area: Rect) {
    let t = ctx.theme;
    let Some(run) = &app.debug else {
        scrolled(
            frame,
            area,
            t,
            " Debug ",
            vec![Line::from("no debug run")],
            0,
            60,
        );
        return;
    };
    let mut lines: Vec<Line<'static>> = Vec::new();
    let total: usize = run.targets.iter().map(|tg| tg.commands.len()).sum();
    lines.push(Line::from(Span::styled(
        if run.done {
            format!(
                "{} of {total} commands finished (read-only: nothing was changed)",
                run.outputs.len()
            )
        } else {
            format!(
                "{} {} of {total} commands done (read-only: nothing is changed)",
                spinner(app.spinner),
                run.outputs.len()
            )
        },
        if run.done { t.pending() } else { t.info() },
    )));
    for target in &run.targets {
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(
            format!("── {} ──", target.node),
            t.title(),
        )));
        for command in &target.commands {
            let output = run
                .outputs
                .iter()
                .find(|o| o.node == target.node && o.command == *command);
            let (mark, style) = match output {
                None if run.done => ("· not run".to_owned(), t.pending()),
                None => (spinner(app.spinner).to_owned(), t.info()),
                Some(o) if o.timed_out => ("✖ TIMED OUT (storage hung?)".to_owned(), t.crit()),
                Some(o) => match o.exit_status {
                    Some(0) => ("✔ exit 0".to_owned(), t.ok()),
                    Some(code) => (format!("▲ exit {code}"), t.warn()),
                    None => ("✖ did not finish".to_owned(), t.crit()),
                },
            };
            lines.push(Line::from(vec![
                Span::styled(format!("$ {command}  "), t.header()),
                Span::styled(mark, style),
            ]));
            if let Some(o) = output {
                if o.output.trim().is_empty() {
                    lines.push(Line::from(Span::styled("  (no output)", t.pending())));
                }
                for l in o.output.lines() {
                    lines.push(Line::from(format!("  {l}")));
                }
            }
        }
    }
    let title = format!(" Debug: {} ", run.title);
    scrolled(frame, area, t, &title, lines, run.scroll, 120);
}
