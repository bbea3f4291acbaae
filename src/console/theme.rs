//! Colours: `dark` (default), `light`, `high-contrast`, and none at all under
//! `NO_COLOR`. Status is always symbol and word too, never colour alone.
//!
//! The view never names a colour: it asks the theme for the style of a meaning
//! (`ok`, `crit`, `selected`, ...). Under `NO_COLOR` every style carries no
//! foreground or background at all; only modifiers (bold, reverse, dim,
//! underline) remain, so selection and emphasis still show.

use ratatui::style::{Color, Modifier, Style};

use crate::diagnose::Severity;

use super::state::FlashLevel;

pub use crate::config::ThemeName;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub name: ThemeName,
    /// `NO_COLOR` is set: every style is plain (bold/reverse still allowed).
    pub no_color: bool,
}

impl Default for Theme {
    fn default() -> Self {
        Self {
            name: ThemeName::Dark,
            no_color: false,
        }
    }
}

/// One meaning's colours per theme: (dark, light, high-contrast) foregrounds.
struct Palette {
    dark: Color,
    light: Color,
    high: Color,
}

const OK: Palette = Palette {
    dark: Color::Green,
    light: Color::Indexed(28),
    high: Color::LightGreen,
};
const WARN: Palette = Palette {
    dark: Color::Yellow,
    light: Color::Indexed(130),
    high: Color::LightYellow,
};
const CRIT: Palette = Palette {
    dark: Color::Red,
    light: Color::Indexed(160),
    high: Color::LightRed,
};
const UNKNOWN: Palette = Palette {
    dark: Color::Magenta,
    light: Color::Indexed(90),
    high: Color::LightMagenta,
};
const INFO: Palette = Palette {
    dark: Color::Cyan,
    light: Color::Indexed(25),
    high: Color::LightCyan,
};
const ACCENT: Palette = Palette {
    dark: Color::LightBlue,
    light: Color::Indexed(19),
    high: Color::White,
};

impl Theme {
    fn fg(self, palette: &Palette) -> Style {
        if self.no_color {
            return Style::new();
        }
        Style::new().fg(match self.name {
            ThemeName::Dark => palette.dark,
            ThemeName::Light => palette.light,
            ThemeName::HighContrast => palette.high,
        })
    }

    /// High contrast makes every status bold: colour alone is not enough there.
    fn status(self, palette: &Palette) -> Style {
        let style = self.fg(palette);
        if self.name == ThemeName::HighContrast {
            style.add_modifier(Modifier::BOLD)
        } else {
            style
        }
    }

    pub fn plain(self) -> Style {
        Style::new()
    }

    pub fn ok(self) -> Style {
        self.status(&OK)
    }

    pub fn warn(self) -> Style {
        self.status(&WARN)
    }

    /// Critical: failed nodes, failed cells, errors. Bold in every theme.
    pub fn crit(self) -> Style {
        self.status(&CRIT).add_modifier(Modifier::BOLD)
    }

    /// Unreachable or otherwise unknown.
    pub fn unknown(self) -> Style {
        self.status(&UNKNOWN)
    }

    pub fn info(self) -> Style {
        self.status(&INFO)
    }

    /// Not loaded yet, or an old value kept while a new sweep runs.
    pub fn pending(self) -> Style {
        if self.name == ThemeName::HighContrast && !self.no_color {
            // DIM is unreadable on many high-contrast palettes: grey instead.
            return Style::new().fg(Color::Gray);
        }
        Style::new().add_modifier(Modifier::DIM)
    }

    /// The cursor row of the focused pane.
    pub fn selected(self) -> Style {
        if self.no_color {
            return Style::new().add_modifier(Modifier::REVERSED);
        }
        match self.name {
            ThemeName::Dark => Style::new().bg(Color::Indexed(238)),
            ThemeName::Light => Style::new().bg(Color::Indexed(252)),
            ThemeName::HighContrast => Style::new().add_modifier(Modifier::REVERSED),
        }
    }

    /// A tarball file marked for pruning.
    pub fn marked(self) -> Style {
        self.status(&WARN).add_modifier(Modifier::BOLD)
    }

    /// A value that differs from the majority (mount options).
    pub fn highlight(self) -> Style {
        if self.no_color {
            return Style::new().add_modifier(Modifier::UNDERLINED | Modifier::BOLD);
        }
        match self.name {
            ThemeName::Dark | ThemeName::Light => self.fg(&WARN).add_modifier(Modifier::UNDERLINED),
            ThemeName::HighContrast => Style::new()
                .fg(Color::Black)
                .bg(Color::LightYellow)
                .add_modifier(Modifier::BOLD),
        }
    }

    /// Pane titles, column headers, key names.
    pub fn title(self) -> Style {
        self.fg(&ACCENT).add_modifier(Modifier::BOLD)
    }

    pub fn header(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    /// The border of the focused pane; others get `plain`.
    pub fn focused(self) -> Style {
        self.fg(&ACCENT).add_modifier(Modifier::BOLD)
    }

    /// The focused button of a dialog.
    pub fn button(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
    }

    pub fn severity(self, severity: Severity) -> Style {
        match severity {
            Severity::Critical => self.crit(),
            Severity::Warning => self.warn(),
            Severity::Info => self.info(),
        }
    }

    pub fn flash(self, level: FlashLevel) -> Style {
        match level {
            FlashLevel::Info => self.info(),
            FlashLevel::Warning => self.warn().add_modifier(Modifier::BOLD),
            FlashLevel::Error => self.crit(),
        }
    }

    /// `READ-ONLY` in the header: it must not be missed.
    pub fn read_only(self) -> Style {
        self.status(&WARN)
            .add_modifier(Modifier::BOLD | Modifier::REVERSED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_strips_every_colour_but_keeps_emphasis() {
        for name in [ThemeName::Dark, ThemeName::Light, ThemeName::HighContrast] {
            let t = Theme {
                name,
                no_color: true,
            };
            for style in [
                t.ok(),
                t.warn(),
                t.crit(),
                t.unknown(),
                t.info(),
                t.pending(),
                t.selected(),
                t.marked(),
                t.highlight(),
                t.title(),
                t.focused(),
                t.read_only(),
            ] {
                assert_eq!((style.fg, style.bg), (None, None), "{name:?} {style:?}");
            }
            assert!(t.selected().add_modifier.contains(Modifier::REVERSED));
            assert!(t.crit().add_modifier.contains(Modifier::BOLD));
        }
    }

    #[test]
    fn themes_differ_and_statuses_are_distinct() {
        let dark = Theme::default();
        let light = Theme {
            name: ThemeName::Light,
            no_color: false,
        };
        assert_eq!(dark.crit().fg, Some(Color::Red));
        assert_ne!(dark.ok().fg, light.ok().fg);
        let fgs = [
            dark.ok().fg,
            dark.warn().fg,
            dark.crit().fg,
            dark.unknown().fg,
        ];
        for (i, a) in fgs.iter().enumerate() {
            for b in &fgs[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }
}
