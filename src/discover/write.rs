//! Writing a config file: never over an existing one unless asked, parents created,
//! and atomically (a temporary file in the same folder, then a rename), so a reader
//! sees the old file or the whole new one.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::error::WriteError;
use crate::config::{ConfigOrigin, LoadEnv, choose_origin};

/// Writes `text` to `path`. Without `force`, an existing file is refused (also
/// when it appears while writing: the final step will not replace it).
pub fn write_config(path: &Path, text: &str, force: bool) -> Result<(), WriteError> {
    let io = |action: &'static str, path: &Path| {
        let path = path.to_path_buf();
        move |source| WriteError::Io {
            action,
            path,
            source,
        }
    };
    if !force && path.symlink_metadata().is_ok() {
        return Err(WriteError::Exists {
            path: path.to_path_buf(),
        });
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(io("create the folder", &parent))?;
    // NamedTempFile is created with mode 0600: the config is the operator's alone.
    let mut temp = tempfile::Builder::new()
        .prefix(".rivershare-config.")
        .suffix(".tmp")
        .tempfile_in(&parent)
        .map_err(io("create a temporary file in", &parent))?;
    temp.write_all(text.as_bytes())
        .and_then(|()| temp.as_file().sync_all())
        .map_err(io("write", temp.path()))?;
    let persisted = if force {
        temp.persist(path)
    } else {
        temp.persist_noclobber(path)
    };
    match persisted {
        Ok(_) => Ok(()),
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => Err(WriteError::Exists {
            path: path.to_path_buf(),
        }),
        Err(e) => Err(WriteError::Io {
            action: "write",
            path: path.to_path_buf(),
            source: e.error,
        }),
    }
}

/// Where `rivershare init` writes: `--config`, else `$RIVERSHARE_CONFIG`, else the
/// XDG file (the loader's order). `None` when there is no home to put it in.
pub fn init_path(explicit: Option<&Path>, env: &LoadEnv) -> Option<PathBuf> {
    match choose_origin(explicit, env) {
        ConfigOrigin::Flag(p) | ConfigOrigin::Env(p) | ConfigOrigin::Xdg(p) => Some(p),
        ConfigOrigin::Demo(p) => Some(p),
        ConfigOrigin::Embedded => env.xdg_config_file(),
    }
}
