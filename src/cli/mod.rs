//! Command-line front ends. Only this layer prints or picks exit codes.

mod check;
mod console;
mod demo;
mod discover;
mod explain;
mod init;
mod logging;
mod progress;
mod prune;

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

    /// Forbid every action that changes a node (as `read_only = true` in the config):
    /// `prune` is refused and `check` skips its write test
    #[arg(long, global = true)]
    read_only: bool,

    /// Without a command: the console on a terminal, else what `check` prints
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Probe every node once and report; exit 0 ok, 1 warning, 2 critical, 3 could not run
    Check(CheckArgs),
    /// Delete superseded container tarballs; a dry run unless --yes. Exit 0 all went,
    /// 1 some skipped, 2 some failed, 3 refused or could not run
    Prune(PruneArgs),
    /// The console: a live view of every node, the verification matrix, the
    /// tarballs and the findings (the default on a terminal)
    Tui,
    /// A simulated cluster of local folders (no SSH, no root, no network), removed on exit
    Demo(DemoArgs),
    /// Ask a KohakuRiver Host for its nodes (GET URL/api/nodes) and print a ready
    /// rivershare config
    Discover(discover::DiscoverArgs),
    /// Write a first config: from a Host's node list with --host, else a commented example
    Init(init::InitArgs),
    /// What a finding code means, why it matters and how to fix it; no code lists them all
    Explain(explain::ExplainArgs),
}

#[derive(Debug, clap::Args)]
struct DemoArgs {
    /// Print the `check` report for the demo cluster instead of opening the console
    #[arg(long)]
    check: bool,

    /// With --check: one JSON document (schema rivershare/check/v1) on stdout
    #[arg(long, requires = "check")]
    json: bool,

    /// With --check: no colour, even on a terminal (also: $NO_COLOR)
    #[arg(long, requires = "check")]
    no_color: bool,
}

#[derive(Debug, clap::Args)]
struct PruneArgs {
    /// Keep this many newest complete versions of each name (KohakuRiver keeps 1)
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    keep: u32,

    /// Only this tarball name (repeatable; default: every name)
    #[arg(long = "name", value_name = "NAME")]
    names: Vec<String>,

    /// Really delete. Without it, only print what would go and the bytes freed
    #[arg(long)]
    yes: bool,

    /// Act on exactly the files a saved `prune --json` dry run listed, each re-checked
    /// against what that listing saw (a file changed since is skipped)
    #[arg(long, value_name = "FILE", conflicts_with_all = ["keep", "names"])]
    plan: Option<PathBuf>,

    /// One JSON document (schema rivershare/prune/v1) on stdout
    #[arg(long)]
    json: bool,

    /// No colour, even on a terminal (also: $NO_COLOR)
    #[arg(long)]
    no_color: bool,
}

#[derive(Debug, clap::Args)]
struct CheckArgs {
    /// One JSON document (schema rivershare/check/v1) on stdout
    #[arg(long)]
    json: bool,

    /// Limit the sweep to these probe groups (comma-separated; default: all but `du`).
    /// `verify` and `du` also run `mounts`, whose facts decide which nodes take part.
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "GROUPS",
        default_value = "mounts,verify,tarballs"
    )]
    only: Vec<ProbeGroup>,

    /// Also measure each shared node's write and read speed with a 64 MiB file
    #[arg(long)]
    io_bench: bool,

    /// Also walk the share's disk usage (one `du` per entry of SHARED_DIR, on one
    /// node, each under du_timeout_secs): the same as adding `du` to --only
    #[arg(long)]
    du: bool,

    /// No colour, even on a terminal (also: $NO_COLOR)
    #[arg(long)]
    no_color: bool,

    /// Sweep N times over the same connections (the warm re-sweep, as the
    /// console's `r`): one `sweep i/N: <ms> ms (cold|warm)` line per sweep on
    /// stderr, then the last sweep's report and exit code [default: 1]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    repeat: Option<u32>,
}

