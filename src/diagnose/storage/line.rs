//! The corrected `/etc/fstab` line: the node's own line (or one built from the
//! live mount) with only the audited options changed, in place.

use super::kind::StorageKind;
use crate::facts::{FstabEntry, MountInfo};
use crate::probe::parse::persist::is_secret_key;

/// The changes the audit wants to the fstab line's options: each new option
/// takes the place of the first option it replaces (so the line keeps its order),
/// or goes at the end.
#[derive(Default, Clone)]
pub(super) struct Edit {
    /// (option keys it replaces, the new option)
    changes: Vec<(Vec<&'static str>, String)>,
}

impl Edit {
    pub(super) fn set(&mut self, key: &'static str, aliases: &[&'static str], value: &str) {
        let mut keys = vec![key];
        keys.extend_from_slice(aliases);
        self.changes.push((keys, format!("{key}={value}")));
    }

    pub(super) fn flag(&mut self, flag: &'static str, replaces: &[&'static str]) {
        let mut keys = vec![flag];
        keys.extend_from_slice(replaces);
        self.changes.push((keys, flag.to_owned()));
    }

    pub(super) fn add(&mut self, option: String) {
        self.changes.push((Vec::new(), option));
    }

    /// `options` with every change applied.
    fn apply(&self, mut options: Vec<String>) -> Vec<String> {
        for (keys, new) in &self.changes {
            let hit = |o: &String| keys.iter().any(|k| k.eq_ignore_ascii_case(option_key(o)));
            match options.iter().position(hit) {
                Some(at) => {
                    options[at] = new.clone();
                    let mut i = at + 1;
                    while i < options.len() {
                        if hit(&options[i]) {
                            options.remove(i);
                        } else {
                            i += 1;
                        }
                    }
                }
                None if !options.contains(new) => options.push(new.clone()),
                None => {}
            }
        }
        options
    }
}

pub(super) fn option_key(option: &str) -> &str {
    option.split_once('=').map_or(option, |(k, _)| k)
}

/// Options the kernel reports that are not for an fstab line: addresses it
/// resolved, FUSE's internal ids, hidden secrets.
fn informational(option: &str) -> bool {
    let key = option_key(option);
    matches!(
        key,
        "addr" | "clientaddr" | "mountaddr" | "namlen" | "user_id" | "group_id"
    ) || option.ends_with("=<hidden>")
}

pub(super) fn corrected_line(
    kind: StorageKind,
    mount: &MountInfo,
    fstab: Option<&FstabEntry>,
    edit: &Edit,
) -> String {
    let (source, target, fstype, base, from_live) = match fstab {
        Some(e) => (
            e.source.clone(),
            e.target.clone(),
            e.fstype.clone(),
            e.options.clone(),
            false,
        ),
        None => {
            let (source, fstype) = match mount.fstype.as_str() {
                "fuse.glusterfs" => (mount.source.clone(), "glusterfs".to_owned()),
                "fuse.ceph-fuse" => ("none".to_owned(), "fuse.ceph".to_owned()),
                t => (mount.source.clone(), t.to_owned()),
            };
            let base = mount
                .options
                .iter()
                .filter(|o| !informational(o))
                .cloned()
                .collect();
            (source, mount.target.clone(), fstype, base, true)
        }
    };
    let smb = is_smb(kind, fstab);
    let mut edit = edit.clone();
    let mut base = base;
    if smb && has_password(fstab) {
        // Every spelling of the password key (mount.cifs matches the `pass` prefix).
        for o in &mut base {
            if o.contains('=') && is_secret_key(option_key(o)) {
                *o = "password=***".to_owned();
            }
        }
        // The password (and user name, domain) moves into a credentials file, in
        // the place of the first of them (see credentials_in_fstab).
        edit.changes.push((
            CREDENTIAL_KEYS.to_vec(),
            format!("credentials={}", credentials_path(mount, fstab)),
        ));
    }
    if from_live && mount.network {
        edit.add("_netdev".to_owned());
    }
    let options = edit.apply(base);
    format!(
        "{} {} {} {} 0 0",
        fstab_escape(&source),
        fstab_escape(&target),
        fstype,
        options.join(",")
    )
}

/// The fstab line with only the SMB password (and user name, domain) moved into
/// a credentials file.
pub fn credentials_line(
    kind: StorageKind,
    mount: &MountInfo,
    fstab: Option<&FstabEntry>,
) -> String {
    corrected_line(kind, mount, fstab, &Edit::default())
}

/// An SMB mount, by its kind or by its fstab line (a password in fstab matters
/// even while the share is not mounted).
pub fn is_smb(kind: StorageKind, fstab: Option<&FstabEntry>) -> bool {
    matches!(kind, StorageKind::Cifs | StorageKind::AzureFilesSmb)
        || fstab.is_some_and(|e| {
            matches!(
                e.fstype.to_ascii_lowercase().as_str(),
                "cifs" | "smb3" | "smbfs" | "smb"
            )
        })
}

/// The fstab line names an SMB password (already redacted).
pub fn has_password(fstab: Option<&FstabEntry>) -> bool {
    fstab.is_some_and(|e| {
        e.options
            .iter()
            .any(|o| o.contains('=') && is_secret_key(option_key(o)))
    })
}

/// Keys that move into an SMB credentials file: every spelling mount.cifs takes
/// for the user, the password and the domain.
const CREDENTIAL_KEYS: &[&str] = &[
    "username",
    "user",
    "password",
    "pass",
    "password2",
    "domain",
    "dom",
    "workgroup",
];

/// `/etc/samba/<server>.cred`, the credentials file the fix proposes.
pub fn credentials_path(mount: &MountInfo, fstab: Option<&FstabEntry>) -> String {
    let server = credentials_server(mount, fstab).unwrap_or_else(|| "share".to_owned());
    format!("/etc/samba/{server}.cred")
}

/// The SMB server the credentials are for: from the fstab line's `//server/share`
/// (the share may not be mounted right now), else from the live mount.
pub fn credentials_server(mount: &MountInfo, fstab: Option<&FstabEntry>) -> Option<String> {
    // Vars knows how to split every kind of source into server and export.
    let from = |fstype: &str, source: &str| {
        let m = MountInfo {
            target: String::new(),
            source: source.to_owned(),
            fstype: fstype.to_owned(),
            options: Vec::new(),
            network: true,
            provider: String::new(),
            is_mount_point: true,
        };
        let vars = crate::diagnose::hints::Vars::default().with_mount(&m);
        vars.get("server").map(str::to_owned)
    };
    fstab
        .and_then(|e| from(&e.fstype, &e.source))
        .or_else(|| from(&mount.fstype, &mount.source))
}

/// fstab's escaping of a field: space, tab, newline and backslash as octal.
pub fn fstab_escape(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    for ch in field.chars() {
        match ch {
            ' ' => out.push_str("\\040"),
            '\t' => out.push_str("\\011"),
            '\n' => out.push_str("\\012"),
            '\\' => out.push_str("\\134"),
            c => out.push(c),
        }
    }
    out
}
