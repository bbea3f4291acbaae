//! Hand-built verification results for unit tests: each node is put on a
//! "storage" and the cells follow from where the nodes really are, the way the
//! engine would fill them.

use std::collections::HashMap;

use crate::facts::AccessErrorKind;
use crate::verify::{
    BenchResult, Cell, CellStatus, Cleanup, VerifyReport, WriteOutcome, WriteStatus,
};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    /// Writes and reads on the named storage.
    On(&'static str),
    /// On the named storage, but its writes are skipped (`read_only = true` or EROFS).
    ReadOnly(&'static str),
    /// Its storage hangs: the write and every read time out.
    Hung,
    /// Not reached over SSH: everything skipped.
    Unreachable,
}

pub(crate) struct Sim {
    pub nodes: Vec<(String, Node)>,
    /// Cells forced to a status (writer, reader) -> (status, detail).
    pub overrides: HashMap<(String, String), (CellStatus, String)>,
    pub io_bench: Option<Vec<BenchResult>>,
}

impl Sim {
    pub fn new(nodes: &[(&str, Node)]) -> Self {
        Self {
            nodes: nodes
                .iter()
                .map(|(n, k)| ((*n).to_owned(), k.clone()))
                .collect(),
            overrides: HashMap::new(),
            io_bench: None,
        }
    }

    pub fn with(mut self, writer: &str, reader: &str, status: CellStatus, detail: &str) -> Self {
        self.overrides.insert(
            (writer.to_owned(), reader.to_owned()),
            (status, detail.to_owned()),
        );
        self
    }

    pub fn names(&self) -> Vec<String> {
        self.nodes.iter().map(|(n, _)| n.clone()).collect()
    }

    pub fn cells(&self) -> Vec<Cell> {
        let mut out = Vec::new();
        for (i, (writer, wk)) in self.nodes.iter().enumerate() {
            for (j, (reader, rk)) in self.nodes.iter().enumerate() {
                let (status, detail, kind) = match (wk, rk) {
                    (Node::Unreachable, _) => (CellStatus::Skipped, "writer unreachable", None),
                    (_, Node::Unreachable) => (CellStatus::Skipped, "reader unreachable", None),
                    (Node::ReadOnly(_), _) => (CellStatus::Skipped, "read_only", None),
                    (Node::Hung, _) => (CellStatus::Skipped, "write failed", None),
                    (_, Node::Hung) => (
                        CellStatus::Error,
                        "read timed out",
                        Some(AccessErrorKind::Hung),
                    ),
                    (Node::On(a), Node::On(b) | Node::ReadOnly(b)) if a == b => {
                        (CellStatus::Ok, "", None)
                    }
                    _ => (CellStatus::Missing, "no such file", None),
                };
                let (status, detail) = match self.overrides.get(&(writer.clone(), reader.clone())) {
                    Some((s, d)) => (*s, d.clone()),
                    None => (status, detail.to_owned()),
                };
                out.push(Cell {
                    writer: writer.clone(),
                    reader: reader.clone(),
                    status,
                    visible_after_ms: (status == CellStatus::Ok).then_some(3 + (i * 7 + j) as u64),
                    detail: (!detail.is_empty()).then_some(detail),
                    error_kind: kind.filter(|_| status == CellStatus::Error),
                });
            }
        }
        out
    }

    pub fn writes(&self) -> Vec<WriteOutcome> {
        self.nodes
            .iter()
            .map(|(node, kind)| {
                let (status, detail, error_kind) = match kind {
                    Node::On(_) => (WriteStatus::Ok, None, None),
                    Node::ReadOnly(_) => (WriteStatus::Skipped, Some("read_only"), None),
                    Node::Hung => (
                        WriteStatus::Error,
                        Some("write timed out after 5 s"),
                        Some(AccessErrorKind::Hung),
                    ),
                    Node::Unreachable => (WriteStatus::Skipped, Some("unreachable"), None),
                };
                WriteOutcome {
                    node: node.clone(),
                    status,
                    detail: detail.map(str::to_owned),
                    error_kind,
                }
            })
            .collect()
    }

    /// The report the engine would return, grouped by [`super::groups`].
    pub fn report(&self) -> VerifyReport {
        let matrix = self.cells();
        let grouping = super::groups(&self.names(), &matrix);
        VerifyReport {
            run_id: "20261126T045600Z-3f9a".to_owned(),
            deadline_ms: 5000,
            matrix,
            groups: grouping.groups,
            shared: grouping.shared,
            split: grouping.split,
            writes: self.writes(),
            io_bench: self.io_bench.clone(),
            cleanup: Cleanup {
                complete: true,
                stale_runs_removed: 0,
                problems: vec![],
            },
        }
    }
}

pub(crate) fn bench(node: &str, write: Option<f64>, read: Option<f64>) -> BenchResult {
    BenchResult {
        node: node.to_owned(),
        write_mbps: write,
        read_mbps: read,
        error: None,
    }
}