impl CheckArgs {
    /// What a bare `rivershare check` does: every probe group, human output.
    fn everything() -> Self {
        Self {
            json: false,
            only: vec![ProbeGroup::Mounts, ProbeGroup::Verify, ProbeGroup::Tarballs],
            io_bench: false,
            du: false,
            no_color: false,
            repeat: None,
        }
    }

    /// Whether the disk-usage walk runs: `--du`, or `du` in `--only`.
    fn usage(&self) -> bool {
        self.du || self.only.contains(&ProbeGroup::Du)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ProbeGroup {
    /// Reachability, mount, access, usage, layout, persistence
    Mounts,
    /// Cross-node write verification: every node reads every node's token
    Verify,
    /// Container tarball inventory: statuses, reclaimable bytes, visibility per Runner
    Tarballs,
    /// Disk usage of SHARED_DIR on one node: what fills the share (never by default)
    Du,
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

    // The demo brings its own config: the operator's is not even read.
    // These need no config either: they write one, or print the catalogue.
    match &cli.command {
        Some(Command::Demo(args)) => return demo::run(args, cli.read_only),
        Some(Command::Discover(args)) => return discover::run(args),
        Some(Command::Init(args)) => return init::run(args, cli.config.as_deref()),
        Some(Command::Explain(args)) => return explain::run(args),
        _ => {}
    }

    let mut loaded = match Config::load(cli.config.as_deref()) {
        Ok(loaded) => loaded,
        Err(err) => {
            eprintln!("rivershare: {err}");
            return exit::UNKNOWN;
        }
    };
    tracing::info!(origin = %loaded.origin, nodes = loaded.config.nodes.len(), "config loaded");

    // Where the read-only rule came from, for prune's refusal message.
    let read_only = if cli.read_only {
        Some("--read-only was given".to_owned())
    } else if loaded.config.read_only {
        Some(format!(
            "read_only = true in the config ({})",
            loaded.origin
        ))
    } else {
        None
    };
    if cli.read_only {
        loaded.config.read_only = true;
    }

    match cli.command {
        Some(Command::Check(args)) => check::run(loaded, &args),
        Some(Command::Prune(args)) => prune::run(loaded, &args, read_only),
        Some(Command::Tui) => console::run(loaded, read_only),
        None if console::interactive() => console::run(loaded, read_only),
        None => check::run(loaded, &CheckArgs::everything()),
        // Dispatched above, before any config is loaded.
        Some(Command::Demo(_) | Command::Discover(_) | Command::Init(_) | Command::Explain(_)) => {
            exit::UNKNOWN
        }
    }
}

/// Run a front end's async body on a fresh runtime; a runtime that cannot start is exit 3.
fn block_on(body: impl std::future::Future<Output = i32>) -> i32 {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(body),
        Err(err) => {
            eprintln!("rivershare: cannot start the async runtime: {err}");
            exit::UNKNOWN
        }
    }
}

/// Say which config is in use, on stderr; JSON output keeps quiet unless stderr is a terminal.
fn announce_config(loaded: &rivershare::config::Loaded, json: bool) {
    use std::io::IsTerminal as _;
    if !json || std::io::stderr().is_terminal() {
        eprintln!("rivershare: using config {}", loaded.origin);
    }
}

/// Print a report as pretty JSON or through `render` (colour only on a terminal,
/// never with `--no-color` or `$NO_COLOR`). False when the JSON cannot be encoded.
fn print_report<R: serde::Serialize>(
    report: &R,
    json: bool,
    no_color: bool,
    render: impl FnOnce(&R, rivershare::report::human::Style) -> String,
) -> bool {
    use std::io::IsTerminal as _;
    if json {
        return match serde_json::to_string_pretty(report) {
            Ok(text) => {
                println!("{text}");
                true
            }
            Err(err) => {
                eprintln!("rivershare: cannot encode the report as JSON: {err}");
                false
            }
        };
    }
    let color = !no_color
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::io::stdout().is_terminal();
    print!(
        "{}",
        render(report, rivershare::report::human::Style { color })
    );
    true
}
