//! The catalogue's entries, one file per family of codes.

use super::Entry;

mod cluster;
mod connection;
mod kohakuriver;
mod storage;
mod storage_kinds;
mod tarballs;
mod usage;

pub(super) const ALL: &[&[Entry]] = &[
    connection::ENTRIES,
    storage::ENTRIES,
    storage_kinds::ENTRIES,
    cluster::ENTRIES,
    tarballs::ENTRIES,
    kohakuriver::ENTRIES,
    usage::ENTRIES,
];
