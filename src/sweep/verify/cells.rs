//! Filling the matrix from the write and read phases.

use super::Written;
use crate::config::Node;
use crate::facts::{AccessErrorKind, NodeError, NodeErrorKind};
use crate::verify::parse::ReadParsed;
use crate::verify::{Cell, CellStatus, WriteStatus};

/// Every (writer, reader) cell, writers and readers in config order.
pub(super) fn build_cells(
    nodes: &[Node],
    written: &[Written],
    reads: &[Option<Result<Vec<ReadParsed>, NodeError>>],
    ok_writers: &[usize],
    read_only_mode: bool,
) -> Vec<Cell> {
    let mut cells = Vec::with_capacity(nodes.len() * nodes.len());
    for (wi, writer) in nodes.iter().enumerate() {
        for (ri, reader) in nodes.iter().enumerate() {
            let mut cell = Cell {
                writer: writer.name.clone(),
                reader: reader.name.clone(),
                status: CellStatus::Skipped,
                visible_after_ms: None,
                detail: None,
                error_kind: None,
            };
            let w = &written[wi].outcome;
            if read_only_mode {
                cell.detail = Some("read_only mode".into());
            } else if w.status != WriteStatus::Ok {
                let reason = match w.status {
                    WriteStatus::Skipped => w.detail.as_deref().unwrap_or("skipped"),
                    _ => "write failed",
                };
                cell.detail = Some(format!("writer {reason}"));
            } else if let Some(reason) = &written[ri].read_skip {
                cell.detail = Some(format!("reader {reason}"));
            } else {
                let at = ok_writers.iter().position(|&i| i == wi);
                match (&reads[ri], at) {
                    (Some(Ok(parsed)), Some(k)) if k < parsed.len() => {
                        let p = &parsed[k];
                        cell.status = p.status;
                        cell.visible_after_ms = p.visible_after_ms;
                        cell.detail = p.detail.clone();
                        cell.error_kind = p.error_kind;
                    }
                    (Some(Err(e)), _) => {
                        cell.status = CellStatus::Error;
                        cell.detail = Some(e.detail.clone());
                        cell.error_kind = Some(if e.kind == NodeErrorKind::CommandTimeout {
                            AccessErrorKind::Hung
                        } else {
                            AccessErrorKind::Other
                        });
                    }
                    _ => {
                        cell.status = CellStatus::Error;
                        cell.detail = Some("no read result for this token".into());
                        cell.error_kind = Some(AccessErrorKind::Other);
                    }
                }
            }
            cells.push(cell);
        }
    }
    cells
}
