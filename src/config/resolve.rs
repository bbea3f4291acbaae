//! From checked raw values to the fully-resolved [`Config`]: node value, else
//! `[defaults]`, else unset; plus the embedded one-local-node default.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::raw::{NodeFields, RawConfig, RawNode};
use super::{Config, HostKeyPolicy, Node, SshSettings, TransportKind};
use crate::facts::{Role, SharedDirSource};
use crate::kohakuriver::{DEFAULT_SHARED_DIR, LocalKohakuriver, Lookup};

pub const DEFAULT_CONNECT_TIMEOUT_SECS: u64 = 5;
pub const DEFAULT_COMMAND_TIMEOUT_SECS: u64 = 10;
pub const DEFAULT_CONCURRENCY: usize = 64;
/// KohakuRiver's Shared Storage Guide asks for 20 GB or more.
pub const DEFAULT_MIN_FREE_GIB: f64 = 20.0;
/// How long a reader retries a verification token that is not visible yet.
pub const DEFAULT_VERIFY_DEADLINE_SECS: f64 = 5.0;
/// Below this speed-test result (MB/s) a node gets `slow_storage`.
pub const DEFAULT_SLOW_IO_MBPS: f64 = 50.0;
/// A newest tarball younger than this (seconds, by mtime) counts as still being
/// written: KohakuRiver writes straight to the final name.
pub const DEFAULT_IN_PROGRESS_SECS: u64 = 600;
/// Each disk-usage entry's budget, in seconds.
pub const DEFAULT_DU_TIMEOUT_SECS: u64 = 60;
/// The console's auto-refresh period.
pub const DEFAULT_REFRESH_SECS: u64 = 30;
/// The address of a `transport = "local"` node that gives none.
pub const LOCAL_ADDRESS: &str = "localhost";
const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

pub(crate) fn resolve(raw: RawConfig, home: Option<&Path>) -> Config {
    let ssh = ssh_settings(
        raw.ssh_config,
        raw.known_hosts,
        raw.host_key_policy.unwrap_or(HostKeyPolicy::Strict),
        raw.connect_timeout_secs
            .unwrap_or(DEFAULT_CONNECT_TIMEOUT_SECS),
        home,
    );
    let nodes = raw
        .nodes
        .into_iter()
        .map(|node| resolve_node(node, &raw.defaults))
        .collect();
    Config {
        ssh,
        command_timeout: Duration::from_secs(
            raw.command_timeout_secs
                .unwrap_or(DEFAULT_COMMAND_TIMEOUT_SECS),
        ),
        concurrency: raw.concurrency.unwrap_or(DEFAULT_CONCURRENCY),
        min_free_bytes: gib_to_bytes(raw.min_free_gib.unwrap_or(DEFAULT_MIN_FREE_GIB)),
        verify_deadline: Duration::from_secs_f64(
            raw.verify_deadline_secs
                .unwrap_or(DEFAULT_VERIFY_DEADLINE_SECS)
                .min(3600.0),
        ),
        slow_io_mbps: raw.slow_io_mbps.unwrap_or(DEFAULT_SLOW_IO_MBPS),
        in_progress_secs: raw.in_progress_secs.unwrap_or(DEFAULT_IN_PROGRESS_SECS),
        du_timeout: Duration::from_secs(raw.du_timeout_secs.unwrap_or(DEFAULT_DU_TIMEOUT_SECS)),
        refresh: Duration::from_secs(raw.refresh_secs.unwrap_or(DEFAULT_REFRESH_SECS)),
        theme: raw.theme.unwrap_or_default(),
        kohakuriver_discovery: true,
        read_only: raw.read_only.unwrap_or(false),
        nodes,
    }
}

fn resolve_node(node: RawNode, defaults: &NodeFields) -> Node {
    let RawNode {
        name,
        role,
        address,
        transport,
        fields,
    } = node;
    let (shared_dir, shared_dir_source) =
        match fields.shared_dir.or_else(|| defaults.shared_dir.clone()) {
            Some(dir) => (dir, SharedDirSource::Config),
            None => (DEFAULT_SHARED_DIR.to_string(), SharedDirSource::Default),
        };
    Node {
        name,
        role,
        // raw parsing guarantees an address for every ssh node.
        address: address.unwrap_or_else(|| LOCAL_ADDRESS.to_string()),
        user: fields.user.or_else(|| defaults.user.clone()),
        port: fields.port.or(defaults.port),
        identity_files: fields
            .identity_files
            .or_else(|| defaults.identity_files.clone())
            .unwrap_or_default(),
        shared_dir,
        shared_dir_source,
        transport,
    }
}

