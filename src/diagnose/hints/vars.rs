//! The values a catalogue template names, and how they are filled in.

use std::collections::BTreeMap;

use crate::facts::{MountInfo, NodeFacts};
use crate::shell::sh_word;

/// Every placeholder a template may name, with how `explain` shows it.
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
    /// KohakuRiver unit, and, when the probe found a mount, its point, source,
    /// server, export, type and options.
    pub fn for_node(node: &NodeFacts) -> Self {
        let mut vars = Self::default()
            .with("node", &node.name)
            .with("addr", &node.address)
            .with("role", node.role.as_str())
            .with("dir", &node.shared_dir)
            .with("unit", &format!("kohakuriver-{}", node.role.as_str()));
        if let Some(mount) = node.probe.as_ref().and_then(|p| p.mount.as_ref()) {
            vars = vars.with_mount(mount);
        }
        if let Some(config) = node
            .kohakuriver
            .as_ref()
            .and_then(|k| k.config_path.as_ref())
        {
            vars = vars.with("config", config);
        }
        vars
    }

    /// The mount's point, source, type and options, and its server and export
    /// when the source names them.
    pub fn with_mount(mut self, mount: &MountInfo) -> Self {
        self = self
            .with("target", &mount.target)
            .with("source", &mount.source)
            .with("fstype", &mount.fstype)
            .with("options", &mount.options.join(","));
        if let Some((server, export)) = split_source(&mount.fstype, &mount.source) {
            self = self.with("server", &server).with("export", &export);
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

/// The server and export of a mount source: `srv:/export` (NFS, GlusterFS,
/// sshfs `user@srv:/path`), `//srv/share` (SMB), `[v6]:/export`, and CephFS's
/// `mon1,mon2:/path` (first monitor). `None` when the source names no server.
pub fn split_source(fstype: &str, source: &str) -> Option<(String, String)> {
    if let Some(unc) = source.strip_prefix("//") {
        let (server, share) = unc.split_once('/')?;
        return Some((server.to_owned(), format!("/{share}")));
    }
    let (server, export) = match source.strip_prefix('[') {
        Some(rest) => rest.split_once("]:")?,
        None => {
            let (server, _) = source.split_once(":/")?;
            (server, &source[server.len() + 1..])
        }
    };
    let server = server.rsplit('@').next().unwrap_or(server);
    let server = if fstype.starts_with("ceph") {
        server
            .split(',')
            .next()
            .unwrap_or(server)
            .split(':')
            .next()
            .unwrap_or(server)
    } else {
        server
    };
    (!server.is_empty()).then(|| (server.to_owned(), export.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_split_into_server_and_export() {
        let cases = [
            ("nfs4", "10.0.0.5:/export", Some(("10.0.0.5", "/export"))),
            (
                "nfs",
                "[fd00::5]:/srv/share",
                Some(("fd00::5", "/srv/share")),
            ),
            (
                "cifs",
                "//files.example/share",
                Some(("files.example", "/share")),
            ),
            ("fuse.glusterfs", "gl1:/vol0", Some(("gl1", "/vol0"))),
            (
                "fuse.sshfs",
                "root@10.0.0.5:/srv/share",
                Some(("10.0.0.5", "/srv/share")),
            ),
            (
                "ceph",
                "10.0.0.1:6789,10.0.0.2:6789:/volumes",
                Some(("10.0.0.1", "/volumes")),
            ),
            ("tmpfs", "tmpfs", None),
            ("ext4", "/dev/sda1", None),
        ];
        for (fstype, source, want) in cases {
            let got = split_source(fstype, source);
            let want = want.map(|(s, e)| (s.to_owned(), e.to_owned()));
            assert_eq!(got, want, "{fstype} {source}");
        }
    }

    #[test]
    fn commands_quote_values_and_drop_what_they_cannot_fill() {
        let vars = Vars::default()
            .with("dir", "/mnt/a b")
            .with("server", "srv");
        assert_eq!(
            vars.commands(&[
                "ls -la {dir}",
                "showmount -e {server}",
                "findmnt -T {target}"
            ]),
            vec![
                "ls -la '/mnt/a b'".to_owned(),
                "showmount -e srv".to_owned()
            ]
        );
        assert_eq!(
            Vars::placeholders().commands(&["umount {target} && echo ${HOME}"]),
            vec!["umount <MOUNT_POINT> && echo ${HOME}".to_owned()]
        );
        assert_eq!(vars.fill_text("on {server}: {export}"), "on srv: <EXPORT>");
    }

    #[test]
    fn a_hostile_value_stays_one_word() {
        let vars = Vars::default().with("dir", "/mnt/$(touch x); rm -rf /");
        let cmd = vars.fill_command("ls -la {dir}", false).expect("filled");
        assert_eq!(cmd, "ls -la '/mnt/$(touch x); rm -rf /'");
    }
}
