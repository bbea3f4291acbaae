//! The values a catalogue template names, and how they are filled in.

use std::collections::BTreeMap;

use crate::facts::{MountInfo, NodeFacts};
use crate::shell::sh_word;

mod storage;
#[cfg(test)]
mod tests;

pub use storage::{has_rpcbind, plain_server, split_source, storage_port};

/// Every placeholder a template may name, with how `explain` shows it. Names
/// are stable (templates of every family use them); add, never rename.
///
/// - `node`, `addr`, `role`: the node's name, SSH address and role.
/// - `dir`: its SHARED_DIR. `unit`: `kohakuriver-<role>`. `config`: the
///   KohakuRiver config file read, when one was.
/// - `target`: the mount point holding SHARED_DIR (SHARED_DIR itself when the
///   probe found no mount); `source`, `fstype`, `options`: that mount's.
/// - `server`, `export`: from the node's own network mount, else its
///   `/etc/fstab` entry, else the mount most other nodes have (cluster context).
///   `port`: the TCP port of that kind of storage (2049 NFS, 445 SMB/CIFS,
///   24007 GlusterFS, 22 sshfs, 6789 Ceph). `nfs_server`: the server only when
///   it is plain NFS with rpcbind and mountd (`showmount`, `rpcinfo`, port 111).
/// - `fuse_target`: the mount point only when it is a FUSE mount (`fusermount -u`).
/// - `fstab_line`: an `/etc/fstab` line for the share at this node's path (what
///   is mounted now, or what the other nodes mount), with `_netdev`.
/// - `tarball_dir`: the tarball folder as this node sees it. `name`, `file`,
///   `lower_file`: a tarball name, one of its files, that file lower-cased.
/// - `folder`, `mode`: one of KohakuRiver's folders in SHARED_DIR and the mode
///   the security guide gives it.
pub const PLACEHOLDERS: &[(&str, &str)] = &[
    ("node", "<NODE>"),
    ("addr", "<NODE_ADDRESS>"),
    ("role", "<ROLE>"),
    ("dir", "<SHARED_DIR>"),
    ("target", "<MOUNT_POINT>"),
    ("source", "<MOUNT_SOURCE>"),
    ("server", "<SERVER>"),
    ("export", "<EXPORT>"),
    ("fstype", "<FSTYPE>"),
    ("options", "<MOUNT_OPTIONS>"),
    ("port", "<PORT>"),
    ("unit", "<KOHAKURIVER_UNIT>"),
    ("config", "<KOHAKURIVER_CONFIG>"),
    ("tarball_dir", "<TARBALL_DIR>"),
    ("name", "<TARBALL_NAME>"),
    ("fstab_line", "<FSTAB_LINE>"),
    ("nfs_server", "<NFS_SERVER>"),
    ("fuse_target", "<FUSE_MOUNT_POINT>"),
    ("folder", "<FOLDER>"),
    ("mode", "<MODE>"),
    ("file", "<TARBALL_FILE>"),
    ("lower_file", "<LOWER_CASE_FILE>"),
];

/// Values for one finding's templates, by placeholder name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vars {
    values: BTreeMap<&'static str, String>,
}

impl Vars {
    /// No values: every placeholder shows as `<NAME>` (what `explain` prints).
    pub fn placeholders() -> Self {
        Self::default()
    }

    /// The values one node's facts give: its name, address, role, SHARED_DIR,
    /// KohakuRiver unit, config and tarball folder, and, when the probe found a
    /// mount, its point, source, server, export, type, options and port.
    pub fn for_node(node: &NodeFacts) -> Self {
        let kohakuriver = node.kohakuriver.as_ref();
        let tarball_dir = kohakuriver
            .and_then(|k| k.tarball_dir.clone())
            .unwrap_or_else(|| crate::kohakuriver::default_tarball_dir(&node.shared_dir));
        let mut vars = Self::default()
            .with("node", &node.name)
            .with("addr", &node.address)
            .with("role", node.role.as_str())
            .with("dir", &node.shared_dir)
            // Best guess until a mount is known: SHARED_DIR is the mount point.
            .with("target", &node.shared_dir)
            .with("tarball_dir", &tarball_dir)
            .with("unit", &format!("kohakuriver-{}", node.role.as_str()));
        if let Some(mount) = node.probe.as_ref().and_then(|p| p.mount.as_ref()) {
            vars = vars.with_mount(mount);
        }
        if let Some(config) = kohakuriver.and_then(|k| k.config_path.as_ref()) {
            vars = vars.with("config", config);
        }
        vars
    }

    /// [`Vars::for_node`] in its cluster: a node with no network mount of its
    /// own takes the storage server from its `/etc/fstab` entry, else from the
    /// network mount most of the other `nodes` have (and the `/etc/fstab` line
    /// that would mount it at this node's SHARED_DIR, when the node has none).
    pub fn for_node_in(node: &NodeFacts, nodes: &[NodeFacts]) -> Self {
        let mut vars = Self::for_node(node);
        if vars.get("server").is_some() {
            return vars;
        }
        let persistence = node.probe.as_ref().and_then(|p| p.persistence.as_ref());
        if let Some(entry) = persistence.and_then(|p| p.fstab_entry.as_ref()) {
            let (_, provider) = crate::probe::parse::fs_class(&entry.fstype, &entry.source);
            return vars.with_storage(&entry.fstype, &provider, &entry.source);
        }
        let Some(peer) = peers_mount(node, nodes) else {
            return vars;
        };
        vars = vars.with_storage(&peer.fstype, &peer.provider, &peer.source);
        if !persistence.is_some_and(|p| p.fstab) {
            vars = vars.with("fstab_line", &fstab_line(peer, &node.shared_dir));
        }
        vars
    }

