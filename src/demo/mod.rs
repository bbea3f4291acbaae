//! `rivershare demo`: a self-contained cluster of local-transport nodes in a
//! temporary folder: no SSH, no root, no network. Removed when dropped.
//!
//! The folder holds one `storage/` folder (the "shared storage", with
//! KohakuRiver's layout and a tarball folder holding every kind of file the
//! tarball rules know), and one folder per node under `nodes/`:
//!
//! | node | SHARED_DIR | what the sweep finds |
//! |---|---|---|
//! | `host` | `storage/` itself | the tarball folder is listed here; the disk-usage walk runs here |
//! | `runner-01`, `runner-02` | symlinks to `storage/` under other paths | shared, at different paths |
//! | `runner-03` | its own folder with the layout | `not_shared` |
//! | `runner-04` | a path that does not exist | `path_missing` |
//! | `runner-05` | its own folder, mode 0555 (only when not root) | `permission_denied` |
//!
//! The storage also holds task logs (`logs/<task_id>/stdout.log`, `stderr.log`,
//! from months back to today) and folders in `shared_data/`, real bytes the
//! console's disk-usage view measures ([`share`]).
//!
//! Every node is a local folder, so every node is also `not_mounted`: that is
//! the truth about a demo on one machine, and the console shows it as such.
//! Root ignores file modes, so as root `runner-05` is left out (with a note)
//! rather than faked.
//!
//! `RIVERSHARE_DEMO_DIR=/some/dir` makes the demo create its folder inside
//! `/some/dir` instead of the system temporary folder (the end-to-end test uses
//! it to find the files it prunes).

mod seed;
pub mod share;

use std::path::{Path, PathBuf};

use crate::config::{Config, ConfigError};

/// Where the demo creates its folder, when set: a parent folder.
pub const DEMO_DIR_ENV: &str = "RIVERSHARE_DEMO_DIR";

/// Why the demo could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("demo: {what} {}: {source}", path.display())]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("demo: its own config does not load: {0}")]
    Config(#[from] Box<ConfigError>),
}

/// The demo cluster. Its folder (and everything in it) is removed on drop.
#[derive(Debug)]
pub struct Demo {
    dir: tempfile::TempDir,
    config: Config,
    config_path: PathBuf,
    notes: Vec<String>,
    /// Folders made read-only that must be writable again before removal.
    locked: Vec<PathBuf>,
}

impl Demo {
    /// Build the demo in a new temporary folder (inside `$RIVERSHARE_DEMO_DIR`
    /// when set).
    pub fn create() -> Result<Self, DemoError> {
        let parent = std::env::var_os(DEMO_DIR_ENV)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        Self::create_in(parent.as_deref())
    }

    /// Build the demo inside `parent` (or the system temporary folder).
    pub fn create_in(parent: Option<&Path>) -> Result<Self, DemoError> {
        let mut builder = tempfile::Builder::new();
        builder.prefix("rivershare-demo-");
        let dir = match parent {
            Some(p) => {
                std::fs::create_dir_all(p).map_err(|source| DemoError::Io {
                    what: "cannot create the parent folder",
                    path: p.to_path_buf(),
                    source,
                })?;
                builder.tempdir_in(p)
            }
            None => builder.tempdir(),
        }
        .map_err(|source| DemoError::Io {
            what: "cannot create a temporary folder in",
            path: parent.map_or_else(std::env::temp_dir, Path::to_path_buf),
            source,
        })?;
        let root_user = nix::unistd::geteuid().is_root();
        let seeded = seed::seed(dir.path(), root_user, std::time::SystemTime::now())?;
        let config_path = dir.path().join("config.toml");
        seed::write(&config_path, seeded.config_text.as_bytes())?;
        let mut config =
            Config::from_toml_str(&seeded.config_text, &config_path).map_err(Box::new)?;
        // The demo's nodes are folders on the operator's own machine: its real
        // `~/.kohakuriver/host_config.py` must not move the demo's tarball folder.
        config.kohakuriver_discovery = false;
        let mut notes = vec![format!(
            "demo: a simulated cluster of {} local nodes in {} (removed on exit)",
            config.nodes.len(),
            dir.path().display()
        )];
        notes.extend(seeded.notes);
        tracing::info!(dir = %dir.path().display(), nodes = config.nodes.len(), "demo created");
        Ok(Self {
            dir,
            config,
            config_path,
            notes,
            locked: seeded.locked,
        })
    }

    /// The demo's folder (removed on drop).
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The config of the demo cluster (also written to [`Demo::config_path`]).
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The demo's config file, inside its folder.
    pub fn config_path(&self) -> &Path {
        &self.config_path
    }

    /// The tarball folder on the shared storage.
    pub fn tarball_dir(&self) -> PathBuf {
        self.dir
            .path()
            .join(seed::STORAGE)
            .join("kohakuriver-containers")
    }

    /// What the operator should know about this demo (where it lives, which
    /// node was left out and why).
    pub fn notes(&self) -> &[String] {
        &self.notes
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt as _;
        // A 0555 folder's entries cannot be removed by a normal user.
        for p in &self.locked {
            let _ = std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755));
        }
        tracing::info!(dir = %self.dir.path().display(), "demo removed");
    }
}

#[cfg(test)]
mod tests;
