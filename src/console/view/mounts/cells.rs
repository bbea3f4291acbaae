//! The read/write and layout cells of the Mounts pane.

use ratatui::text::{Line, Span};

use super::super::Ctx;
use crate::facts::{AccessErrorKind, LAYOUT_DIRS, ProbeFacts};

pub fn rw(probe: Option<&ProbeFacts>, ctx: &Ctx<'_>) -> Line<'static> {
    let t = ctx.theme;
    let Some(access) = probe.and_then(|p| p.access.as_ref()) else {
        return Line::from("-");
    };
    if access.read && access.write {
        return Line::from(Span::styled("rw", t.ok()));
    }
    let word = match access.error.as_ref().map(|e| e.kind) {
        Some(AccessErrorKind::ReadOnly) => "ro",
        Some(AccessErrorKind::PermissionDenied) => "deny",
        Some(AccessErrorKind::StaleHandle) => "stale",
        Some(AccessErrorKind::Hung) => "hung",
        Some(AccessErrorKind::Missing) => "gone",
        Some(AccessErrorKind::NoSpace) => "full",
        Some(AccessErrorKind::Other) | None if access.read => "r-",
        Some(AccessErrorKind::Other) | None => "--",
    };
    Line::from(Span::styled(word, t.crit()))
}

pub fn layout(probe: Option<&ProbeFacts>, ctx: &Ctx<'_>) -> Line<'static> {
    let t = ctx.theme;
    let expected = LAYOUT_DIRS.len();
    let Some(p) = probe else {
        return Line::from("-");
    };
    if !p.exists {
        return Line::from(Span::styled(format!("0/{expected}"), t.crit()));
    }
    if p.layout.is_empty() {
        return Line::from("?");
    }
    let present = p.layout.iter().filter(|e| e.present).count();
    let text = format!("{present}/{}", p.layout.len());
    if present == p.layout.len() {
        Line::from(text)
    } else {
        Line::from(Span::styled(text, t.warn()))
    }
}
