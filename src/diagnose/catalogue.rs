//! The catalogue of finding codes: the single home of every code, its severity
//! and its explanation. Codes are a public interface (JSON, exit codes, docs):
//! add new ones, never rename.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

macro_rules! codes {
    ($($variant:ident => $name:literal, $severity:ident, $summary:literal;)*) => {
        /// A stable finding code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Code { $($variant,)* }

        impl Code {
            /// Every code, in catalogue order (used by the README and tests).
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $name,)* }
            }

            /// The default severity; a rule may raise it (see `not_mounted`).
            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity,)* }
            }

            /// One line for the README table and `--help`-style listings.
            pub fn summary(self) -> &'static str {
                match self { $(Code::$variant => $summary,)* }
            }
        }
    };
}

codes! {
    Unreachable => "unreachable", Critical, "no TCP connection or no SSH banner within the connect timeout";
    AuthFailed => "auth_failed", Critical, "every key (agent and identity files) was refused";
    HostKeyUnknown => "host_key_unknown", Critical, "the host is not in known_hosts and host_key_policy is strict";
    HostKeyChanged => "host_key_changed", Critical, "the host key differs from the one in known_hosts";
    ProbeFailed => "probe_failed", Critical, "connected, but the probe could not run or its output was unreadable";
    PathMissing => "path_missing", Critical, "SHARED_DIR does not exist, or is not a directory";
    NotMounted => "not_mounted", Warning, "SHARED_DIR is on a local filesystem (root fs, tmpfs, ...), not shared storage";
    ReadOnly => "read_only", Critical, "the write test failed with EROFS";
    PermissionDenied => "permission_denied", Critical, "the write test failed with EACCES or EPERM";
    StaleHandle => "stale_handle", Critical, "ESTALE, ENOTCONN or EIO on SHARED_DIR";
    StorageHung => "storage_hung", Critical, "stat, df or the write test timed out while the node answered";
    WriteFailed => "write_failed", Critical, "the write test failed for another reason (the message says which)";
    SourceMismatch => "source_mismatch", Warning, "nodes mount different sources";
    LowSpace => "low_space", Warning, "available space is below min_free_gib (or the write hit ENOSPC)";
    LayoutMissing => "layout_missing", Warning, "a KohakuRiver folder is missing from SHARED_DIR";
    NotPersistent => "not_persistent", Warning, "no /etc/fstab entry or systemd mount unit for the mount";
    NotShared => "not_shared", Critical, "cross-node verification: the node is outside the shared group, or the cluster is split";
    SlowStorage => "slow_storage", Warning, "--io-bench: writing or reading 64 MiB ran below slow_io_mbps";
    TarballNameCase => "tarball_name_case", Warning, "a tarball name has upper-case letters: Runners look names up in lower case and never find it";
    TarballNotVisible => "tarball_not_visible", Critical, "a Runner cannot see the latest tarball of a name at its own path, or sees another size";
    TarballSuperseded => "tarball_superseded", Info, "older versions of a tarball name take space; `rivershare prune` reclaims it";
    TarballInProgress => "tarball_in_progress", Info, "the newest tarball of a name is young or still growing: being written now";
    TarballUnrecognized => "tarball_unrecognized", Info, "a .tar file in the tarball folder matches no KohakuRiver name pattern";
    ConfigUnreadable => "config_unreadable", Warning, "a node's KohakuRiver config exists but SHARED_DIR, CONTAINER_DIR or CONTAINER_TAR_DIR cannot be read from it; the default is used";
    SharedDirDiffers => "shared_dir_differs", Warning, "nodes use different SHARED_DIR strings: tarballs and /shared work, task logs do not";
    UnitNotOrdered => "unit_not_ordered", Warning, "the kohakuriver-host or kohakuriver-runner unit does not wait for the share (no RequiresMountsFor=SHARED_DIR)";
    MountOptions => "mount_options", Warning, "the mount options are risky or slow for this kind of storage (soft, small rsize/wsize, atime updates, ...)";
    CredentialsInFstab => "credentials_in_fstab", Warning, "an SMB/CIFS password is written in /etc/fstab, which every user can read";
    LayoutMode => "layout_mode", Warning, "a KohakuRiver folder's mode keeps its writers out (kohakuriver-containers 755, shared_data 1777, logs writable by Runners)";
    LogsGrowth => "logs_growth", Info, "--du: logs/ is more than 20% of the used space or holds more than 10 000 task folders (KohakuRiver never deletes task logs)";
    DuPartial => "du_partial", Info, "--du: an entry of SHARED_DIR was not fully measured (its du timed out or could not read all of it)";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialise_as_their_stable_names() {
        for code in Code::ALL {
            let json = serde_json::to_string(code).expect("serialises");
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
    }

    #[test]
    fn severities_order_worst_last() {
        assert!(Severity::Critical > Severity::Warning);
        assert!(Severity::Warning > Severity::Info);
    }
}

#[cfg(test)]
mod readme {
    use super::Code;

    /// The README's finding table is the operator's copy of the catalogue: it must
    /// list exactly the codes, in order, with their severities.
    #[test]
    fn readme_lists_every_code_with_its_severity() {
        let readme = include_str!("../../README.md");
        let table = readme
            .split("<!-- finding-codes:begin")
            .nth(1)
            .and_then(|rest| rest.split("<!-- finding-codes:end").next())
            .expect("README has the finding-codes markers");
        let rows: Vec<(String, String)> = table
            .lines()
            .filter_map(|line| {
                let cells: Vec<&str> = line.split('|').map(str::trim).collect();
                let code = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
                Some((code.to_owned(), (*cells.get(2)?).to_owned()))
            })
            .collect();
        let expected: Vec<(String, String)> = Code::ALL
            .iter()
            .map(|c| (c.as_str().to_owned(), c.severity().as_str().to_owned()))
            .collect();
        assert_eq!(rows, expected);
    }
}
