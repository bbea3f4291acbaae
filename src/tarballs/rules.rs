//! KohakuRiver's tarball naming rules, one status per file, and the prune plan.
//! Pure: no I/O, so every rule is tested on plain data.
//!
//! Decisions beyond the table (all on the side of keeping files):
//! - A name that is not valid UTF-8 is `unrecognized` (never prunable), so a
//!   non-UTF-8 name never reaches the prune script.
//! - A name holding a newline is `unrecognized`: Python's `.` does not match
//!   one, so KohakuRiver's `^(.+)-(\d{10,})\.tar$` does not either. Only ASCII
//!   digits count as a timestamp; a timestamp that does not fit in a `u64` makes
//!   the file `unrecognized`.
//! - A `.tar` that is neither a regular file nor a symlink (a directory, a FIFO)
//!   is `unrecognized`.
//! - Symlinks never take part in "which version is newest": the newest regular
//!   file of a name stays `latest` even when a symlink has a larger timestamp.
//! - An older version that is still growing is `in_progress` too (something is
//!   writing it; never delete it).
//! - Several files with the same largest timestamp (`x-01732570234.tar` and
//!   `x-1732570234.tar`) are all `latest`: KohakuRiver may load either.
//! - "Young" compares the mtime with the listing node's own clock; an mtime in
//!   the future counts as young.

use std::collections::{BTreeMap, HashSet};

use super::{FileKind, TarballEntry, TarballStatus, TarballSummary};

/// A file name split by KohakuRiver's rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// `{name}-{ts}.tar`, split greedily as `^(.+)-(\d{10,})\.tar$`.
    Timestamped { name: String, ts: u64 },
    /// `{name}.tar` with no timestamp.
    Legacy { name: String },
    /// A `.tar` that matches no pattern (or not a `.tar` at all).
    Unrecognized,
}

/// Split a file name as KohakuRiver's Host does (greedy `^(.+)-(\d{10,})\.tar$`).
/// `my-env-1732570234.tar` is `my-env` at 1732570234; `my-env-123456789.tar`
/// (9 digits) is the legacy name `my-env-123456789`.
pub fn split_name(file: &str) -> Parsed {
    let Some(stem) = file.strip_suffix(".tar") else {
        return Parsed::Unrecognized;
    };
    if stem.is_empty() || stem.contains('\n') {
        return Parsed::Unrecognized;
    }
    // Greedy `(.+)`: the digits after the LAST dash, since digits hold no dash.
    if let Some((name, digits)) = stem.rsplit_once('-')
        && !name.is_empty()
        && digits.len() >= 10
        && digits.bytes().all(|b| b.is_ascii_digit())
    {
        return match digits.parse::<u64>() {
            Ok(ts) => Parsed::Timestamped {
                name: name.to_owned(),
                ts,
            },
            Err(_) => Parsed::Unrecognized,
        };
    }
    Parsed::Legacy {
        name: stem.to_owned(),
    }
}

/// The timestamp digits exactly as written in `file` (leading zeros kept), when
/// `file` is `{name}-{digits}.tar`.
pub fn timestamp_digits<'a>(file: &'a str, name: &str) -> Option<&'a str> {
    file.strip_prefix(name)?
        .strip_prefix('-')?
        .strip_suffix(".tar")
}

/// One `.tar` entry as the listing saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// The name (lossy UTF-8 when `file_hex` is set).
    pub file: String,
    /// The exact name bytes, hex-encoded, when they are not valid UTF-8.
    pub file_hex: Option<String>,
    pub size_bytes: u64,
    /// Unix seconds (floor).
    pub mtime: i64,
    pub inode: u64,
    pub kind: FileKind,
    /// Size or mtime changed between the two listings 2 s apart (or the inode
    /// was not there at the first one).
    pub growing: bool,
}

/// One status per entry, `prunable` = a default prune (keep 1), and one summary
/// per name. `now_unix` is the listing node's clock. Entries come back sorted by
/// file name.
pub fn classify(
    listed: &[Listed],
    now_unix: i64,
    in_progress_secs: u64,
) -> (Vec<TarballEntry>, Vec<TarballSummary>) {
    let mut entries: Vec<TarballEntry> = Vec::with_capacity(listed.len());
    let mut growing: Vec<bool> = Vec::with_capacity(listed.len());
    let mut sorted: Vec<&Listed> = listed.iter().collect();
    sorted.sort_by(|a, b| a.file.cmp(&b.file).then(a.file_hex.cmp(&b.file_hex)));
    for l in sorted {
        let parsed = if l.file_hex.is_some() {
            Parsed::Unrecognized
        } else {
            split_name(&l.file)
        };
        let (name, timestamp) = match &parsed {
            Parsed::Timestamped { name, ts } => (Some(name.clone()), Some(*ts)),
            Parsed::Legacy { name } => (Some(name.clone()), None),
            Parsed::Unrecognized => (None, None),
        };
        let status = match (l.kind, &parsed) {
            (FileKind::Symlink, _) => TarballStatus::Symlink,
            (FileKind::Other, _) | (_, Parsed::Unrecognized) => TarballStatus::Unrecognized,
            (_, Parsed::Legacy { .. }) => TarballStatus::Legacy,
            // Decided per name below.
            (_, Parsed::Timestamped { .. }) => TarballStatus::Superseded,
        };
        entries.push(TarballEntry {
            file: l.file.clone(),
            file_hex: l.file_hex.clone(),
            name,
            timestamp,
            size_bytes: l.size_bytes,
            mtime: l.mtime,
            inode: l.inode,
            kind: l.kind,
            status,
            prunable: false,
        });
        growing.push(l.growing);
    }

    let young = |mtime: i64| {
        now_unix.saturating_sub(mtime) < i64::try_from(in_progress_secs).unwrap_or(i64::MAX)
    };
    for idx in by_name(&entries, |e| {
        e.kind == FileKind::Regular && e.status == TarballStatus::Superseded
    })
    .into_values()
    {
        let top = idx.first().and_then(|&i| entries[i].timestamp);
        let mut complete_seen = false;
        for &i in &idx {
            let e = &entries[i];
            let status = if e.timestamp == top {
                if growing[i] || young(e.mtime) {
                    TarballStatus::InProgress
                } else {
                    complete_seen = true;
                    TarballStatus::Latest
                }
            } else if growing[i] {
                TarballStatus::InProgress
            } else if !complete_seen {
                complete_seen = true;
                TarballStatus::LastGood
            } else {
                TarballStatus::Superseded
            };
            entries[i].status = status;
        }
    }

    let plan: HashSet<(String, u64)> = prune_plan(&entries, 1, &[])
        .into_iter()
        .map(|e| (e.file, e.inode))
        .collect();
    for e in &mut entries {
        e.prunable = plan.contains(&(e.file.clone(), e.inode));
    }
    let summary = summarize(&entries);
    (entries, summary)
}

