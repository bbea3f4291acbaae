//! Colours: `dark` (default), `light`, `high-contrast`, and none at all under
//! `NO_COLOR`. Status is always symbol and word too, never colour alone.

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
