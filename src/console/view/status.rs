//! A node's status, from its facts and the findings that name it: what the
//! header counts and the Mounts pane's status column shows.

use ratatui::style::Style;

use crate::diagnose::Severity;
use crate::facts::NodeErrorKind;

use super::super::state::{NodePhase, NodeRow};
use super::super::theme::Theme;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeStatus {
    /// No facts yet, and no sweep working on it.
    Pending,
    /// No facts yet; a sweep is connecting or probing.
    Loading,
    Ok,
    Warn,
    Fail,
    Unreachable,
}

/// `worst`: the worst severity among the findings naming the node. Old facts
/// count while a new sweep runs: the row keeps its last known status.
pub fn node_status(row: &NodeRow, worst: Option<Severity>) -> NodeStatus {
    let Some(facts) = &row.facts else {
        return match row.phase {
            NodePhase::Connecting | NodePhase::Probing => NodeStatus::Loading,
            NodePhase::Pending | NodePhase::Done => NodeStatus::Pending,
        };
    };
    let unreachable = !facts.reachable
        || facts.error.as_ref().map(|e| e.kind) == Some(NodeErrorKind::Unreachable);
    if unreachable {
        return NodeStatus::Unreachable;
    }
    if facts.error.is_some() {
        return NodeStatus::Fail;
    }
    match worst {
        Some(Severity::Critical) => NodeStatus::Fail,
        Some(Severity::Warning) => NodeStatus::Warn,
        Some(Severity::Info) | None => NodeStatus::Ok,
    }
}

impl NodeStatus {
    /// Symbol and word: the status reads the same without colour.
    pub fn label(self) -> &'static str {
        match self {
            NodeStatus::Pending => "· pending",
            NodeStatus::Loading => "… probing",
            NodeStatus::Ok => "✔ ok",
            NodeStatus::Warn => "▲ warn",
            NodeStatus::Fail => "✖ fail",
            NodeStatus::Unreachable => "? unreachable",
        }
    }

    pub fn style(self, theme: Theme) -> Style {
        match self {
            NodeStatus::Pending | NodeStatus::Loading => theme.pending(),
            NodeStatus::Ok => theme.ok(),
            NodeStatus::Warn => theme.warn(),
            NodeStatus::Fail => theme.crit(),
            NodeStatus::Unreachable => theme.unknown(),
        }
    }
}

/// Node counts for the header.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub ok: usize,
    pub warn: usize,
    pub fail: usize,
    pub unreachable: usize,
    pub pending: usize,
}

pub fn counts(statuses: &[NodeStatus]) -> Counts {
    let mut c = Counts::default();
    for s in statuses {
        match s {
            NodeStatus::Ok => c.ok += 1,
            NodeStatus::Warn => c.warn += 1,
            NodeStatus::Fail => c.fail += 1,
            NodeStatus::Unreachable => c.unreachable += 1,
            NodeStatus::Pending | NodeStatus::Loading => c.pending += 1,
        }
    }
    c
}
