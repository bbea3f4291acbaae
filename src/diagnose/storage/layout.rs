//! The modes of KohakuRiver's folders in SHARED_DIR, judged against who writes
//! each one (the security guide: `kohakuriver-containers/` 755, `shared_data/`
//! 1777, `logs/` writable by the Runners).
//!
//! Who is the writer: KohakuRiver's services and containers run as root. Root
//! writes whatever the mode says, unless the server squashes root to `nobody`
//! (NFS `root_squash`). The probe records each folder's mode and owner name, not
//! the export options, so root squashing is read from its trace: a KohakuRiver
//! folder owned by `nobody` (or `nfsnobody`, 65534) was created by a squashed
//! root. Only then can a mode keep the Runners out of `logs/`: it must be
//! writable by others, or owned by `nobody` and writable by its owner.

use crate::facts::{LAYOUT_DIRS, LayoutEntry};

/// Owner names a squashed root writes as.
fn squashed(owner: &str) -> bool {
    matches!(owner, "nobody" | "nfsnobody" | "65534" | "4294967294")
}

/// One folder whose mode or owner is off, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModeProblem {
    /// `kohakuriver-containers`, `shared_data` or `logs`.
    pub folder: &'static str,
    pub text: String,
}

/// Judge the layout the probe recorded. Missing folders and unreadable modes are
/// left to `layout_missing`.
pub fn audit(layout: &[LayoutEntry]) -> Vec<ModeProblem> {
    let squash = layout
        .iter()
        .any(|e| e.owner.as_deref().is_some_and(squashed));
    let mut out = Vec::new();
    for e in layout.iter().filter(|e| e.present) {
        let (Some(mode_text), Some(owner)) = (e.mode.as_deref(), e.owner.as_deref()) else {
            continue;
        };
        let Ok(mode) = u32::from_str_radix(mode_text, 8) else {
            continue;
        };
        let what = format!("{}/ is {mode_text} owned by {owner}", e.name);
        let text = match e.name.as_str() {
            "kohakuriver-containers" => containers(mode, owner, squash),
            "shared_data" => shared_data(mode),
            "logs" => logs(mode, owner, squash),
            _ => None,
        };
        let folder = LAYOUT_DIRS.iter().find(|d| **d == e.name);
        if let (Some(text), Some(folder)) = (text, folder) {
            out.push(ModeProblem {
                folder,
                text: format!("{what}: {text}"),
            });
        }
    }
    out
}

fn containers(mode: u32, owner: &str, squash: bool) -> Option<String> {
    if mode & 0o022 != 0 {
        let who = match (mode & 0o020 != 0, mode & 0o002 != 0) {
            (true, true) => "group- and world-writable",
            (true, false) => "group-writable",
            _ => "world-writable",
        };
        return Some(format!(
            "{who}: anyone who can write there can plant a tarball that every Runner loads \
             as a container image (the guide: 755, owner root)"
        ));
    }
    if owner != "root" && !(squash && squashed(owner)) {
        return Some(format!(
            "{owner} can replace the tarballs every Runner loads (the guide: 755, owner root)"
        ));
    }
    if squash && mode & 0o005 != 0o005 {
        return Some(
            "the share squashes root, so Runners read as nobody and cannot list the tarballs \
             (the guide: 755)"
                .to_owned(),
        );
    }
    None
}

fn shared_data(mode: u32) -> Option<String> {
    if mode & 0o002 == 0 {
        return Some(
            "not world-writable: tasks running as other users (or as a squashed root) cannot \
             write /shared (the guide: 1777)"
                .to_owned(),
        );
    }
    (mode & 0o1000 == 0).then(|| {
        "world-writable without the sticky bit: any task can delete another's files in /shared \
         (the guide: 1777)"
            .to_owned()
    })
}

fn logs(mode: u32, owner: &str, squash: bool) -> Option<String> {
    let writable = mode & 0o002 != 0 || (squashed(owner) && mode & 0o200 != 0);
    (squash && !writable).then(|| {
        "the share squashes root (KohakuRiver folders owned by nobody), so Runners write task \
         logs as nobody and cannot write here: task logs are lost"
            .to_owned()
    })
}
