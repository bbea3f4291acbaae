//! The hint catalogue: for every finding code, what it means in KohakuRiver
//! terms, the fix, the read-only commands that investigate it and the
//! state-changing commands that fix it (shown, never run).
//!
//! Texts and commands are templates naming their values as `{dir}`, `{server}`,
//! ... A finding fills them from its node's probe ([`Vars::for_node`]);
//! `rivershare explain` shows them as `<SHARED_DIR>`, `<SERVER>`, ...
//! ([`Vars::placeholders`]). One text serves the finding, `check` and `explain`.

pub mod explain;
mod families;
mod readonly;
mod vars;

pub use readonly::{is_read_only, runs_on_node};
pub use vars::{PLACEHOLDERS, Vars, has_rpcbind, plain_server, split_source, storage_port};

use super::Code;

/// The catalogue entry of one finding code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub code: Code,
    /// What is wrong, in a few words.
    pub title: &'static str,
    /// Why it matters in KohakuRiver terms.
    pub why: &'static str,
    /// The fix, in prose (a template).
    pub fix: &'static str,
    /// Read-only commands (templates): the console's `x` runs them.
    pub debug: &'static [&'static str],
    /// State-changing commands (templates): only ever shown.
    pub fix_commands: &'static [&'static str],
}

/// Every catalogue entry, family by family.
pub fn entries() -> impl Iterator<Item = &'static Entry> {
    families::ALL.iter().flat_map(|family| family.iter())
}

/// The catalogue entry of `code`, if the catalogue has one.
pub fn entry(code: Code) -> Option<&'static Entry> {
    families::ALL
        .iter()
        .flat_map(|family| family.iter())
        .find(|e| e.code == code)
}

#[cfg(test)]
mod golden;
#[cfg(test)]
mod tests;
