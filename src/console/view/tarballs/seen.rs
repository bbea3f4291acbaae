//! Which Runners see the latest files: from the index `App::set_tarballs`
//! built when the inventory arrived, or, without one, built for this frame.

use std::borrow::Cow;

use crate::console::index::{TarballIndex, tarball_index};
use crate::console::state::App;
use crate::tarballs::{TarballInventory, Visibility};

/// What the Runners see of the files, and how many Runners were asked.
pub struct Seen<'a> {
    /// Runners that were asked (not skipped).
    pub runners: usize,
    index: Cow<'a, TarballIndex>,
}

impl Seen<'_> {
    /// The problems (missing, size differs, error) of entry `row`'s file.
    pub fn problems(&self, row: usize) -> &[Visibility] {
        self.index.problems.get(row).map_or(&[][..], Vec::as_slice)
    }
}

pub fn seen<'a>(app: &'a App, inv: &TarballInventory) -> Seen<'a> {
    let index = match &app.tarball_index {
        Some(index) if index.fits(inv) => Cow::Borrowed(index),
        _ => Cow::Owned(tarball_index(inv)),
    };
    Seen {
        runners: index.runners,
        index,
    }
}
