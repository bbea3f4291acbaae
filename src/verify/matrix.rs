//! Grouping the verification matrix into sets of nodes that share storage (pure).
//! PLACEHOLDER body: the verify-analysis branch implements it.

use super::Cell;

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

/// Group `nodes` (config order; only nodes that took part) by the `matrix` cells.
pub fn groups(nodes: &[String], matrix: &[Cell]) -> Grouping {
    let _ = matrix;
    Grouping {
        groups: nodes.iter().map(|n| vec![n.clone()]).collect(),
        shared: None,
        split: false,
    }
}
