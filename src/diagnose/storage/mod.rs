//! Storage-kind rules: `mount_options` (the per-kind mount-option audit),
//! `credentials_in_fstab` and `layout_mode`. Each finding's text comes from the
//! catalogue (hints/families/storage_kinds.rs); the evidence lists each problem.

pub mod audit;
pub mod kind;
pub mod layout;
pub mod line;
#[cfg(test)]
mod tests;

pub use audit::{Audit, Problem};
pub use kind::{StorageKind, classify};

use super::hints::Vars;
use super::{Code, Finding};
use crate::facts::NodeFacts;

/// The kind and the audit of the mount holding a node's SHARED_DIR, when the
/// probe found one.
pub fn node_audit(node: &NodeFacts) -> Option<Audit> {
    let probe = node.probe.as_ref()?;
    let mount = probe.mount.as_ref()?;
    let fstab = probe
        .persistence
        .as_ref()
        .and_then(|p| p.fstab_entry.as_ref());
    let kind = classify(mount, fstab);
    Some(audit::audit(kind, mount, fstab))
}

/// The storage-kind findings of one node.
pub(super) fn findings(node: &NodeFacts) -> Vec<Finding> {
    let Some(probe) = node.probe.as_ref() else {
        return Vec::new();
    };
    if node.error.is_some() {
        return Vec::new();
    }
    let mut out = Vec::new();
    // A missing SHARED_DIR is path_missing; the mount it would live on is not
    // judged for it.
    let audited = probe.exists.then(|| node_audit(node)).flatten();
    if let (Some(mount), Some(a)) = (probe.mount.as_ref(), audited) {
        let vars = Vars::for_node(node).with("fstab_line", &a.corrected);
        if !a.problems.is_empty() {
            let keys: Vec<&str> = a.problems.iter().map(|p| p.key).collect();
            let title = format!("{} mount options: {}", a.kind.label(), keys.join(", "));
            let mut f = Finding::catalogued(Code::MountOptions, &node.name, title, &vars);
            for p in &a.problems {
                f = f.with_evidence(p.text.clone());
            }
            for n in &a.notes {
                f = f.with_evidence(format!("note: {n}"));
            }
            out.push(f);
        }
        let fstab = probe
            .persistence
            .as_ref()
            .and_then(|p| p.fstab_entry.as_ref());
        if line::is_smb(a.kind, fstab) && line::has_password(fstab) {
            let line = line::credentials_line(a.kind, mount, fstab);
            let server = line::credentials_server(mount, fstab).unwrap_or_default();
            let vars = vars.with("fstab_line", &line).with("server", &server);
            // Without an fstab line the entry came from the mount unit, which is
            // just as world-readable.
            let place = match probe.persistence.as_ref() {
                Some(p) if !p.fstab => p
                    .mount_unit
                    .as_deref()
                    .map_or_else(|| "/etc/fstab".to_owned(), |u| format!("mount unit {u}")),
                _ => "/etc/fstab".to_owned(),
            };
            let f = Finding::catalogued(
                Code::CredentialsInFstab,
                &node.name,
                format!("SMB password in {place} for {}", mount.target),
                &vars,
            );
            out.push(f.with_evidence(format!(
                "the {place} line for {} has a password option (its value was redacted on the node)",
                mount.target
            )));
        }
    }
    let modes = layout::audit(&probe.layout);
    if !modes.is_empty() {
        let vars = Vars::for_node(node);
        let folders: Vec<&str> = modes.iter().map(|m| m.folder).collect();
        let title = format!(
            "KohakuRiver folder modes in {}: {}",
            node.shared_dir,
            folders.join(", ")
        );
        let mut f = Finding::catalogued(Code::LayoutMode, &node.name, title, &vars);
        // Only the commands for the folders that are off.
        f.commands
            .retain(|c| folders.iter().any(|d| c.ends_with(&format!("/{d}"))));
        for m in &modes {
            f = f.with_evidence(m.text.clone());
        }
        out.push(f);
    }
    out
}
