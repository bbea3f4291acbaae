//! Facts gathered from one node: the data every later stage (diagnosis, report,
//! console) works on. These types are plain data, serialisable, with no behaviour
//! beyond small helpers, so fixtures and tests can build them by hand.

use serde::{Deserialize, Serialize};

/// Role of a node in the KohakuRiver cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Host,
    Runner,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Host => "host",
            Role::Runner => "runner",
        }
    }
}

/// Where a node's SHARED_DIR came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SharedDirSource {
    /// Written in rivershare's config (node or `[defaults]`).
    Config,
    /// Read from the node's own KohakuRiver config file.
    Kohakuriver,
    /// Nobody said: KohakuRiver's default `/mnt/cluster-share`.
    Default,
}

/// Why a node could not be probed at all. A node's failure is data, never a crash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeErrorKind {
    /// No TCP connection or no SSH banner within the connect timeout.
    Unreachable,
    /// Every key (agent and identity files) was refused.
    AuthFailed,
    /// The host key is not in known_hosts and the policy is `strict`.
    HostKeyUnknown,
    /// The host key differs from the one recorded in known_hosts.
    HostKeyChanged,
    /// Connected, but the probe did not finish within the command timeout.
    CommandTimeout,
    /// The SSH session failed after connecting (channel refused, protocol error).
    Transport,
    /// The probe ran but its output could not be understood.
    Probe,
    /// Something on this machine (config of the client, ssh -G, a key file).
    Local,
}

impl NodeErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NodeErrorKind::Unreachable => "unreachable",
            NodeErrorKind::AuthFailed => "auth_failed",
            NodeErrorKind::HostKeyUnknown => "host_key_unknown",
            NodeErrorKind::HostKeyChanged => "host_key_changed",
            NodeErrorKind::CommandTimeout => "command_timeout",
            NodeErrorKind::Transport => "transport",
            NodeErrorKind::Probe => "probe",
            NodeErrorKind::Local => "local",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{}: {detail}", kind.as_str())]
pub struct NodeError {
    pub kind: NodeErrorKind,
    pub detail: String,
}

impl NodeError {
    pub fn new(kind: NodeErrorKind, detail: impl Into<String>) -> Self {
        Self {
            kind,
            detail: detail.into(),
        }
    }
}

/// How an access attempt on the share failed, classified from errno text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessErrorKind {
    /// EROFS.
    ReadOnly,
    /// EACCES or EPERM.
    PermissionDenied,
    /// ESTALE, ENOTCONN or EIO.
    StaleHandle,
    /// The operation did not finish within its own timeout: a hung mount.
    Hung,
    /// ENOENT: the path vanished or was never there.
    Missing,
    /// ENOSPC or EDQUOT.
    NoSpace,
    /// Anything else; `detail` says what.
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessError {
    pub kind: AccessErrorKind,
    /// Which step failed (`stat`, `list`, `write`, `fsync`, `remove`, `df`) and the raw message.
    pub detail: String,
}

/// The mount that holds SHARED_DIR, from `findmnt -J -T`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MountInfo {
    pub target: String,
    pub source: String,
    pub fstype: String,
    pub options: Vec<String>,
    /// A network or cluster filesystem (nfs, cifs, glusterfs, ceph, sshfs, ...).
    pub network: bool,
    /// `nfs`, `efs`, `azure-files`, `cifs`, `glusterfs`, `ceph`, `sshfs`, ... or `local`.
    pub provider: String,
    /// SHARED_DIR is the mount point itself rather than a folder under one.
    pub is_mount_point: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Access {
    pub read: bool,
    pub write: bool,
    pub error: Option<AccessError>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub total_bytes: u64,
    pub used_bytes: u64,
    pub avail_bytes: u64,
}

/// One of KohakuRiver's folders inside SHARED_DIR.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayoutEntry {
    pub name: String,
    pub present: bool,
    /// Octal mode such as `1777`, when present.
    pub mode: Option<String>,
    pub owner: Option<String>,
}

