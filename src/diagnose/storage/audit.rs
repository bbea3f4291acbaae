//! The mount-option audit: per storage kind, the options that make KohakuRiver
//! slow or lose data, each with why, and the corrected `/etc/fstab` line.
//!
//! Options the kernel applies (rsize, soft, atime, the version) are read from the
//! live mount, which shows what is really in effect (the server may have lowered
//! rsize). Options only userspace sees (`_netdev`, `backup-volfile-servers=`,
//! sshfs's `reconnect`) are read from the fstab line, and are not judged when there
//! is none (a systemd unit or a manual mount: `not_persistent` covers that).

use super::kind::{StorageKind, opt};
use super::line::{Edit, corrected_line, option_key};
use crate::facts::{FstabEntry, MountInfo};

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
            // AWS writes the version as nfsvers=; either spelling is replaced.
            match key {
                "vers" => c.edit.set("nfsvers", &["vers"], value),
                _ => c.edit.set(key, &[], value),
            }
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
