//! Where the config comes from: `--config`, else `$RIVERSHARE_CONFIG`, else the
//! XDG file if it exists, else the embedded default.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::error::ConfigError;
use super::resolve::{embedded, resolve};
use super::table::expand_tilde;
use super::{Config, ConfigOrigin, Loaded, raw};
use crate::kohakuriver::LocalKohakuriver;

/// The parts of the process environment the loader looks at. Tests build one by
/// hand instead of mutating the real environment.
#[derive(Debug, Clone, Default)]
pub struct LoadEnv {
    /// `$RIVERSHARE_CONFIG` (empty counts as unset).
    pub rivershare_config: Option<OsString>,
    /// `$XDG_CONFIG_HOME` (ignored unless absolute, as the XDG spec says).
    pub xdg_config_home: Option<OsString>,
    /// The user's home directory, for `~` and the default file locations.
    pub home: Option<PathBuf>,
}

impl LoadEnv {
    pub fn from_process() -> Self {
        LoadEnv {
            rivershare_config: std::env::var_os("RIVERSHARE_CONFIG"),
            xdg_config_home: std::env::var_os("XDG_CONFIG_HOME"),
            home: std::env::home_dir(),
        }
    }

    /// `$XDG_CONFIG_HOME/rivershare/config.toml`, else `~/.config/rivershare/config.toml`.
    pub fn xdg_config_file(&self) -> Option<PathBuf> {
        let base = match self.xdg_config_home.as_deref().map(Path::new) {
            Some(dir) if dir.is_absolute() => dir.to_path_buf(),
            _ => self.home.as_ref()?.join(".config"),
        };
        Some(base.join("rivershare").join("config.toml"))
    }
}

/// Which config file would be used, before reading it. `Embedded` when none.
pub fn choose_origin(explicit: Option<&Path>, env: &LoadEnv) -> ConfigOrigin {
    if let Some(path) = explicit {
        return ConfigOrigin::Flag(path.to_path_buf());
    }
    if let Some(value) = env.rivershare_config.as_ref().filter(|v| !v.is_empty()) {
        // The variable is often set with quotes in a unit or .env file, where the
        // shell never expands `~`; do it here.
        let path = match value.to_str() {
            Some(s) => {
                expand_tilde(s, env.home.as_deref()).unwrap_or_else(|_| PathBuf::from(value))
            }
            None => PathBuf::from(value),
        };
        return ConfigOrigin::Env(path);
    }
    match env.xdg_config_file() {
        // `exists()` is false on a permission error too; try_exists tells them apart
        // so an unreadable file is reported rather than silently skipped.
        Some(path) if path.try_exists().unwrap_or(true) => ConfigOrigin::Xdg(path),
        _ => ConfigOrigin::Embedded,
    }
}

impl Config {
    /// Loads the config the way `rivershare` does: `explicit` (`--config`), else
    /// `$RIVERSHARE_CONFIG`, else the XDG file, else the embedded default.
    pub fn load(explicit: Option<&Path>) -> Result<Loaded, ConfigError> {
        Self::load_with(
            explicit,
            &LoadEnv::from_process(),
            &crate::kohakuriver::discover_local,
        )
    }

    /// [`Config::load`] with the environment and the KohakuRiver discovery given.
    /// `discover` runs only when the embedded default is used.
    pub fn load_with(
        explicit: Option<&Path>,
        env: &LoadEnv,
        discover: &dyn Fn() -> LocalKohakuriver,
    ) -> Result<Loaded, ConfigError> {
        let origin = choose_origin(explicit, env);
        let path = match &origin {
            ConfigOrigin::Flag(p)
            | ConfigOrigin::Env(p)
            | ConfigOrigin::Xdg(p)
            | ConfigOrigin::Demo(p) => p.clone(),
            ConfigOrigin::Embedded => {
                let (config, notes) = embedded(&discover(), env.home.as_deref());
                return Ok(Loaded {
                    config,
                    origin,
                    notes,
                });
            }
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ConfigError::NotFound { origin });
            }
            Err(source) => return Err(ConfigError::Read { origin, source }),
        };
        let config = Self::from_toml_str_with_home(&text, &path, env.home.as_deref())?;
        tracing::info!("using config {origin}");
        Ok(Loaded {
            config,
            origin,
            notes: Vec::new(),
        })
    }

    /// Parses and resolves config text; `origin_path` is only used in error messages.
    /// `~` expands to the current user's home.
    pub fn from_toml_str(text: &str, origin_path: &Path) -> Result<Config, ConfigError> {
        Self::from_toml_str_with_home(text, origin_path, std::env::home_dir().as_deref())
    }

    /// [`Config::from_toml_str`] with the home directory given (`None`: unknown, and
    /// any `~` path is an error).
    pub fn from_toml_str_with_home(
        text: &str,
        origin_path: &Path,
        home: Option<&Path>,
    ) -> Result<Config, ConfigError> {
        let raw = raw::parse(text, origin_path, home)?;
        Ok(resolve(raw, home))
    }

    /// The embedded default for this machine's KohakuRiver state, with notes on how
    /// its role and shared_dir were chosen.
    pub fn embedded(local: &LocalKohakuriver, home: Option<&Path>) -> (Config, Vec<String>) {
        embedded(local, home)
    }
}
