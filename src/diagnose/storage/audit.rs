//! The mount-option audit: per storage kind, the options that make KohakuRiver
//! slow or lose data, each with why, and the corrected `/etc/fstab` line.
//!
//! Options the kernel applies (rsize, soft, atime, the version) are read from the
//! live mount, which shows what is really in effect (the server may have lowered
//! rsize). Options only userspace sees (`_netdev`, `backup-volfile-servers=`,
//! sshfs's `reconnect`) are read from the fstab line, and are not judged when there
//! is none (a systemd unit or a manual mount: `not_persistent` covers that).

use super::kind::{StorageKind, opt};
use crate::facts::{FstabEntry, MountInfo};
use crate::probe::parse::persist::is_secret_key;

/// rsize/wsize below this make every tarball read and write take many round trips
/// (the Shared Storage Guide's figure).
pub const MIN_RW_SIZE: u64 = 131_072;
/// What the audit writes for rsize/wsize: the Linux maximum, what EFS, Filestore
/// and Azure recommend.
const RW_SIZE: &str = "1048576";

/// One audited option that is off, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The option as the title names it (`soft`, `rsize`, `_netdev`, ...).
    pub key: &'static str,
    /// What is wrong and what it does to KohakuRiver.
    pub text: String,
}

/// The audit of one mount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audit {
    pub kind: StorageKind,
    pub problems: Vec<Problem>,
    /// Advice that is not a problem of an option (sshfs's directory cache).
    pub notes: Vec<String>,
    /// The `/etc/fstab` line with the audited options corrected: the fstab entry's
    /// own line when there is one, else one built from the live mount.
    pub corrected: String,
}

/// The changes the audit wants to the fstab line's options: each new option
/// takes the place of the first option it replaces (so the line keeps its order),
/// or goes at the end.
#[derive(Default, Clone)]
struct Edit {
    /// (option keys it replaces, the new option)
    changes: Vec<(Vec<&'static str>, String)>,
}

impl Edit {
    fn set(&mut self, key: &'static str, aliases: &[&'static str], value: &str) {
        let mut keys = vec![key];
        keys.extend_from_slice(aliases);
        self.changes.push((keys, format!("{key}={value}")));
    }

    fn flag(&mut self, flag: &'static str, replaces: &[&'static str]) {
        let mut keys = vec![flag];
        keys.extend_from_slice(replaces);
        self.changes.push((keys, flag.to_owned()));
    }

    fn add(&mut self, option: String) {
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

struct Ctx<'a> {
    live: &'a [String],
    fstab: Option<&'a [String]>,
    problems: Vec<Problem>,
    notes: Vec<String>,
    edit: Edit,
}

impl Ctx<'_> {
    fn live_has(&self, flag: &str) -> bool {
        self.live.iter().any(|o| o == flag)
    }

    /// `flag` (or `key=...`) in the fstab line; `None` when there is no line.
    fn fstab_has(&self, key: &str) -> Option<bool> {
        self.fstab
            .map(|o| o.iter().any(|o| option_key(o).eq_ignore_ascii_case(key)))
    }

    fn problem(&mut self, key: &'static str, text: impl Into<String>) {
        self.problems.push(Problem {
            key,
            text: text.into(),
        });
    }
}

fn option_key(option: &str) -> &str {
    option.split_once('=').map_or(option, |(k, _)| k)
}

/// Audit the mount holding SHARED_DIR, of the given kind.
pub fn audit(kind: StorageKind, mount: &MountInfo, fstab: Option<&FstabEntry>) -> Audit {
    let mut c = Ctx {
        live: &mount.options,
        fstab: fstab.map(|e| e.options.as_slice()),
        problems: Vec::new(),
        notes: Vec::new(),
        edit: Edit::default(),
    };
    match kind {
        StorageKind::Efs => efs(&mut c),
        k if k.is_nfs() => nfs(&mut c, k),
        StorageKind::Cifs | StorageKind::AzureFilesSmb => smb(&mut c),
        StorageKind::Glusterfs => gluster(&mut c),
        StorageKind::CephKernel | StorageKind::CephFuse => {
            netdev(
                &mut c,
                "a CephFS mount tried before the network is up fails at boot",
            );
            noatime(&mut c);
        }
        StorageKind::Sshfs => sshfs(&mut c),
        _ => {}
    }
    let corrected = corrected_line(kind, mount, fstab, &c.edit);
    Audit {
        kind,
        problems: c.problems,
        notes: c.notes,
        corrected,
    }
}

fn rw_sizes(c: &mut Ctx) {
    for key in ["rsize", "wsize"] {
        let Some(v) = opt(c.live, key) else { continue };
        if v.parse::<u64>().is_ok_and(|n| n < MIN_RW_SIZE) {
            let what = if key == "rsize" { "read" } else { "written" };
            c.problem(
                key,
                format!(
                    "{key}={v} is below {MIN_RW_SIZE}: every tarball is {what} in small \
                     requests, many round trips per MiB"
                ),
            );
            c.edit.set(key, &[], RW_SIZE);
        }
    }
}

fn hard(c: &mut Ctx) {
    if c.live_has("soft") || c.live_has("softerr") {
        c.problem(
            "soft",
            "soft: a request that times out returns EIO, so a server hiccup cuts a tarball \
             KohakuRiver is writing or loading mid-file (data loss); hard waits instead",
        );
        c.edit.flag("hard", &["soft", "softerr"]);
    }
}

