//! Persistence: will the mount come back after a reboot? An `/etc/fstab` entry
//! for the mount point, or a systemd mount (automount) unit for it.

use super::findmnt::{decode_octal, normalize};

/// What `/etc/fstab` says about `target`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FstabEntry {
    /// No line mounts on `target`.
    Absent,
    /// A line mounts on `target` at boot.
    AtBoot,
    /// A line exists but has `noauto` (and no `x-systemd.automount`).
    NoAuto,
}

/// Look `target` up in fstab text: the second field, octal-decoded
/// (`/mnt/cluster\040share`), compared after normalising slashes.
pub fn fstab_entry(fstab: &str, target: &str) -> FstabEntry {
    let target = normalize(target);
    let mut found = FstabEntry::Absent;
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
        let opts: Vec<&str> = fields.get(3).map_or(Vec::new(), |o| o.split(',').collect());
        if opts.contains(&"noauto") && !opts.contains(&"x-systemd.automount") {
            found = FstabEntry::NoAuto;
        } else {
            return FstabEntry::AtBoot;
        }
    }
    found
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
    fn fstab_matches_decoded_second_field() {
        let fstab = "# comment\n\
            UUID=abc / ext4 defaults 0 1\n\
            10.0.0.5:/export /mnt/cluster\\040share nfs4 rw,hard 0 0\n\
            srv:/x /mnt/later nfs noauto 0 0\n\
            srv:/y /mnt/auto nfs noauto,x-systemd.automount 0 0\n";
        assert_eq!(
            fstab_entry(fstab, "/mnt/cluster share/"),
            FstabEntry::AtBoot
        );
        assert_eq!(fstab_entry(fstab, "/mnt/later"), FstabEntry::NoAuto);
        assert_eq!(fstab_entry(fstab, "/mnt/auto"), FstabEntry::AtBoot);
        assert_eq!(fstab_entry(fstab, "/mnt/cluster"), FstabEntry::Absent);
        assert_eq!(fstab_entry("garbage", "/"), FstabEntry::Absent);
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
