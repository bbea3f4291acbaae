//! Persistence: will the mount come back after a reboot? An `/etc/fstab` entry
//! for the mount point, or a systemd mount (automount) unit for it.

use super::findmnt::{decode_octal, normalize};

use crate::facts::FstabEntry;

/// What `/etc/fstab` says about `target` (not to be confused with
/// [`FstabEntry`], the line itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FstabStatus {
    /// No line mounts on `target`.
    Absent,
    /// A line mounts on `target` at boot.
    AtBoot,
    /// A line exists but has `noauto` (and no `x-systemd.automount`).
    NoAuto,
}

/// Look `target` up in fstab text: the second field, octal-decoded
/// (`/mnt/cluster\040share`), compared after normalising slashes.
pub fn fstab_status(fstab: &str, target: &str) -> FstabStatus {
    fstab_lookup(fstab, target).0
}

/// As [`fstab_status`], plus the line that decided it, split into fields. The
/// line that mounts at boot wins; else the last `noauto` one. Its options are
/// redacted again here (the probe already did it on the node).
pub fn fstab_lookup(fstab: &str, target: &str) -> (FstabStatus, Option<FstabEntry>) {
    let target = normalize(target);
    let mut found = (FstabStatus::Absent, None);
    for line in fstab.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let Some(mp) = fields.get(1) else { continue };
        if normalize(&decode_octal(mp)) != target {
            continue;
        }
        let options = fields.get(3).map_or_else(Vec::new, |o| split_options(o));
        let entry = FstabEntry {
            source: decode_octal(fields[0]),
            target: decode_octal(mp),
            fstype: fields.get(2).map_or_else(String::new, |t| (*t).to_owned()),
            options,
        };
        let has = |o: &str| entry.options.iter().any(|x| x == o);
        if has("noauto") && !has("x-systemd.automount") {
            found = (FstabStatus::NoAuto, Some(entry));
        } else {
            return (FstabStatus::AtBoot, Some(entry));
        }
    }
    found
}

/// An option whose value is a secret: `password=`, `pass=` and every other key
/// `mount.cifs` takes for one (it matches the `pass` prefix), and CephFS's
/// `secret=`. The probe script's `sed` redacts the same keys on the node.
pub fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.starts_with("pass") || key == "secret"
}

/// Split a comma-separated option string the way `mount.cifs` reads it: `,,` is
/// a literal comma inside a value (so a password holding commas is redacted
/// whole), empty options are dropped, and secret values become `***`.
pub fn split_options(options: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut chars = options.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ',' {
            if chars.peek() == Some(&',') {
                chars.next();
                cur.push_str(",,");
                continue;
            }
            out.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    out.push(cur);
    out.into_iter()
        .filter(|o| !o.is_empty())
        .map(|o| redact_option(&o))
        .collect()
}

/// `password=hunter2` → `password=***`; any other option as it is.
pub fn redact_option(option: &str) -> String {
    match option.split_once('=') {
        Some((key, _)) if is_secret_key(key) => format!("{key}=***"),
        _ => option.to_owned(),
    }
}

/// The entry of the unit file named `name` (`mnt-share.mount`) in the probe's
/// `mountunits` section: blocks of `@unit <path>` followed by that unit's
/// `[Mount]` keys, secrets already redacted on the node.
pub fn unit_entry_for(section: &str, name: &str) -> Option<FstabEntry> {
    section.split("@unit ").skip(1).find_map(|block| {
        let (path, body) = block.split_once('\n')?;
        (path.rsplit('/').next() == Some(name))
            .then(|| mount_unit_entry(body))
            .flatten()
    })
}

/// The `[Mount]` section of a systemd `.mount` unit as an fstab line: `What=`,
/// `Where=`, `Type=`, `Options=` (the last of each wins, as in systemd). `None`
/// without `What=` and `Where=`. Secrets are redacted as in fstab.
pub fn mount_unit_entry(unit: &str) -> Option<FstabEntry> {
    let (mut what, mut place, mut fstype, mut options) = (None, None, String::new(), Vec::new());
    let mut in_mount = false;
    for line in unit.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_mount = line == "[Mount]";
            continue;
        }
        if !in_mount || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim();
        match key.trim() {
            "What" => what = Some(value.to_owned()),
            "Where" => place = Some(value.to_owned()),
            "Type" => value.clone_into(&mut fstype),
            "Options" => options = split_options(value),
            _ => {}
        }
    }
    Some(FstabEntry {
        source: what?,
        target: place?,
        fstype,
        options,
    })
}