/// Rounds to whole bytes; `as` saturates, so absurd sizes cannot wrap.
fn gib_to_bytes(gib: f64) -> u64 {
    (gib * GIB).round() as u64
}

fn ssh_settings(
    ssh_config: Option<PathBuf>,
    known_hosts: Option<PathBuf>,
    host_key_policy: HostKeyPolicy,
    connect_timeout_secs: u64,
    home: Option<&Path>,
) -> SshSettings {
    let ssh_dir = home.map(|h| h.join(".ssh"));
    // None unless named: `ssh -G` then reads ~/.ssh/config and the system's
    // /etc/ssh/ssh_config, as `ssh` does. A named file is passed as `-F`, and
    // ssh reads that file alone.
    let known_hosts = known_hosts.unwrap_or_else(|| match &ssh_dir {
        Some(dir) => dir.join("known_hosts"),
        None => {
            // Without a home there is no user known_hosts; with the strict policy an
            // unreadable file just means every host is unknown, which is safe.
            tracing::warn!(
                "home directory unknown; known_hosts defaults to ~/.ssh/known_hosts unexpanded"
            );
            PathBuf::from("~/.ssh/known_hosts")
        }
    });
    SshSettings {
        ssh_config,
        known_hosts,
        host_key_policy,
        connect_timeout: Duration::from_secs(connect_timeout_secs),
    }
}

/// The config used when no file is found: one local node named `localhost`, its
/// SHARED_DIR taken from this machine's KohakuRiver config when that can be read.
/// Also returns notes on how shared_dir and role were decided.
pub(crate) fn embedded(local: &LocalKohakuriver, home: Option<&Path>) -> (Config, Vec<String>) {
    let mut notes = local.notes.clone();
    let (shared_dir, shared_dir_source) = match &local.shared_dir {
        Lookup::Found(dir) if dir.starts_with('/') => (dir.clone(), SharedDirSource::Kohakuriver),
        other => {
            if let Lookup::Found(dir) = other {
                notes.push(format!(
                    "SHARED_DIR {dir:?} is not an absolute path; ignoring it"
                ));
            }
            notes.push(format!(
                "using KohakuRiver's default SHARED_DIR {DEFAULT_SHARED_DIR}; set shared_dir in a \
                 rivershare config to override"
            ));
            (DEFAULT_SHARED_DIR.to_string(), SharedDirSource::Default)
        }
    };
    let node = Node {
        name: LOCAL_ADDRESS.to_string(),
        role: local.role.unwrap_or(Role::Host),
        address: LOCAL_ADDRESS.to_string(),
        user: None,
        port: None,
        identity_files: Vec::new(),
        shared_dir,
        shared_dir_source,
        transport: TransportKind::Local,
    };
    let config = Config {
        ssh: ssh_settings(
            None,
            None,
            HostKeyPolicy::Strict,
            DEFAULT_CONNECT_TIMEOUT_SECS,
            home,
        ),
        command_timeout: Duration::from_secs(DEFAULT_COMMAND_TIMEOUT_SECS),
        concurrency: DEFAULT_CONCURRENCY,
        min_free_bytes: gib_to_bytes(DEFAULT_MIN_FREE_GIB),
        verify_deadline: Duration::from_secs_f64(DEFAULT_VERIFY_DEADLINE_SECS),
        slow_io_mbps: DEFAULT_SLOW_IO_MBPS,
        in_progress_secs: DEFAULT_IN_PROGRESS_SECS,
        du_timeout: Duration::from_secs(DEFAULT_DU_TIMEOUT_SECS),
        refresh: Duration::from_secs(DEFAULT_REFRESH_SECS),
        theme: super::ThemeName::default(),
        kohakuriver_discovery: true,
        read_only: false,
        nodes: vec![node],
    };
    (config, notes)
}
