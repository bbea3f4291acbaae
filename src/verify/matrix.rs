//! Grouping the verification matrix into sets of nodes that share storage (pure).
//!
//! # The relation
//! Between two different nodes A and B there are two directions, A→B (B reads
//! A's token) and B→A. A direction is *attempted* unless its cell is `skipped`
//! (the writer did not write: `read_only`, a failed write, an unreachable node).
//!
//! - A and B **conflict** when an attempted cell between them is not `ok`
//!   (`missing`, `mismatch`, `error`): they cannot be on the same storage.
//! - A and B are **confirmed** when a cell between them is `ok`.
//! - A **fits** a group when it conflicts with no member and is confirmed with at
//!   least one member. Requiring confirmation with *every* member would wrongly
//!   split two read-only nodes apart: neither writes, so nothing between them can
//!   be attempted; each reading the group's tokens proves they are on its storage.
//!
//! # Who can be in a group
//! A node takes part when it has at least one `ok` cell (as writer or reader,
//! its own diagonal included) and its own diagonal did not fail. A node whose
//! every cell was skipped (unreachable, path missing) or that cannot even read
//! back its own token (hung, broken) is in no group: it proves nothing. A node
//! that sees only itself is a group of one.
//!
//! # Building groups
//! Greedy and clique-like (never connected components: A seeing B and B seeing C
//! must not put A with C when A and C conflict). From every remaining node as a
//! seed, add the other remaining nodes in config order while they fit, repeating
//! until nothing more fits; keep the largest such group (ties: the earliest seed
//! in config order), remove its members, and start again.
//!
//! The largest group, when unique, is "the shared storage"; two or more groups
//! of the largest size are a split, and none of them can be trusted.

use std::collections::HashMap;

use super::{Cell, CellStatus};

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod tests;

/// Nodes that see each other, and which group (if any) is "the shared storage".
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Grouping {
    /// Largest first; ties in config order of their first member.
    pub groups: Vec<Vec<String>>,
    /// The largest group when it is unique.
    pub shared: Option<Vec<String>>,
    /// Two or more groups tie for largest.
    pub split: bool,
}

/// Index of the cells by (writer, reader).
pub struct Cells<'a> {
    by_pair: HashMap<(&'a str, &'a str), &'a Cell>,
}

impl<'a> Cells<'a> {
    pub fn new(matrix: &'a [Cell]) -> Self {
        Self {
            by_pair: matrix
                .iter()
                .map(|c| ((c.writer.as_str(), c.reader.as_str()), c))
                .collect(),
        }
    }

    pub fn get(&self, writer: &str, reader: &str) -> Option<&'a Cell> {
        self.by_pair.get(&(writer, reader)).copied()
    }

    fn status(&self, writer: &str, reader: &str) -> Option<CellStatus> {
        self.get(writer, reader).map(|c| c.status)
    }

    /// An attempted cell between `a` and `b` (either direction) is not `ok`.
    pub fn conflict(&self, a: &str, b: &str) -> bool {
        [self.status(a, b), self.status(b, a)]
            .into_iter()
            .flatten()
            .any(|s| !matches!(s, CellStatus::Ok | CellStatus::Skipped))
    }

    /// A cell between `a` and `b` (either direction) is `ok`.
    pub fn confirmed(&self, a: &str, b: &str) -> bool {
        self.status(a, b) == Some(CellStatus::Ok) || self.status(b, a) == Some(CellStatus::Ok)
    }

    /// The node's own token did not read back (attempted and not `ok`).
    pub fn self_failed(&self, node: &str) -> bool {
        matches!(
            self.status(node, node),
            Some(CellStatus::Missing | CellStatus::Mismatch | CellStatus::Error)
        )
    }

    /// Whether `node` can be in a group (see the module docs).
    pub fn takes_part(&self, node: &str, nodes: &[String]) -> bool {
        !self.self_failed(node)
            && nodes.iter().any(|other| {
                self.status(node, other) == Some(CellStatus::Ok)
                    || self.status(other, node) == Some(CellStatus::Ok)
            })
    }
}

/// Group `nodes` (config order; only nodes that took part) by the `matrix` cells.
pub fn groups(nodes: &[String], matrix: &[Cell]) -> Grouping {
    let cells = Cells::new(matrix);
    let mut remaining: Vec<&str> = nodes
        .iter()
        .filter(|n| cells.takes_part(n, nodes))
        .map(String::as_str)
        .collect();
    let mut groups: Vec<Vec<String>> = Vec::new();
    while !remaining.is_empty() {
        let mut best: Vec<&str> = Vec::new();
        for seed in &remaining {
            let group = grow(&cells, seed, &remaining);
            if group.len() > best.len() {
                best = group;
            }
        }
        remaining.retain(|n| !best.contains(n));
        groups.push(best.into_iter().map(str::to_owned).collect());
    }
    let position = |name: &String| nodes.iter().position(|n| n == name);
    groups.sort_by(|a, b| {
        b.len()
            .cmp(&a.len())
            .then_with(|| a.first().map(position).cmp(&b.first().map(position)))
    });
    let largest = groups.first().map_or(0, Vec::len);
    let split = groups.iter().filter(|g| g.len() == largest).count() > 1;
    Grouping {
        shared: if split { None } else { groups.first().cloned() },
        split,
        groups,
    }
}

/// The group grown from `seed`, members in config order (`candidates` is in config order).
fn grow<'a>(cells: &Cells<'_>, seed: &'a str, candidates: &[&'a str]) -> Vec<&'a str> {
    let mut members = vec![seed];
    loop {
        let before = members.len();
        for &candidate in candidates {
            if members.contains(&candidate) {
                continue;
            }
            let fits = members.iter().all(|m| !cells.conflict(candidate, m))
                && members.iter().any(|m| cells.confirmed(candidate, m));
            if fits {
                members.push(candidate);
            }
        }
        if members.len() == before {
            break;
        }
    }
    members.sort_by_key(|m| candidates.iter().position(|c| c == m));
    members
}
