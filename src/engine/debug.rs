//! The read-only debug commands of a finding (`findmnt`, `mount | grep`,
//! `showmount -e SERVER`, `ls -la`, `df -h`, `stat`), run on the nodes the
//! finding names, each under `timeout -k`, `findmnt` first. Nothing here ever
//! changes a node: commands that would (`umount`, `mount`, `chmod`) are only
//! shown, in the finding's own `commands`.

use serde::{Deserialize, Serialize};

/// The commands to run on one node for one finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DebugTarget {
    pub node: String,
    /// Shell text shown to the operator and run on the node, in order. Built
    /// only from an allow-list of read-only programs; paths are `sh_quote`d.
    pub commands: Vec<String>,
}

/// What one debug command printed on one node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DebugOutput {
    pub node: String,
    pub command: String,
    /// stdout then stderr, lossy UTF-8, capped.
    pub output: String,
    /// The command's exit status; `None` when it did not finish.
    pub exit_status: Option<i32>,
    /// It hit its timeout (the storage is probably hung).
    pub timed_out: bool,
}

use crate::diagnose::Finding;
use crate::facts::NodeFacts;

/// The read-only debug commands for `finding`, one target per affected node
/// that can run them (reachable, probed). Pure.
pub fn targets(finding: &Finding, facts: &[NodeFacts]) -> Vec<DebugTarget> {
    // Filled in by the engine work; the console only depends on the signature.
    let _ = (finding, facts);
    Vec::new()
}
