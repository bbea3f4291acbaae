//! Which Runners see the latest files on screen (see [`seen`]).

use std::collections::{HashMap, HashSet};

use crate::tarballs::{TarballInventory, TarballStatus, Visibility, VisibilityStatus};

/// What the Runners see of the files on screen, and how many Runners were
/// asked. The engine lays the visibility list out Runner-major over the latest
/// files in entry order (`visibility[runner * L + k]`); when it is laid out so
/// (checked on every entry read), only the on-screen files' entries are read:
/// 200 Runners × 1 000 names is 200 000 entries, too many to scan each frame.
/// Otherwise one full pass does it.
pub struct Seen<'a> {
    /// Runners that were asked (not skipped).
    pub runners: usize,
    /// Problems (missing, size differs, error) of the files on screen.
    pub by_file: HashMap<&'a str, Vec<&'a Visibility>>,
}

fn is_problem(status: VisibilityStatus) -> bool {
    !matches!(
        status,
        VisibilityStatus::Visible | VisibilityStatus::Skipped
    )
}

pub fn seen<'a>(inv: &'a TarballInventory, on_screen: &[usize]) -> Seen<'a> {
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
            let mut by_file: HashMap<&str, Vec<&Visibility>> = HashMap::new();
            let mut fine = true;
            for &i in on_screen {
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
                return Seen { runners, by_file };
            }
        }
    }
    let files: HashSet<&str> = on_screen
        .iter()
        .map(|&i| inv.entries[i].file.as_str())
        .collect();
    let mut s = Seen {
        runners: 0,
        by_file: HashMap::new(),
    };
    let mut last: Option<&str> = None;
    for v in vis {
        if v.status != VisibilityStatus::Skipped && last != Some(v.runner.as_str()) {
            s.runners += 1;
            last = Some(v.runner.as_str());
        }
        if is_problem(v.status) && files.contains(v.file.as_str()) {
            s.by_file.entry(v.file.as_str()).or_default().push(v);
        }
    }
    s
}