/// Indices of the timestamped entries that pass `keep`, per exact name, newest
/// first (ties by file name).
fn by_name(
    entries: &[TarballEntry],
    keep: impl Fn(&TarballEntry) -> bool,
) -> BTreeMap<String, Vec<usize>> {
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, e) in entries.iter().enumerate() {
        if let (Some(name), Some(_)) = (&e.name, e.timestamp)
            && keep(e)
        {
            groups.entry(name.clone()).or_default().push(i);
        }
    }
    for idx in groups.values_mut() {
        idx.sort_by(|&a, &b| {
            entries[b]
                .timestamp
                .cmp(&entries[a].timestamp)
                .then(entries[a].file.cmp(&entries[b].file))
        });
    }
    groups
}

fn summarize(entries: &[TarballEntry]) -> Vec<TarballSummary> {
    let mut out: BTreeMap<String, TarballSummary> = BTreeMap::new();
    for e in entries {
        let Some(name) = &e.name else { continue };
        if matches!(
            e.status,
            TarballStatus::Symlink | TarballStatus::Unrecognized
        ) {
            continue;
        }
        let s = out.entry(name.clone()).or_insert_with(|| TarballSummary {
            name: name.clone(),
            versions: 0,
            bytes: 0,
            reclaimable_bytes: 0,
            latest_file: None,
        });
        s.versions += 1;
        s.bytes += e.size_bytes;
        if e.prunable {
            s.reclaimable_bytes += e.size_bytes;
        }
    }
    for (name, idx) in by_name(entries, |e| {
        e.kind == FileKind::Regular
            && !matches!(
                e.status,
                TarballStatus::Symlink | TarballStatus::Unrecognized
            )
    }) {
        if let (Some(s), Some(&first)) = (out.get_mut(&name), idx.first()) {
            // What KohakuRiver loads: the largest timestamp, whatever its status.
            s.latest_file = Some(entries[first].file.clone());
        }
    }
    out.into_values().collect()
}

/// The files a prune deletes: per name, the `superseded` files beyond the
/// `keep` newest complete versions (`latest`, `last_good` and `superseded`
/// count as complete; `in_progress` never does). `keep` below 1 counts as 1:
/// only `superseded` files are ever planned. With a non-empty `names`, only
/// those names, compared exactly as written (no lower-casing: `My-Env` and
/// `my-env` are different names on disk). In `entries` order.
pub fn prune_plan(entries: &[TarballEntry], keep: usize, names: &[String]) -> Vec<TarballEntry> {
    let keep = keep.max(1);
    let groups = by_name(entries, |e| {
        e.kind == FileKind::Regular
            && e.file_hex.is_none()
            && matches!(
                e.status,
                TarballStatus::Latest | TarballStatus::LastGood | TarballStatus::Superseded
            )
    });
    let mut chosen: HashSet<usize> = HashSet::new();
    for (name, idx) in groups {
        if !names.is_empty() && !names.contains(&name) {
            continue;
        }
        for &i in idx.iter().skip(keep) {
            if entries[i].status == TarballStatus::Superseded {
                chosen.insert(i);
            }
        }
    }
    entries
        .iter()
        .enumerate()
        .filter(|(i, _)| chosen.contains(i))
        .map(|(_, e)| e.clone())
        .collect()
}

/// The version that must survive `e`'s deletion: the newest complete (`latest`
/// or `last_good`) regular file of the same name with a larger timestamp.
pub fn newer_survivor<'a>(
    entries: &'a [TarballEntry],
    e: &TarballEntry,
) -> Option<&'a TarballEntry> {
    let (name, ts) = (e.name.as_ref()?, e.timestamp?);
    entries
        .iter()
        .filter(|o| {
            o.name.as_ref() == Some(name)
                && o.kind == FileKind::Regular
                && o.file_hex.is_none()
                && matches!(o.status, TarballStatus::Latest | TarballStatus::LastGood)
                && o.timestamp.is_some_and(|t| t > ts)
        })
        .max_by(|a, b| a.timestamp.cmp(&b.timestamp).then(b.file.cmp(&a.file)))
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
