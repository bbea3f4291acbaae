//! Diagnosis: a pure function from facts to findings.
//!
//! Every finding has a stable [`Code`], a severity, the nodes it concerns
//! (identical findings are grouped), a title, a one-paragraph hint and the exact
//! commands that investigate or fix it, with the node's real path filled in.

mod catalogue;
mod cluster;
pub mod hints;
mod kohakuriver;
mod node;
pub mod storage;
#[cfg(test)]
pub(crate) mod tarball_fixture;
mod tarballs;
mod usage;
mod verify;

pub use catalogue::{Code, Severity};
pub use usage::with_usage;

use serde::{Deserialize, Serialize};

use crate::facts::NodeFacts;
use crate::tarballs::TarballInventory;
use crate::verify::VerifyReport;

/// What diagnosis needs to know beyond the facts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Policy {
    pub min_free_bytes: u64,
    /// Below this speed-test result a node gets `slow_storage`.
    pub slow_io_mbps: f64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    pub nodes: Vec<String>,
    pub title: String,
    /// Why it matters, in KohakuRiver terms (the catalogue's text).
    #[serde(default)]
    pub why: String,
    /// The fix, in prose, with this node's values.
    pub hint: String,
    /// Read-only commands that investigate it (the console's `x` runs these).
    #[serde(default)]
    pub debug_commands: Vec<String>,
    /// State-changing commands that fix it: only ever shown, never run.
    pub commands: Vec<String>,
    /// Per-node raw evidence (`runner-2: touch: ...: Read-only file system`).
    /// Not part of the grouping key: nodes with the same problem group even when
    /// their messages differ in detail.
    pub evidence: Vec<String>,
}

impl Finding {
    /// A finding for `node` whose why, fix and commands all come from the
    /// catalogue entry of `code`, filled with `vars` (commands naming a value
    /// `vars` lacks are left out).
    pub(crate) fn catalogued(
        code: Code,
        node: &str,
        title: impl Into<String>,
        vars: &hints::Vars,
    ) -> Self {
        let entry = hints::entry(code);
        Self {
            code,
            severity: code.severity(),
            nodes: vec![node.to_owned()],
            title: title.into(),
            why: entry.map_or_else(String::new, |e| vars.fill_text(e.why)),
            hint: entry.map_or_else(String::new, |e| vars.fill_text(e.fix)),
            debug_commands: entry.map_or_else(Vec::new, |e| vars.commands(e.debug)),
            commands: entry.map_or_else(Vec::new, |e| vars.commands(e.fix_commands)),
            evidence: Vec::new(),
        }
    }

    /// Puts what this finding knows beyond the catalogue (a role's consequence,
    /// the groups verification found) in front of the catalogue's fix.
    fn refine(mut self, detail: impl AsRef<str>) -> Self {
        let detail = detail.as_ref().trim();
        if !detail.is_empty() {
            self.hint = if self.hint.is_empty() {
                detail.to_owned()
            } else {
                format!("{detail} {}", self.hint)
            };
        }
        self
    }

    fn with_evidence(mut self, evidence: impl Into<String>) -> Self {
        let evidence = evidence.into();
        if !evidence.is_empty() {
            self.evidence
                .push(format!("{}: {}", self.nodes.join(","), evidence));
        }
        self
    }

    fn same_problem(&self, other: &Finding) -> bool {
        self.code == other.code
            && self.severity == other.severity
            && self.title == other.title
            && self.why == other.why
            && self.hint == other.hint
            && self.debug_commands == other.debug_commands
            && self.commands == other.commands
    }
}

/// Turn the facts of every node into grouped findings, worst first.
pub fn diagnose(nodes: &[NodeFacts], policy: Policy) -> Vec<Finding> {
    diagnose_with(nodes, None, None, policy)
}

/// As [`diagnose`], judged also by the verification matrix when there is one
/// (it is the ground truth for `not_shared` and the severity of `not_mounted`),
/// plus the container tarball findings when the inventory ran.
pub fn diagnose_with(
    nodes: &[NodeFacts],
    verify: Option<&VerifyReport>,
    tarballs: Option<&TarballInventory>,
    policy: Policy,
) -> Vec<Finding> {
    let mut all: Vec<Finding> = nodes
        .iter()
        .flat_map(|facts| node::findings(facts, nodes, policy))
        .collect();
    all.extend(nodes.iter().flat_map(storage::findings));
    all.extend(cluster::findings(nodes));
    all.extend(kohakuriver::findings(nodes));
    if let Some(verify) = verify {
        verify::apply(nodes, verify, policy, &mut all);
    }
    if let Some(inventory) = tarballs {
        all.extend(tarballs::findings(nodes, inventory));
    }
    group(all)
}

fn group(findings: Vec<Finding>) -> Vec<Finding> {
    let mut grouped: Vec<Finding> = Vec::new();
    for finding in findings {
        match grouped.iter_mut().find(|g| g.same_problem(&finding)) {
            Some(existing) => {
                for node in finding.nodes {
                    if !existing.nodes.contains(&node) {
                        existing.nodes.push(node);
                    }
                }
                existing.evidence.extend(finding.evidence);
            }
            None => grouped.push(finding),
        }
    }
    grouped.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.code.cmp(&b.code))
            .then_with(|| a.nodes.cmp(&b.nodes))
    });
    grouped
}

/// The worst severity among the findings, if any.
pub fn worst(findings: &[Finding]) -> Option<Severity> {
    findings.iter().map(|f| f.severity).max()
}

#[cfg(test)]
mod tests;
