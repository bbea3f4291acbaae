//! Reading KohakuRiver's own config files, never executing them.
//!
//! KohakuRiver configs are Python modules (`~/.kohakuriver/host_config.py`,
//! `runner_config.py`, or whatever `--config` its systemd unit passes). rivershare
//! only reads plain string literals assigned at module level; anything cleverer is
//! reported as unknown, with its source text, so the operator can be told why.

mod discover;
mod python;
mod read;
#[cfg(test)]
mod tests;
mod unit;

use std::collections::BTreeMap;

pub use discover::{LocalKohakuriver, Systemctl, UnitSource, discover_local, discover_with};
pub use python::{
    Assignment, ParsedConfig, PyValue, SyntaxProblem, parse_assignments, parse_config,
};
pub use read::{CONFIG_CAP, ConfigRead, config_file_name, read_config, unit_facts, unit_name};
pub use unit::{config_path_from_unit, ordered_after, requires_mounts_for};

use crate::facts::{KohakuriverFacts, Role};

/// KohakuRiver's SHARED_DIR when its config does not set one.
pub const DEFAULT_SHARED_DIR: &str = "/mnt/cluster-share";
/// The tarball folder's name under SHARED_DIR, unless CONTAINER_DIR /
/// CONTAINER_TAR_DIR say otherwise.
pub const TARBALL_SUBDIR: &str = "kohakuriver-containers";

/// What a config file says about one variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// A plain string literal.
    Found(String),
    /// Assigned, but not to a plain string literal: the raw expression.
    Unknown(String),
    /// Not assigned at module level.
    Absent,
}

/// The SHARED_DIR lookup (same shape as any other variable's).
pub type SharedDirLookup = Lookup;

/// What module-level `name` is in already-parsed assignments.
pub fn lookup(assignments: &BTreeMap<String, PyValue>, name: &str) -> Lookup {
    match assignments.get(name) {
        Some(PyValue::Str(s)) => Lookup::Found(s.clone()),
        Some(PyValue::Unknown(raw)) => Lookup::Unknown(raw.clone()),
        None => Lookup::Absent,
    }
}

/// SHARED_DIR as set in a KohakuRiver config file's text.
pub fn shared_dir_from(text: &str) -> SharedDirLookup {
    lookup(&parse_assignments(text), "SHARED_DIR")
}

/// The variable that overrides the tarball folder: `CONTAINER_DIR` on the Host,
/// `CONTAINER_TAR_DIR` on a Runner.
pub fn tarball_dir_variable(role: Role) -> &'static str {
    match role {
        Role::Host => "CONTAINER_DIR",
        Role::Runner => "CONTAINER_TAR_DIR",
    }
}

/// Where a node keeps its container tarballs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TarballDir {
    /// Set explicitly (non-empty) in the config.
    Configured(String),
    /// Not set, or set to "": `SHARED_DIR/kohakuriver-containers`.
    Default(String),
    /// Set to something that is not a plain string: the raw expression.
    Unknown(String),
}

/// The tarball folder for a node of `role` whose config text is `text` and whose
/// SHARED_DIR is `shared_dir` (already resolved by the caller).
pub fn tarball_dir_from(text: &str, role: Role, shared_dir: &str) -> TarballDir {
    match lookup(&parse_assignments(text), tarball_dir_variable(role)) {
        Lookup::Found(dir) if !dir.is_empty() => TarballDir::Configured(dir),
        Lookup::Unknown(raw) => TarballDir::Unknown(raw),
        Lookup::Found(_) | Lookup::Absent => TarballDir::Default(default_tarball_dir(shared_dir)),
    }
}

/// `os.path.join(shared_dir, "kohakuriver-containers")`, as KohakuRiver computes it.
pub fn default_tarball_dir(shared_dir: &str) -> String {
    if shared_dir.is_empty() || shared_dir.ends_with('/') {
        format!("{shared_dir}{TARBALL_SUBDIR}")
    } else {
        format!("{shared_dir}/{TARBALL_SUBDIR}")
    }
}

/// Where a node with SHARED_DIR `shared_dir` finds the tarball folder that was
/// listed at `listed` (the listing node's SHARED_DIR, the folder): its own
/// CONTAINER_TAR_DIR / default folder when its KohakuRiver config was read (that
/// is where KohakuRiver makes it look), else the same place below its own
/// SHARED_DIR, else the same absolute path. Without a listing, its default folder.
pub fn tarball_dir_seen_by(
    shared_dir: &str,
    own: Option<&KohakuriverFacts>,
    listed: Option<(&str, &str)>,
) -> String {
    if let Some(k) = own.filter(|k| k.config_path.is_some() || k.tarball_dir.is_some()) {
        return k
            .tarball_dir
            .clone()
            .unwrap_or_else(|| default_tarball_dir(shared_dir));
    }
    let Some((lister_shared_dir, dir)) = listed else {
        return default_tarball_dir(shared_dir);
    };
    match dir
        .strip_prefix(lister_shared_dir.trim_end_matches('/'))
        .filter(|rest| rest.is_empty() || rest.starts_with('/'))
    {
        Some(rest) => format!("{}{rest}", shared_dir.trim_end_matches('/')),
        None => dir.to_owned(),
    }
}

#[cfg(test)]
mod seen_by_tests {
    use super::*;

    #[test]
    fn a_runner_looks_where_its_own_config_says_else_below_its_own_share() {
        let listed = Some((
            "/mnt/cluster-share",
            "/mnt/cluster-share/kohakuriver-containers",
        ));
        assert_eq!(
            tarball_dir_seen_by("/data/share/", None, listed),
            "/data/share/kohakuriver-containers"
        );
        // A folder outside SHARED_DIR: the same absolute path.
        assert_eq!(
            tarball_dir_seen_by("/data/share", None, Some(("/mnt/a", "/srv/tars"))),
            "/srv/tars"
        );
        let own = KohakuriverFacts {
            config_path: Some("/root/.kohakuriver/runner_config.py".into()),
            tarball_dir: Some("/cache/tars".into()),
            ..KohakuriverFacts::default()
        };
        assert_eq!(
            tarball_dir_seen_by("/data/share", Some(&own), listed),
            "/cache/tars"
        );
        let own_default = KohakuriverFacts {
            config_path: Some("/root/.kohakuriver/runner_config.py".into()),
            ..KohakuriverFacts::default()
        };
        assert_eq!(
            tarball_dir_seen_by(
                "/data/share",
                Some(&own_default),
                Some(("/mnt/a", "/srv/tars"))
            ),
            "/data/share/kohakuriver-containers"
        );
        // Facts without a config read say nothing about the folder.
        assert_eq!(
            tarball_dir_seen_by("/data/share", Some(&KohakuriverFacts::default()), None),
            "/data/share/kohakuriver-containers"
        );
    }
}
