//! The mount that holds SHARED_DIR: from `findmnt -J -T` output, or, when findmnt
//! is missing, failed or hung, from `/proc/self/mountinfo` by longest prefix.

use serde_json::Value;

/// A mount as read, before classification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawMount {
    pub target: String,
    pub source: String,
    pub fstype: String,
    pub options: Vec<String>,
}

/// Normalise a path for comparison: collapse repeated slashes and drop a trailing
/// slash (`/` stays `/`). No `..` or symlink resolution: that is `realpath`'s job.
pub fn normalize(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    for part in p.split('/').filter(|c| !c.is_empty()) {
        out.push('/');
        out.push_str(part);
    }
    if out.is_empty() && p.starts_with('/') {
        out.push('/');
    }
    if !p.starts_with('/') {
        // A relative path keeps its first component unprefixed.
        out = out.trim_start_matches('/').to_string();
    }
    out
}

/// `prefix` is `path` or one of its ancestor directories (both normalised).
pub fn is_path_prefix(prefix: &str, path: &str) -> bool {
    prefix == "/"
        || path == prefix
        || (path.starts_with(prefix) && path.as_bytes().get(prefix.len()) == Some(&b'/'))
}

/// Decode the octal escapes of fstab and mountinfo fields (`\040` is a space).
pub fn decode_octal(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 3 < b.len()
            && b[i + 1..i + 4].iter().all(|d| (b'0'..=b'7').contains(d))
        {
            let v = u32::from(b[i + 1] - b'0') * 64
                + u32::from(b[i + 2] - b'0') * 8
                + u32::from(b[i + 3] - b'0');
            if let Ok(byte) = u8::try_from(v) {
                out.push(byte);
                i += 4;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn split_options(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(String::from)
        .collect()
}

/// Options of both kinds, in order, without duplicates. As in libmount, `rw`/`ro`
/// comes from the per-mount (VFS) options: a read-only bind of a read-write
/// filesystem is `ro`.
fn merge_options(vfs: &str, fs: &str) -> Vec<String> {
    let mut out = split_options(vfs);
    for o in split_options(fs) {
        if o != "rw" && o != "ro" && !out.contains(&o) {
            out.push(o);
        }
    }
    out
}

fn str_field(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

fn flatten<'a>(v: &'a Value, out: &mut Vec<&'a Value>) {
    if let Some(list) = v.as_array() {
        for item in list {
            flatten(item, out);
        }
        return;
    }
    if v.get("target").is_some() {
        out.push(v);
    }
    if let Some(children) = v.get("children") {
        flatten(children, out);
    }
}

/// Parse `findmnt -J` output. `-T` prints one filesystem; a tree (`children`) or a
/// list gives the deepest mount whose target holds `path` (normalised).
///
/// Key names across util-linux versions: `options` (the default), or
/// `vfs-options` and `fs-options` when those columns were asked for.
pub fn parse_findmnt_json(text: &str, path: &str) -> Result<RawMount, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| {
        format!(
            "output is not JSON ({e}); it begins {}",
            super::limit::quote(text, 60)
        )
    })?;
    let root = v
        .get("filesystems")
        .ok_or("findmnt JSON has no \"filesystems\" key")?;
    let mut all = Vec::new();
    flatten(root, &mut all);
    let mounts: Vec<RawMount> = all
        .into_iter()
        .map(|m| {
            let options = match str_field(m, "options") {
                Some(o) => split_options(&o),
                None => merge_options(
                    &str_field(m, "vfs-options").unwrap_or_default(),
                    &str_field(m, "fs-options").unwrap_or_default(),
                ),
            };
            RawMount {
                target: str_field(m, "target").unwrap_or_default(),
                source: str_field(m, "source").unwrap_or_default(),
                fstype: str_field(m, "fstype").unwrap_or_default(),
                options,
            }
        })
        .collect();
    match mounts.len() {
        0 => Err("findmnt JSON lists no filesystem".into()),
        1 => mounts
            .into_iter()
            .next()
            .ok_or_else(|| "findmnt JSON lists no filesystem".into()),
        _ => deepest(mounts, path).ok_or_else(|| "no findmnt entry holds SHARED_DIR".into()),
    }
}

/// The deepest mount whose target is `path` or an ancestor; the later one wins a
/// tie (it was mounted on top).
fn deepest(mounts: Vec<RawMount>, path: &str) -> Option<RawMount> {
    let path = normalize(path);
    let mut best: Option<RawMount> = None;
    for m in mounts {
        let t = normalize(&m.target);
        if !is_path_prefix(&t, &path) {
            continue;
        }
        if best
            .as_ref()
            .is_none_or(|b| normalize(&b.target).len() <= t.len())
        {
            best = Some(m);
        }
    }
    best
}

/// Find the mount holding `path` in `/proc/self/mountinfo` text, lexically: it
/// touches nothing, so it works for a missing path and on a dead mount.
pub fn parse_mountinfo(text: &str, path: &str) -> Option<RawMount> {
    let mounts = text.lines().filter_map(mountinfo_line).collect();
    deepest(mounts, path)
}

/// `36 35 98:0 /root /mnt rw,noatime master:1 - ext3 /dev/root rw,errors=continue`
fn mountinfo_line(line: &str) -> Option<RawMount> {
    let fields: Vec<&str> = line.split(' ').collect();
    let sep = fields.iter().skip(6).position(|f| *f == "-")? + 6;
    let root = decode_octal(fields.get(3)?);
    let target = decode_octal(fields.get(4)?);
    let vfs = fields.get(5)?;
    let fstype = decode_octal(fields.get(sep + 1)?);
    let mut source = decode_octal(fields.get(sep + 2).copied().unwrap_or(""));
    let fs = fields.get(sep + 3).copied().unwrap_or("");
    if root != "/" {
        // A bind mount of a subdirectory: written the way findmnt writes it.
        source = format!("{source}[{root}]");
    }
    Some(RawMount {
        target,
        source,
        fstype,
        options: merge_options(vfs, fs),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_paths() {
        assert_eq!(normalize("/mnt//share/"), "/mnt/share");
        assert_eq!(normalize("/"), "/");
        assert_eq!(normalize("///"), "/");
        assert_eq!(normalize("rel/x/"), "rel/x");
    }

    #[test]
    fn prefixes_respect_components() {
        assert!(is_path_prefix("/mnt", "/mnt/share"));
        assert!(is_path_prefix("/", "/mnt"));
        assert!(is_path_prefix("/mnt/share", "/mnt/share"));
        assert!(!is_path_prefix("/mnt/sh", "/mnt/share"));
    }

    #[test]
    fn octal_escapes() {
        assert_eq!(decode_octal(r"/mnt/a\040b\011c\134d"), "/mnt/a b\tc\\d");
        assert_eq!(decode_octal(r"/x\04"), r"/x\04");
        assert_eq!(decode_octal(r"\777"), r"\777");
    }

    #[test]
    fn mountinfo_longest_prefix_and_overmount() {
        let text = "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n\
                    50 27 0:40 / /mnt/cluster\\040share rw - tmpfs tmpfs rw,size=4k\n\
                    51 50 0:41 / /mnt/cluster\\040share rw,nosuid shared:3 - nfs4 10.0.0.5:/export rw,vers=4.2\n\
                    52 27 254:0 /srv/x /mnt/bind ro - ext4 /dev/vda rw\n";
        let m = parse_mountinfo(text, "/mnt/cluster share/sub").expect("found");
        assert_eq!(m.fstype, "nfs4");
        assert_eq!(m.target, "/mnt/cluster share");
        assert_eq!(m.options, ["rw", "nosuid", "vers=4.2"]);
        let b = parse_mountinfo(text, "/mnt/bind").expect("bind");
        assert_eq!(b.source, "/dev/vda[/srv/x]");
        assert_eq!(b.options, ["ro"]);
        assert_eq!(
            parse_mountinfo(text, "/nope").map(|m| m.target),
            Some("/".into())
        );
    }
}
