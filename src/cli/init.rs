//! `rivershare init`: write a first config, from a Host's node list with --host,
//! else a commented example.

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::path::Path;

use rivershare::config::LoadEnv;
use rivershare::discover::{self, EXAMPLE_CONFIG, WriteError};
use rivershare::report::exit;

use super::discover::{check_command, count, print_summary, print_warnings};

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Discover the nodes from this KohakuRiver Host (e.g. http://10.0.0.1:8000)
    #[arg(long, value_name = "URL")]
    pub host: Option<String>,

    #[command(flatten)]
    pub api: super::discover::ApiArgs,

    /// Replace an existing config file
    #[arg(long)]
    pub force: bool,

    /// With --host: write without asking (needed when not on a terminal)
    #[arg(long)]
    pub yes: bool,
}

/// `config` is the global `--config`: where to write. Without it, where the loader
/// looks ($RIVERSHARE_CONFIG, else ~/.config/rivershare/config.toml).
pub fn run(args: &InitArgs, config: Option<&Path>) -> i32 {
    let Some(path) = discover::init_path(config, &LoadEnv::from_process()) else {
        eprintln!(
            "rivershare: init: no home directory to put the config in; give a path with \
             --config PATH"
        );
        return exit::UNKNOWN;
    };
    if !args.force && path.symlink_metadata().is_ok() {
        return failed(&WriteError::Exists { path });
    }
    match &args.host {
        None => write(&path, EXAMPLE_CONFIG, args.force, || {
            eprintln!(
                "rivershare: wrote an example config to {}: edit its [[nodes]] (or run \
                 `rivershare init --force --host http://HOST:8000` to discover them)",
                path.display()
            );
        }),
        Some(host) => from_host(args, host, &path),
    }
}

fn from_host(args: &InitArgs, host: &str, path: &Path) -> i32 {
    let found = match discover::discover(host, args.api.token.as_ref(), args.api.timeout()) {
        Ok(found) => found,
        Err(err) => {
            eprintln!("rivershare: init: {err}");
            return exit::UNKNOWN;
        }
    };
    print_summary(&found);
    print_warnings(&found);
    let nodes = count(found.plan.active_count());
    if !args.yes {
        if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
            eprintln!(
                "rivershare: init: not on a terminal, so nothing was written; pass --yes to \
                 write {nodes} to {} without asking",
                path.display()
            );
            return exit::UNKNOWN;
        }
        match ask(&format!("Write {nodes} to {}? [y/N] ", path.display())) {
            Ok(true) => {}
            Ok(false) => {
                eprintln!("rivershare: nothing written");
                return exit::OK;
            }
            Err(err) => {
                eprintln!("rivershare: init: cannot read the answer: {err}");
                return exit::UNKNOWN;
            }
        }
    }
    write(path, &found.toml, args.force, || {
        eprintln!("rivershare: wrote {nodes} to {}", path.display());
    })
}

fn write(path: &Path, text: &str, force: bool, done: impl FnOnce()) -> i32 {
    match discover::write_config(path, text, force) {
        Ok(()) => {
            done();
            eprintln!("next: {}", check_command(Some(path)));
            exit::OK
        }
        Err(err) => failed(&err),
    }
}

fn failed(err: &WriteError) -> i32 {
    eprintln!("rivershare: init: {err}");
    exit::UNKNOWN
}

/// A yes/no question on stderr; only `y` or `yes` is yes.
fn ask(question: &str) -> std::io::Result<bool> {
    let mut stderr = std::io::stderr();
    stderr.write_all(question.as_bytes())?;
    stderr.flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}