/// The folders KohakuRiver expects inside SHARED_DIR, in display order.
pub const LAYOUT_DIRS: [&str; 3] = ["kohakuriver-containers", "shared_data", "logs"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Persistence {
    /// `/etc/fstab` has an entry for the mount point.
    pub fstab: bool,
    /// A systemd mount (or automount) unit for the mount point, by name.
    pub mount_unit: Option<String>,
    /// The `/etc/fstab` entry for the mount point, when there is one; else the
    /// `[Mount]` section of its systemd mount unit, as the same fields. Secrets in
    /// its options (`password=`, `pass=`, `secret=`) are replaced by `***` on the
    /// node, so they never reach JSON, logs or the screen.
    #[serde(default)]
    pub fstab_entry: Option<FstabEntry>,
}

/// One `/etc/fstab` line, split into its fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FstabEntry {
    pub source: String,
    pub target: String,
    pub fstype: String,
    /// Comma-separated options, in order, secrets redacted (`password=***`).
    pub options: Vec<String>,
}

/// Everything the probe script learned on one node. Fields are `None` when the
/// step did not run (an earlier step made it pointless) or timed out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeFacts {
    pub hostname: Option<String>,
    pub kernel: Option<String>,
    /// SHARED_DIR exists (as anything).
    pub exists: bool,
    /// SHARED_DIR is a directory.
    pub is_dir: bool,
    pub mount: Option<MountInfo>,
    pub access: Option<Access>,
    pub usage: Option<Usage>,
    pub layout: Vec<LayoutEntry>,
    pub persistence: Option<Persistence>,
    /// Steps that hit their own timeout (`stat`, `df`, `write`, ...): the storage is hung.
    pub hung_steps: Vec<String>,
    /// Processes stuck on storage on the node, as `pid comm (wchan)`: in
    /// uninterruptible sleep (state `D`) or a FUSE client waiting for its daemon.
    /// Read from `/proc` only. On a hung share they are what is stuck on it,
    /// and they are reported, not hidden.
    #[serde(default)]
    pub stuck_processes: Vec<String>,
    /// Steps whose output could not be parsed, with the reason; never fatal.
    pub warnings: Vec<String>,
}

/// The outcome of probing one node: identity from config, plus facts or an error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeFacts {
    pub name: String,
    pub role: Role,
    pub address: String,
    pub shared_dir: String,
    pub shared_dir_source: SharedDirSource,
    pub reachable: bool,
    pub rtt_ms: Option<f64>,
    pub error: Option<NodeError>,
    /// `None` when the node could not be probed.
    pub probe: Option<ProbeFacts>,
    /// What the node's own KohakuRiver unit and config say; `None` when discovery
    /// did not run (turned off, or the node could not be reached).
    #[serde(default)]
    pub kohakuriver: Option<KohakuriverFacts>,
}

/// The node's KohakuRiver service, as read over its connection (never executed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KohakuriverFacts {
    /// `kohakuriver-host` or `kohakuriver-runner`, when systemd knows the unit.
    pub unit: Option<UnitFacts>,
    /// The config file read: the unit's `--config`, else `~/.kohakuriver/<role>_config.py`.
    pub config_path: Option<String>,
    /// SHARED_DIR as a plain string in that file.
    pub shared_dir: Option<String>,
    /// CONTAINER_DIR (Host) or CONTAINER_TAR_DIR (Runner), when set to a non-empty string.
    pub tarball_dir: Option<String>,
    /// Why the config could not be used, each with its line: the file exists but a
    /// variable is not a plain string, or it cannot be read or parsed.
    pub problems: Vec<ConfigProblem>,
}

/// What `systemctl cat kohakuriver-<role>` says about ordering against the share.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitFacts {
    pub name: String,
    /// Paths in `RequiresMountsFor=`.
    pub requires_mounts_for: Vec<String>,
    /// Units in `After=`, `Requires=`, `BindsTo=` and `Wants=` of `[Unit]`.
    pub ordered_after: Vec<String>,
}

/// One reason a KohakuRiver config file could not be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigProblem {
    /// 1-based line in the config file, when the problem has one.
    pub line: Option<usize>,
    pub message: String,
}
