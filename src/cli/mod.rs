//! Command-line front ends. Only this layer prints or picks exit codes.

mod check;
mod logging;
mod progress;

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use rivershare::config::Config;
use rivershare::report::exit;

#[derive(Debug, Parser)]
#[command(
    name = "rivershare",
    version,
    about = "Check the shared storage of a KohakuRiver cluster, on every node at once"
)]
struct Cli {
    /// Config file [default: $RIVERSHARE_CONFIG, then ~/.config/rivershare/config.toml, then one local node]
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,

    /// Log file [default: ~/.local/state/rivershare/rivershare.log]; level from $RIVERSHARE_LOG
    #[arg(long, global = true, value_name = "PATH")]
    log_file: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Probe every node once and report; exit 0 ok, 1 warning, 2 critical, 3 could not run
    Check(CheckArgs),
}

#[derive(Debug, clap::Args)]
struct CheckArgs {
    /// One JSON document (schema rivershare/check/v1) on stdout
    #[arg(long)]
    json: bool,

    /// Limit the sweep to these probe groups (comma-separated; default: all).
    /// `verify` also runs `mounts`, whose facts decide which nodes can take part.
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "GROUPS",
        default_value = "mounts,verify"
    )]
    only: Vec<ProbeGroup>,

    /// Also measure each shared node's write and read speed with a 64 MiB file
    #[arg(long)]
    io_bench: bool,

    /// No colour, even on a terminal (also: $NO_COLOR)
    #[arg(long)]
    no_color: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ProbeGroup {
    /// Reachability, mount, access, usage, layout, persistence
    Mounts,
    /// Cross-node write verification: every node reads every node's token
    Verify,
}

/// Parse, dispatch, and map every outcome to an exit code.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let code = if err.use_stderr() {
                exit::UNKNOWN
            } else {
                exit::OK
            };
            let _ = err.print();
            return code;
        }
    };
    let _ = color_eyre::install();
    let _log_guard = logging::init(cli.log_file.as_deref());

    let loaded = match Config::load(cli.config.as_deref()) {
        Ok(loaded) => loaded,
        Err(err) => {
            eprintln!("rivershare: {err}");
            return exit::UNKNOWN;
        }
    };
    tracing::info!(origin = %loaded.origin, nodes = loaded.config.nodes.len(), "config loaded");

    match cli.command {
        Command::Check(args) => check::run(loaded, &args),
    }
}
