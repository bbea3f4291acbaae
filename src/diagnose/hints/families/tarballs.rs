//! Catalogue entries: tarballs.

use super::super::Entry;

pub(in crate::diagnose::hints) const ENTRIES: &[Entry] = &[];