fn noatime(c: &mut Ctx) {
    if !c.live_has("noatime") {
        c.problem(
            "noatime",
            "no noatime: reading a tarball also writes its access time to the server",
        );
        c.edit
            .flag("noatime", &["relatime", "strictatime", "atime"]);
    }
}

fn nfs(c: &mut Ctx, kind: StorageKind) {
    rw_sizes(c);
    hard(c);
    noatime(c);
    if kind == StorageKind::Nfs3 {
        c.problem(
            "vers",
            "NFS version 3: prefer 4.1 or 4.2 (one TCP port, 2049, no rpcbind/mountd/lockd; \
             stateful locks) unless the server only speaks v3",
        );
        c.edit.set(
            "vers",
            &[
                "nfsvers",
                "mountport",
                "mountproto",
                "mountvers",
                "mountaddr",
            ],
            "4.2",
        );
    }
}

/// EFS's own recommendation, option by option, read from the live mount.
fn efs(c: &mut Ctx) {
    let want: [(&'static str, &str); 5] = [
        ("vers", "4.1"),
        ("rsize", RW_SIZE),
        ("wsize", RW_SIZE),
        ("timeo", "600"),
        ("retrans", "2"),
    ];
    for (key, value) in want {
        let got = if key == "vers" {
            opt(c.live, "vers").or_else(|| opt(c.live, "nfsvers"))
        } else {
            opt(c.live, key)
        };
        // EFS takes 4.0 and 4.1; only 4.1 is recommended.
        if got != Some(value) {
            let got = got.map_or_else(|| "not set".to_owned(), |g| format!("{key}={g}"));
            c.problem(key, format!("{got}: Amazon EFS recommends {key}={value}"));
            c.edit
                .set(key, if key == "vers" { &["nfsvers"] } else { &[] }, value);
        }
    }
    hard(c);
    if !c.live_has("noresvport") {
        c.problem(
            "noresvport",
            "no noresvport: after a network blip the client reconnects from the same \
             privileged port, and EFS can leave the mount hung; Amazon EFS recommends noresvport",
        );
        c.edit.flag("noresvport", &["resvport"]);
    }
}

fn smb(c: &mut Ctx) {
    if let Some(v) = opt(c.live, "vers") {
        let major = v.split('.').next().and_then(|m| m.parse::<u32>().ok());
        if major.is_some_and(|m| m < 3) {
            c.problem(
                "vers",
                format!(
                    "vers={v} is below SMB 3.0: no encryption, no persistent handles \
                     (Azure Files refuses it from outside its region)"
                ),
            );
            c.edit.set("vers", &[], "3.1.1");
        }
    }
    netdev(
        c,
        "an SMB mount tried before the network is up fails at boot",
    );
}

fn gluster(c: &mut Ctx) {
    netdev(
        c,
        "a GlusterFS mount tried before the network is up fails at boot",
    );
    let backup = ["backup-volfile-servers", "backupvolfile-server"].map(|k| c.fstab_has(k));
    if backup.contains(&Some(false)) && !backup.contains(&Some(true)) {
        c.problem(
            "backup-volfile-servers",
            "no backup-volfile-servers=: the volume file comes from one server only, so the \
             mount fails at boot while that one server is down",
        );
        c.edit
            .add("backup-volfile-servers=<server2>:<server3>".to_owned());
    }
}

fn sshfs(c: &mut Ctx) {
    if c.fstab_has("reconnect") == Some(false) {
        c.problem(
            "reconnect",
            "no reconnect: once the SSH connection drops, every access fails \
             (Transport endpoint is not connected) until the share is remounted",
        );
        c.edit.flag("reconnect", &[]);
    }
    if c.fstab_has("ServerAliveInterval") == Some(false) {
        c.problem(
            "ServerAliveInterval",
            "no ServerAliveInterval=: a dead connection is not noticed, and KohakuRiver's \
             reads hang instead of reconnecting",
        );
        c.edit.add("ServerAliveInterval=15".to_owned());
        c.edit.add("ServerAliveCountMax=3".to_owned());
    }
    let cache_off = c
        .fstab
        .is_some_and(|o| o.iter().any(|o| o == "dir_cache=no" || o == "cache=no"));
    if !cache_off {
        c.notes.push(
            "sshfs caches directory listings (dir_cache=yes, 20 s by default; dcache_timeout=, \
             cache_timeout= before sshfs 3, changes it): a tarball the Host has just written \
             can stay invisible to this node for that long; dir_cache=no trades speed for \
             freshness"
                .to_owned(),
        );
    }
}

fn netdev(c: &mut Ctx, why: &str) {
    if c.fstab_has("_netdev") == Some(false) {
        c.problem("_netdev", format!("no _netdev in /etc/fstab: {why}"));
        c.edit.flag("_netdev", &[]);
    }
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

fn corrected_line(
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
    let smb = matches!(kind, StorageKind::Cifs | StorageKind::AzureFilesSmb);
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
            format!("credentials={}", credentials_path(mount)),
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
pub fn credentials_path(mount: &MountInfo) -> String {
    let vars = crate::diagnose::hints::Vars::default().with_mount(mount);
    let server = vars.get("server").unwrap_or("share");
    format!("/etc/samba/{server}.cred")
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
