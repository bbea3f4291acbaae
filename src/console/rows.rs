//! Which rows each pane shows, in which order, after the filter and folding.
//! Shared by `update` (cursor bounds, what Enter / space / x act on) and `view`
//! (what it draws), so the two always agree.
//!
//! CONTRACT: signatures are shared; the view owner may refine how rows are
//! ordered and what "identical" means for folding.

use super::index::sorted;
use super::state::{App, NodePhase, Pane};
use crate::report::nodeset;

/// One row of the Mounts pane: one node, or several identical nodes folded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountRow {
    /// Indices into `App::nodes`, in config order; the first is the row's node.
    pub nodes: Vec<usize>,
    /// `runner-01` or, folded, `runner-[01-08]`.
    pub label: String,
}

fn matches(filter: &str, text: &str) -> bool {
    filter.is_empty() || text.to_lowercase().contains(&filter.to_lowercase())
}

/// What two nodes must share to fold into one row: everything shown except the
/// name, the address and the round-trip time.
fn fold_key(app: &App, i: usize) -> String {
    let row = &app.nodes[i];
    let facts = row.facts.as_ref().map(|f| {
        let mut f = f.clone();
        f.name.clear();
        f.address.clear();
        f.rtt_ms = None;
        if let Some(probe) = f.probe.as_mut() {
            probe.hostname = None;
        }
        format!("{f:?}")
    });
    format!(
        "{:?}|{:?}|{}|{:?}",
        row.role, row.phase, row.shared_dir, facts
    )
}

pub fn mount_rows(app: &App) -> Vec<MountRow> {
    let filter = &app.filters[0].text;
    let visible: Vec<usize> = (0..app.nodes.len())
        .filter(|&i| {
            let n = &app.nodes[i];
            matches(filter, &n.name)
                || matches(filter, &n.address)
                || matches(filter, &n.shared_dir)
        })
        .collect();
    if !app.fold {
        return visible
            .into_iter()
            .map(|i| MountRow {
                nodes: vec![i],
                label: app.nodes[i].name.clone(),
            })
            .collect();
    }
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for i in visible {
        // Nodes still loading never fold: each shows its own progress.
        let key = if app.nodes[i].phase == NodePhase::Done {
            fold_key(app, i)
        } else {
            format!("#{i}")
        };
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, members)) => members.push(i),
            None => groups.push((key, vec![i])),
        }
    }
    groups
        .into_iter()
        .map(|(_, nodes)| {
            let names: Vec<&str> = nodes.iter().map(|&i| app.nodes[i].name.as_str()).collect();
            MountRow {
                label: nodeset::fold(&names),
                nodes,
            }
        })
        .collect()
}

/// Writer rows of the Verify pane: indices into `App::nodes`.
pub fn verify_rows(app: &App) -> Vec<usize> {
    let filter = &app.filters[1].text;
    (0..app.nodes.len())
        .filter(|&i| matches(filter, &app.nodes[i].name))
        .collect()
}

/// Tarball rows: indices into `App::tarballs.entries`, by name, newest first.
pub fn tarball_rows(app: &App) -> Vec<usize> {
    let Some(inv) = &app.tarballs else {
        return Vec::new();
    };
    let filter = &app.filters[2].text;
    let keep = |e: &crate::tarballs::TarballEntry| {
        matches(filter, &e.file) || matches(filter, &format!("{:?}", e.status))
    };
    // The order is sorted once when the inventory arrives (`App::set_tarballs`).
    match &app.tarball_index {
        Some(index) if index.fits(inv) => {
            if filter.is_empty() {
                index.order.clone()
            } else {
                index
                    .order
                    .iter()
                    .copied()
                    .filter(|&i| keep(&inv.entries[i]))
                    .collect()
            }
        }
        _ => sorted(inv, keep),
    }
}

/// Disk-usage rows of the Tarballs & usage pane: indices into the last usage
/// report's entries (largest first, as the walk orders them), by the pane's filter.
pub fn usage_rows(app: &App) -> Vec<usize> {
    let Some(report) = &app.usage.report else {
        return Vec::new();
    };
    let filter = &app.filters[2].text;
    (0..report.entries.len())
        .filter(|&i| matches(filter, &report.entries[i].path))
        .collect()
}

/// One row of the Tarballs & usage pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TarballsRow {
    /// An index into the inventory's entries.
    File(usize),
    /// An index into the usage report's entries.
    Usage(usize),
}

/// Row `sel` of the Tarballs & usage pane: the tarball files come first, then
/// the usage entries (below them, so a walk that lands never moves the selection
/// off the file it was on).
pub fn tarballs_pane_row(app: &App, sel: usize) -> Option<TarballsRow> {
    let files = tarball_rows(app);
    if let Some(&i) = files.get(sel) {
        return Some(TarballsRow::File(i));
    }
    usage_rows(app)
        .get(sel - files.len())
        .map(|&i| TarballsRow::Usage(i))
}

/// Hint rows: indices into `App::findings` (already worst first).
pub fn hint_rows(app: &App) -> Vec<usize> {
    let filter = &app.filters[3].text;
    (0..app.findings.len())
        .filter(|&i| {
            let f = &app.findings[i];
            matches(filter, f.code.as_str())
                || matches(filter, &f.title)
                || f.nodes.iter().any(|n| matches(filter, n))
        })
        .collect()
}

pub fn row_count(app: &App, pane: Pane) -> usize {
    match pane {
        Pane::Mounts => mount_rows(app).len(),
        Pane::Verify => verify_rows(app).len(),
        Pane::Tarballs => tarball_rows(app).len() + usage_rows(app).len(),
        Pane::Hints => hint_rows(app).len(),
    }
}