/// `systemd-escape -p`: the unit-name form of a path, without the suffix.
pub fn systemd_escape_path(path: &str) -> String {
    let p = normalize(path);
    let p = p.trim_matches('/');
    if p.is_empty() {
        return "-".into();
    }
    let mut out = String::with_capacity(p.len());
    for (i, b) in p.bytes().enumerate() {
        match b {
            b'/' => out.push('-'),
            b'.' if i == 0 => out.push_str("\\x2e"),
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b':' | b'_' | b'.' => out.push(char::from(b)),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out
}

/// The systemd unit for `target` among the listed unit file paths, and whether it
/// is enabled (linked from a `.wants` folder) or generated (from fstab).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitMatch {
    pub name: String,
    pub enabled: bool,
}

/// Find `<escaped target>.mount` (preferred) or `.automount` among unit paths.
pub fn mount_unit(unit_paths: &[String], target: &str) -> Option<UnitMatch> {
    let base = systemd_escape_path(target);
    for suffix in [".mount", ".automount"] {
        let name = format!("{base}{suffix}");
        let hits: Vec<&String> = unit_paths
            .iter()
            .filter(|p| p.rsplit('/').next() == Some(name.as_str()))
            .collect();
        if hits.is_empty() {
            continue;
        }
        let enabled = hits.iter().any(|p| {
            let dir = p.rsplit_once('/').map_or("", |(d, _)| d);
            dir.ends_with(".wants") || dir.ends_with(".requires") || dir.contains("/generator")
        });
        return Some(UnitMatch { name, enabled });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unit_of_the_mount_point_is_picked_from_the_mountunits_section() {
        let section = "@unit /etc/systemd/system/mnt-other.mount\n[Mount]\nWhat=srv:/o\nWhere=/mnt/other\n\
            @unit /etc/systemd/system/mnt-share.mount\n[Mount]\nWhat=srv:/export\nWhere=/mnt/share\n\
            Type=nfs4\nOptions= hard,password=***\n";
        let entry = unit_entry_for(section, "mnt-share.mount").expect("found");
        assert_eq!(entry.source, "srv:/export");
        assert_eq!(entry.options, ["hard", "password=***"]);
        assert_eq!(unit_entry_for(section, "mnt-none.mount"), None);
    }

    #[test]
    fn fstab_matches_decoded_second_field() {
        let fstab = "# comment\n\
            UUID=abc / ext4 defaults 0 1\n\
            10.0.0.5:/export /mnt/cluster\\040share nfs4 rw,hard 0 0\n\
            srv:/x /mnt/later nfs noauto 0 0\n\
            srv:/y /mnt/auto nfs noauto,x-systemd.automount 0 0\n";
        assert_eq!(
            fstab_status(fstab, "/mnt/cluster share/"),
            FstabStatus::AtBoot
        );
        assert_eq!(fstab_status(fstab, "/mnt/later"), FstabStatus::NoAuto);
        assert_eq!(fstab_status(fstab, "/mnt/auto"), FstabStatus::AtBoot);
        assert_eq!(fstab_status(fstab, "/mnt/cluster"), FstabStatus::Absent);
        assert_eq!(fstab_status("garbage", "/"), FstabStatus::Absent);
        let (_, entry) = fstab_lookup(fstab, "/mnt/cluster share");
        assert_eq!(
            entry,
            Some(FstabEntry {
                source: "10.0.0.5:/export".into(),
                target: "/mnt/cluster share".into(),
                fstype: "nfs4".into(),
                options: vec!["rw".into(), "hard".into()],
            })
        );
        let (status, entry) = fstab_lookup(fstab, "/mnt/later");
        assert_eq!(status, FstabStatus::NoAuto);
        assert_eq!(entry.map(|e| e.options), Some(vec!["noauto".to_owned()]));
    }

    #[test]
    fn secrets_are_redacted_whole_even_with_doubled_commas() {
        assert_eq!(
            split_options("rw,username=kohaku,password=se,,cr3t,uid=0,Pass=x,secret=AQB==,,"),
            [
                "rw",
                "username=kohaku",
                "password=***",
                "uid=0",
                "Pass=***",
                "secret=***"
            ]
        );
        let fstab = "//srv/share /mnt/s cifs username=u,password=hunter2,vers=3.1.1 0 0\n";
        let (_, entry) = fstab_lookup(fstab, "/mnt/s");
        let entry = entry.expect("found");
        assert!(!format!("{entry:?}").contains("hunter2"));
        assert_eq!(entry.options[1], "password=***");
    }

    #[test]
    fn mount_units_read_as_fstab_lines() {
        let unit = "[Unit]\nDescription=share\nWhat=ignored\n\n[Mount]\nWhat=gl1:/gv0\n\
            Where=/mnt/cluster-share\nType=glusterfs\nOptions=_netdev,backup-volfile-servers=gl2\n\
            [Install]\nWantedBy=remote-fs.target\n";
        assert_eq!(
            mount_unit_entry(unit),
            Some(FstabEntry {
                source: "gl1:/gv0".into(),
                target: "/mnt/cluster-share".into(),
                fstype: "glusterfs".into(),
                options: vec!["_netdev".into(), "backup-volfile-servers=gl2".into()],
            })
        );
        assert_eq!(mount_unit_entry("[Mount]\nWhat=x\n"), None);
    }

    #[test]
    fn units_found_by_escaped_name() {
        let units: Vec<String> = [
            "/etc/systemd/system/mnt-cluster\\x2dshare.mount",
            "/etc/systemd/system/remote-fs.target.wants/mnt-cluster\\x2dshare.mount",
            "/usr/lib/systemd/system/mnt-other.automount",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            mount_unit(&units, "/mnt/cluster-share"),
            Some(UnitMatch {
                name: "mnt-cluster\\x2dshare.mount".into(),
                enabled: true
            })
        );
        assert_eq!(
            mount_unit(&units, "/mnt/other"),
            Some(UnitMatch {
                name: "mnt-other.automount".into(),
                enabled: false
            })
        );
        assert_eq!(mount_unit(&units, "/mnt/none"), None);
    }
}