    /// The mount's point, source, type and options, its server, export and
    /// port when the source names them, and the `/etc/fstab` line that mounts it.
    pub fn with_mount(mut self, mount: &MountInfo) -> Self {
        self = self
            .with("target", &mount.target)
            .with("source", &mount.source)
            .with("fstype", &mount.fstype)
            .with("options", &mount.options.join(","));
        if mount.network {
            self = self
                .with_storage(&mount.fstype, &mount.provider, &mount.source)
                .with("fstab_line", &fstab_line(mount, &mount.target));
            if mount.fstype.starts_with("fuse.") {
                self = self.with("fuse_target", &mount.target);
            }
        }
        self
    }

    /// Server, export, port and (plain NFS) `nfs_server` of a storage source.
    /// A server that would read as an option or split into words is left out,
    /// and with it every command naming it.
    fn with_storage(mut self, fstype: &str, provider: &str, source: &str) -> Self {
        let Some((server, export)) = split_source(fstype, source) else {
            return self;
        };
        if !plain_server(&server) {
            return self;
        }
        self = self.with("server", &server).with("export", &export);
        if let Some(port) = storage_port(fstype) {
            self = self.with("port", port);
        }
        if has_rpcbind(fstype, provider) {
            self = self.with("nfs_server", &server);
        }
        self
    }

    /// Sets (or replaces) one value. Empty values count as absent.
    pub fn with(mut self, key: &'static str, value: &str) -> Self {
        debug_assert!(
            PLACEHOLDERS.iter().any(|(k, _)| *k == key),
            "unknown placeholder {key}"
        );
        if value.is_empty() {
            self.values.remove(key);
        } else {
            self.values.insert(key, value.to_owned());
        }
        self
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    /// Prose: each `{key}` replaced by its value as is, or by its `<NAME>`.
    pub fn fill_text(&self, template: &str) -> String {
        fill(template, |key| {
            Some(match self.get(key) {
                Some(v) => v.to_owned(),
                None => shown(key),
            })
        })
        .unwrap_or_default()
    }

    /// One shell command: each `{key}` replaced by its value quoted as one word
    /// (`sh_word`), or by its `<NAME>` when absent and `placeholders_ok`;
    /// `None` when a value is missing and placeholders are not wanted.
    pub fn fill_command(&self, template: &str, placeholders_ok: bool) -> Option<String> {
        fill(template, |key| match self.get(key) {
            Some(v) => Some(sh_word(v)),
            None if placeholders_ok => Some(shown(key)),
            None => None,
        })
    }

    /// The commands of `templates` whose values are all known, filled in.
    pub fn commands(&self, templates: &[&str]) -> Vec<String> {
        templates
            .iter()
            .filter_map(|t| self.fill_command(t, self.values.is_empty()))
            .collect()
    }
}

fn shown(key: &str) -> String {
    PLACEHOLDERS.iter().find(|(k, _)| *k == key).map_or_else(
        || format!("<{}>", key.to_uppercase()),
        |(_, s)| (*s).to_owned(),
    )
}

/// Replaces every `{key}` (ASCII letters and `_`) through `value`; other braces
/// (`${HOME}`, `{ a; }`) are kept as they are.
fn fill(template: &str, mut value: impl FnMut(&str) -> Option<String>) -> Option<String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let key_len = after
            .find(|c: char| !(c.is_ascii_lowercase() || c == '_'))
            .unwrap_or(after.len());
        let is_key = key_len > 0
            && after[key_len..].starts_with('}')
            && !rest[..open].ends_with('$')
            && PLACEHOLDERS.iter().any(|(k, _)| *k == &after[..key_len]);
        if is_key {
            out.push_str(&value(&after[..key_len])?);
            rest = &after[key_len + 1..];
        } else {
            out.push('{');
            rest = after;
        }
    }
    out.push_str(rest);
    Some(out)
}

/// The network mount most of the other nodes have (on a tie, the Host's, then
/// the first), for a node that has none of its own.
fn peers_mount<'a>(node: &NodeFacts, nodes: &'a [NodeFacts]) -> Option<&'a MountInfo> {
    let mounts: Vec<(&'a MountInfo, bool)> = nodes
        .iter()
        .filter(|n| n.name != node.name)
        .filter_map(|n| {
            let mount = n.probe.as_ref()?.mount.as_ref()?;
            mount
                .network
                .then_some((mount, n.role == crate::facts::Role::Host))
        })
        .collect();
    let score = |m: &MountInfo| {
        let same = mounts.iter().filter(|(o, _)| o.source == m.source).count();
        let host = mounts.iter().any(|(o, h)| *h && o.source == m.source);
        (same, host)
    };
    let mut best: Option<&'a MountInfo> = None;
    for (mount, _) in &mounts {
        if best.is_none_or(|b| score(mount) > score(b)) {
            best = Some(mount);
        }
    }
    best
}

/// An `/etc/fstab` line mounting `mount`'s source at `target`, with `_netdev`
/// (the network must be up first).
fn fstab_line(mount: &MountInfo, target: &str) -> String {
    let mut options: Vec<&str> = mount.options.iter().map(String::as_str).collect();
    if options.is_empty() {
        options.push("defaults");
    }
    if !options.contains(&"_netdev") {
        options.push("_netdev");
    }
    format!(
        "{} {target} {} {} 0 0",
        mount.source,
        mount.fstype,
        options.join(",")
    )
}
