//! Derived data computed once when the data arrives, not on every frame: the
//! Tarballs pane's order (5 000 files sorted by name, newest first) and which
//! Runners miss each latest file. `App::set_tarballs` builds it; `rows` and
//! `view` read it (and compute it themselves when it is absent or stale).

use std::collections::{HashMap, HashSet};

use crate::tarballs::{
    TarballEntry, TarballInventory, TarballStatus, Visibility, VisibilityStatus,
};

/// What the console derives from one tarball inventory.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TarballIndex {
    /// Indices into `entries`: by name, newest first (before any filter).
    pub order: Vec<usize>,
    /// Per entry: the visibility problems (missing, size differs, error) of
    /// its file, in the report's order.
    pub problems: Vec<Vec<Visibility>>,
    /// Runners that were asked (not skipped).
    pub runners: usize,
}

impl TarballIndex {
    /// Was this index built from `inv`? A cheap guard (the entry count) for
    /// an inventory assigned without `App::set_tarballs`.
    pub fn fits(&self, inv: &TarballInventory) -> bool {
        self.order.len() == inv.entries.len() && self.problems.len() == inv.entries.len()
    }
}

pub fn tarball_index(inv: &TarballInventory) -> TarballIndex {
    let all: Vec<usize> = (0..inv.entries.len()).collect();
    let (runners, by_file) = seen(inv, &all);
    let problems = inv
        .entries
        .iter()
        .map(|e| {
            by_file
                .get(e.file.as_str())
                .map(|v| v.iter().map(|&v| v.clone()).collect())
                .unwrap_or_default()
        })
        .collect();
    TarballIndex {
        order: sorted(inv, |_| true),
        problems,
        runners,
    }
}

/// The entries `keep` accepts, by name, newest first, then by file name.
pub fn sorted(inv: &TarballInventory, keep: impl Fn(&TarballEntry) -> bool) -> Vec<usize> {
    // The inventory lists files by file name, so a name's versions are usually
    // together, oldest first: reversing each run of one name usually gives the
    // final order already, which the sort then only confirms in one pass.
    type Key<'a> = (
        Option<&'a str>,
        std::cmp::Reverse<Option<u64>>,
        &'a str,
        usize,
    );
    let mut keys: Vec<Key<'_>> = Vec::with_capacity(inv.entries.len());
    let mut run_start = 0;
    for (i, e) in inv.entries.iter().enumerate() {
        if !keep(e) {
            continue;
        }
        let key = (
            e.name.as_deref(),
            std::cmp::Reverse(e.timestamp),
            e.file.as_str(),
            i,
        );
        if keys.last().is_some_and(|last: &Key<'_>| last.0 != key.0) {
            keys[run_start..].reverse();
            run_start = keys.len();
        }
        keys.push(key);
    }
    keys[run_start..].reverse();
    keys.sort_unstable();
    keys.into_iter().map(|(_, _, _, i)| i).collect()
}

fn is_problem(status: VisibilityStatus) -> bool {
    !matches!(
        status,
        VisibilityStatus::Visible | VisibilityStatus::Skipped
    )
}

type ByFile<'a> = HashMap<&'a str, Vec<&'a Visibility>>;

/// How many Runners were asked, and the problems of the files of `wanted`.
/// The engine lays the visibility list out Runner-major over the latest files
/// in entry order (`visibility[runner * L + k]`); when it is laid out so
/// (checked on every entry read), entries are read by position. Otherwise one
/// pass over the list does it.
fn seen<'a>(inv: &'a TarballInventory, wanted: &[usize]) -> (usize, ByFile<'a>) {
    let latest: Vec<usize> = (0..inv.entries.len())
        .filter(|&i| {
            let e = &inv.entries[i];
            e.status == TarballStatus::Latest && e.file_hex.is_none()
        })
        .collect();
    let l = latest.len();
    let vis = &inv.visibility;
    if l > 0 && vis.len().is_multiple_of(l) {
        let r = vis.len() / l;
        let at = |runner: usize, k: usize| &vis[runner * l + k];
        let laid_out = (0..r).all(|runner| {
            at(runner, 0).file == inv.entries[latest[0]].file
                && at(runner, l - 1).file == inv.entries[latest[l - 1]].file
        });
        if laid_out {
            let mut by_file: ByFile<'a> = HashMap::new();
            let mut fine = true;
            for &i in wanted {
                let Ok(k) = latest.binary_search(&i) else {
                    continue;
                };
                let file = inv.entries[i].file.as_str();
                for runner in 0..r {
                    let v = at(runner, k);
                    fine &= v.file == file;
                    if is_problem(v.status) {
                        by_file.entry(file).or_default().push(v);
                    }
                }
            }
            if fine {
                let runners = (0..r)
                    .filter(|&runner| at(runner, 0).status != VisibilityStatus::Skipped)
                    .count();
                return (runners, by_file);
            }
        }
    }
    let files: HashSet<&str> = wanted
        .iter()
        .map(|&i| inv.entries[i].file.as_str())
        .collect();
    let mut runners = 0;
    let mut by_file: ByFile<'a> = HashMap::new();
    let mut last: Option<&str> = None;
    for v in vis {
        if v.status != VisibilityStatus::Skipped && last != Some(v.runner.as_str()) {
            runners += 1;
            last = Some(v.runner.as_str());
        }
        if is_problem(v.status) && files.contains(v.file.as_str()) {
            by_file.entry(v.file.as_str()).or_default().push(v);
        }
    }
    (runners, by_file)
}
