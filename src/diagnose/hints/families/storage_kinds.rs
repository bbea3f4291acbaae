//! Catalogue entries: storage_kinds.

use super::super::Entry;

pub(in crate::diagnose::hints) const ENTRIES: &[Entry] = &[];
