//! The footer: a line for the flash message or the filter, then the keys that
//! work right now (in the popup if one is open, else in the current pane).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::super::state::{App, FlashLevel, Pane, Popup};
use super::Ctx;

/// One key hint: the key, what it does, and why it is off (if it is).
pub struct Key {
    pub key: &'static str,
    pub action: &'static str,
    pub off: Option<String>,
}

fn key(key: &'static str, action: &'static str) -> Key {
    Key {
        key,
        action,
        off: None,
    }
}

/// The keys valid now, most specific first.
pub fn keys(app: &App) -> Vec<Key> {
    if let Some(popup) = &app.popup {
        return match popup {
            Popup::Help { .. } | Popup::Detail { .. } | Popup::Debug => {
                vec![
                    key("j/k", "scroll"),
                    key("PgUp/PgDn", "page"),
                    key("Esc", "close"),
                ]
            }
            Popup::Prune { .. } => {
                let running = app.prune.as_ref().is_some_and(|p| p.report.is_none());
                let mut keys = vec![key("j/k", "scroll")];
                keys.push(if running {
                    Key {
                        key: "Esc",
                        action: "close",
                        off: Some("the prune is running".to_owned()),
                    }
                } else {
                    key("Esc", "close")
                });
                keys
            }
            Popup::ConfirmPrune { .. } => vec![
                key("←/→", "choose"),
                key("Enter", "confirm"),
                key("y", "yes"),
                key("n/Esc", "no"),
                key("j/k", "scroll"),
            ],
            Popup::ConfirmQuit { .. } => vec![
                key("←/→", "choose"),
                key("Enter", "confirm"),
                key("Esc", "stay"),
            ],
        };
    }
    let filter_editing = app.filters[app.pane_index()].editing;
    if filter_editing {
        return vec![
            key("type", "filter"),
            key("Enter", "keep"),
            key("Esc", "clear"),
        ];
    }
    let mut keys = match app.pane {
        Pane::Mounts => vec![key("z", if app.fold { "unfold" } else { "fold" })],
        Pane::Verify => vec![key("h/l", "columns")],
        // `u` first: the walk is read-only, so it works in read-only mode too.
        Pane::Tarballs => match app.settings.read_only {
            true => vec![
                key("u", "walk usage"),
                Key {
                    key: "space/a/d",
                    action: "mark, prune",
                    off: Some(
                        app.settings
                            .read_only_reason
                            .clone()
                            .unwrap_or_else(|| "read-only".to_owned()),
                    ),
                },
            ],
            false => vec![
                key("u", "walk usage"),
                key("space", "mark"),
                key("a", "mark superseded"),
                key("U", "unmark all"),
                key("d", "prune marked"),
            ],
        },
        Pane::Hints => vec![key("x", "run debug"), key("c", "copy fix")],
    };
    keys.extend([
        key("Enter", "detail"),
        key("/", "filter"),
        key("r", "sweep"),
        key("?", "help"),
        key("q", "quit"),
        key("R", "sweep node"),
        key("f", if app.frozen { "unfreeze" } else { "freeze" }),
        key("j/k", "move"),
        key("Tab", "pane"),
    ]);
    keys
}

pub fn render(app: &App, ctx: &Ctx<'_>, frame: &mut Frame, area: Rect) {
    let t = ctx.theme;
    let filter = &app.filters[app.pane_index()];
    let first = if filter.editing {
        Line::from(vec![
            Span::styled("/", t.title()),
            Span::raw(filter.text.clone()),
            Span::styled("█", t.pending()),
        ])
    } else if let Some(flash) = &app.flash {
        let symbol = match flash.level {
            FlashLevel::Info => "ℹ",
            FlashLevel::Warning => "▲",
            FlashLevel::Error => "✖",
        };
        Line::from(Span::styled(
            format!("{symbol} {}", flash.text),
            t.flash(flash.level),
        ))
    } else if !filter.text.is_empty() {
        Line::from(vec![
            Span::styled("filter: ", t.pending()),
            Span::raw(filter.text.clone()),
            Span::styled("  (/ edits, Esc clears)", t.pending()),
        ])
    } else {
        Line::default()
    };
    let mut spans = Vec::new();
    for (i, k) in keys(app).into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw("  "));
        }
        match k.off {
            None => {
                spans.push(Span::styled(k.key, t.title()));
                spans.push(Span::raw(format!(" {}", k.action)));
            }
            Some(why) => spans.push(Span::styled(
                format!("{} {}: off, {why}", k.key, k.action),
                t.pending(),
            )),
        }
    }
    frame.render_widget(Paragraph::new(vec![first, Line::from(spans)]), area);
}
