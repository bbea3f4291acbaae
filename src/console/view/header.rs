//! The header line: config, READ-ONLY, node counts, the sweep, auto-refresh.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::super::state::{App, NodePhase};
use super::Ctx;
use super::format::{age, secs_between, spinner};
use super::status::counts;

/// What the running sweep is doing: `probing 3/8`, `verifying`, `listing tarballs`,
/// or both of the last two at once (`verifying, listing tarballs on host`).
pub fn sweep_phase(app: &App) -> String {
    let swept = |name: &str| {
        app.sweep
            .running_nodes
            .as_ref()
            .is_none_or(|nodes| nodes.iter().any(|n| n == name))
    };
    let (done, total) = app
        .nodes
        .iter()
        .filter(|n| swept(&n.name))
        .fold((0, 0), |(d, t), n| {
            (d + usize::from(n.phase == NodePhase::Done), t + 1)
        });
    // The probes come first; a flag stays set until its result lands.
    // Verification and the inventory may run at once.
    if done < total {
        return format!("probing {done}/{total}");
    }
    let listing = || match &app.sweep.listing_on {
        Some(node) => format!("listing tarballs on {node}"),
        None => "listing tarballs".to_owned(),
    };
    match (app.sweep.verifying, app.sweep.listing_tarballs) {
        (true, true) if app.sweep.listing_on.is_some() => format!("verifying, {}", listing()),
        (true, _) => "verifying".to_owned(),
        (false, true) => listing(),
        (false, false) => format!("probing {done}/{total}"),
    }
}

pub fn render(app: &App, ctx: &Ctx<'_>, frame: &mut Frame, area: Rect) {
    // The short forms when the long ones do not fit, so the sweep and the
    // auto-refresh state stay on screen.
    let mut line = header_line(app, ctx, false);
    if line.width() > usize::from(area.width) {
        line = header_line(app, ctx, true);
    }
    frame.render_widget(Paragraph::new(line), area);
}

fn header_line(app: &App, ctx: &Ctx<'_>, narrow: bool) -> Line<'static> {
    let t = ctx.theme;
    let sep = || Span::styled(if narrow { "│" } else { " │ " }, t.pending());
    let mut spans = vec![
        Span::styled(if narrow { " " } else { " rivershare " }, t.title()),
        Span::styled(app.settings.config_name.clone(), t.header()),
    ];
    if app.settings.read_only {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(" READ-ONLY ", t.read_only()));
    }
    spans.push(sep());
    let c = counts(&ctx.status);
    spans.push(Span::raw(format!("{} nodes: ", app.nodes.len())));
    let parts = [
        (c.ok, "✔ ok", t.ok()),
        (c.warn, "▲ warn", t.warn()),
        (c.fail, "✖ fail", t.crit()),
        (
            c.unreachable,
            if narrow { "? unreach" } else { "? unreachable" },
            t.unknown(),
        ),
        (c.pending, "· pending", t.pending()),
    ];
    let mut first = true;
    for (n, word, style) in parts {
        // Zero pending is noise; zero failed is good news worth showing.
        if n == 0 && (narrow || word == "· pending") {
            continue;
        }
        if !first {
            spans.push(Span::raw(if narrow { " " } else { "  " }));
        }
        first = false;
        let style = if n == 0 { t.pending() } else { style };
        spans.push(Span::styled(format!("{n} {word}"), style));
    }
    spans.push(sep());
    if app.sweep.running.is_some() {
        spans.push(Span::styled(
            format!("{} {}", spinner(app.spinner), sweep_phase(app)),
            t.info(),
        ));
        spans.push(Span::raw("  "));
    }
    match app.sweep.last_done {
        Some(done) => {
            let mut text = format!("swept {} ago", age(secs_between(done, app.now)));
            let busy = narrow || app.sweep.running.is_some();
            if let Some(took) = app.sweep.last_duration.filter(|_| !busy) {
                text.push_str(&format!(" in {:.1} s", took.as_secs_f64()));
            }
            spans.push(Span::raw(text));
        }
        None => spans.push(Span::styled("not swept yet", t.pending())),
    }
    if app.sweep.queued {
        spans.push(Span::styled(" (+1 queued)", t.pending()));
    }
    spans.push(sep());
    if app.frozen {
        spans.push(Span::styled("frozen", t.warn()));
    } else {
        spans.push(Span::raw(format!(
            "auto {}",
            age(app.settings.refresh_every.as_secs())
        )));
    }
    if narrow {
        spans.push(Span::raw(" "));
    }
    Line::from(spans)
}
