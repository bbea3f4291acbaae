//! Logs go to a file, never to the terminal: the console will own the screen.

use std::path::{Path, PathBuf};

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

fn default_log_path() -> Option<PathBuf> {
    let state = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))?;
    Some(state.join("rivershare/rivershare.log"))
}

/// Start file logging. Returns the guard that flushes on drop; `None` when no
/// log file can be opened, in which case rivershare runs without logs.
pub fn init(explicit: Option<&Path>) -> Option<WorkerGuard> {
    let path = explicit.map(Path::to_path_buf).or_else(default_log_path)?;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).ok()?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .ok()?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter = EnvFilter::try_from_env("RIVERSHARE_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,russh=warn"));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    Some(guard)
}
