//! Verification's write phase, started by the mount probe: each node writes its
//! token on a channel beside its probe, in the same round trip, so that
//! verification needs only two more after the mount phase (the reads, then the
//! clean-up) instead of three.
//!
//! The write script decides nothing from the probe and needs nothing from it:
//! it makes its folders with plain `mkdir` (no `-p`: a missing SHARED_DIR is
//! never created), and every step that touches the share runs under its own
//! timeout. What the probe's facts decide (a node that must not take part) is
//! applied afterwards by [`reconcile`], so the report names the same reasons as
//! when the write ran after the probe, and whatever was written is cleaned up.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use super::{Plan, Written};
use crate::config::Node;
use crate::sweep::Fleet;
use crate::verify::{WriteStatus, script};

/// The tokens written during the mount phase of one sweep, by node name.
pub struct EarlyWrites {
    run_id: String,
    done: Mutex<HashMap<String, (String, Written)>>,
}

impl Default for EarlyWrites {
    fn default() -> Self {
        Self::new()
    }
}

impl EarlyWrites {
    /// A new verification run (its id names the run folder on the share).
    pub fn new() -> Self {
        EarlyWrites {
            run_id: script::new_run_id(),
            done: Mutex::new(HashMap::new()),
        }
    }

    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    /// How many nodes wrote (or tried to) so far.
    pub fn len(&self) -> usize {
        self.done
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(super) fn into_parts(self) -> (String, HashMap<String, (String, Written)>) {
        let done = self
            .done
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        (self.run_id, done)
    }
}

impl Fleet {
    /// Write `node`'s token for `early`'s run now (the probe of the same node
    /// runs beside it). Nothing in read-only mode, whose verification writes
    /// nothing; a node with no entry afterwards is written, or skipped, by
    /// verification itself as before.
    pub(crate) async fn write_early(&self, node: &Node, early: &EarlyWrites) {
        if self.config.read_only {
            return;
        }
        let token = script::new_token(&early.run_id, &node.name);
        let written = self
            .write_node(node, &Plan::default(), &early.run_id, &token, &|_| {})
            .await;
        early
            .done
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(node.name.clone(), (token, written));
    }
}

/// An early write seen through the plan the probe's facts gave: a node the
/// plan keeps out is reported skipped for the plan's reason (its token is not
/// read; what it wrote is cleaned up). Otherwise the write stands, and the
/// node reads unless the write or the plan says not to.
pub(super) fn reconcile(w: Written, plan: &Plan) -> Written {
    match &plan.write_skip {
        Some(reason) => Written {
            outcome: crate::verify::WriteOutcome {
                status: WriteStatus::Skipped,
                detail: Some(reason.clone()),
                error_kind: None,
                ..w.outcome
            },
            read_skip: plan.read_skip.clone().or(w.read_skip),
            ..w
        },
        None => Written {
            read_skip: w.read_skip.or_else(|| plan.read_skip.clone()),
            ..w
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::AccessErrorKind;
    use crate::verify::WriteOutcome;

    fn written(status: WriteStatus, read_skip: Option<&str>) -> Written {
        Written {
            outcome: WriteOutcome {
                node: "runner-1".into(),
                status,
                detail: (status != WriteStatus::Ok).then(|| "mkdir: Read-only file system".into()),
                error_kind: (status != WriteStatus::Ok).then_some(AccessErrorKind::ReadOnly),
            },
            ran: true,
            stale_removed: 2,
            problem: None,
            read_skip: read_skip.map(String::from),
        }
    }

    #[test]
    fn the_plan_has_the_last_word_and_what_was_written_is_still_cleaned_up() {
        let plan = Plan::both("path missing");
        let w = reconcile(written(WriteStatus::Ok, None), &plan);
        assert_eq!(w.outcome.status, WriteStatus::Skipped);
        assert_eq!(w.outcome.detail.as_deref(), Some("path missing"));
        assert_eq!(w.outcome.error_kind, None);
        assert_eq!(w.outcome.node, "runner-1");
        assert!(w.ran, "it ran: its folder is cleaned up");
        assert_eq!(w.stale_removed, 2);
        assert_eq!(w.read_skip.as_deref(), Some("path missing"));
    }

    #[test]
    fn a_read_only_node_is_skipped_as_read_only_and_still_reads() {
        let plan = Plan {
            write_skip: Some("read_only".into()),
            read_skip: None,
        };
        let w = reconcile(written(WriteStatus::Error, None), &plan);
        assert_eq!(
            (w.outcome.status, w.outcome.detail.as_deref()),
            (WriteStatus::Skipped, Some("read_only"))
        );
        assert_eq!(w.read_skip, None);
    }

    #[test]
    fn without_a_plan_to_skip_the_write_stands() {
        let w = reconcile(
            written(WriteStatus::Error, Some("storage hung")),
            &Plan::default(),
        );
        assert_eq!(w.outcome.status, WriteStatus::Error);
        assert_eq!(w.read_skip.as_deref(), Some("storage hung"));
        let w = reconcile(written(WriteStatus::Ok, None), &Plan::default());
        assert_eq!((w.outcome.status, w.read_skip), (WriteStatus::Ok, None));
    }
}
