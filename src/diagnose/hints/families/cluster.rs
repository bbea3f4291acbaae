//! Catalogue entries: cluster.

use super::super::Entry;

pub(in crate::diagnose::hints) const ENTRIES: &[Entry] = &[];
