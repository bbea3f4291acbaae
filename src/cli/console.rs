//! `rivershare tui` (and `rivershare` on a terminal): the console over the
//! loaded config. The terminal is taken over only here; every way out gives it
//! back before anything is printed.

use std::io::{IsTerminal as _, Write as _};

use rivershare::config::{Config, ConfigOrigin, Loaded};
use rivershare::console::run;
use rivershare::report::exit;

/// The console needs a terminal on stdout (and `CI=true` means nobody is watching).
pub fn interactive() -> bool {
    std::io::stdout().is_terminal() && std::env::var("CI").map_or(true, |v| v != "true")
}

/// The config's name in the header: the file name, or `embedded`.
pub fn config_name(origin: &ConfigOrigin) -> String {
    match origin {
        ConfigOrigin::Embedded => "embedded".to_owned(),
        ConfigOrigin::Demo(_) => "demo".to_owned(),
        ConfigOrigin::Flag(p) | ConfigOrigin::Env(p) | ConfigOrigin::Xdg(p) => {
            p.file_name().map_or_else(
                || p.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            )
        }
    }
}

pub fn run(loaded: Loaded, read_only: Option<String>) -> i32 {
    if !std::io::stdout().is_terminal() {
        eprintln!(
            "rivershare: the console needs a terminal on stdout; use `rivershare check` in scripts"
        );
        return exit::UNKNOWN;
    }
    let name = config_name(&loaded.origin);
    let mut notes = vec![format!("using config {}", loaded.origin)];
    notes.extend(loaded.notes);
    open(loaded.config, name, read_only, notes)
}

/// Open the console on `config` and wait until the operator quits.
pub fn open(config: Config, name: String, read_only: Option<String>, notes: Vec<String>) -> i32 {
    let settings = run::settings(&config, name, read_only, run::no_color_from_env());
    let result = super::block_on(async move {
        match run::run(config, settings, notes).await {
            Ok(run::Closed::Quit) => exit::OK,
            // Nobody is left to read a message.
            Ok(closed @ run::Closed::HungUp) => closed.exit_code(),
            Ok(closed @ run::Closed::Signal(sig)) => {
                // Not eprintln!: after a SIGHUP the terminal may be gone, and a
                // failed write must not turn a clean close into a panic.
                let _ = writeln!(
                    std::io::stderr(),
                    "rivershare: the console was closed by {}",
                    sig.as_str()
                );
                closed.exit_code()
            }
            Err(err) => {
                tracing::error!("console: {err:#}");
                // The terminal is already restored: the report can go to stderr.
                let _ = writeln!(std::io::stderr(), "rivershare: {err:?}");
                exit::UNKNOWN
            }
        }
    });
    tracing::info!(code = result, "console closed");
    result
}
