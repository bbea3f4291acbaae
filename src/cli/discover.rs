//! `rivershare discover --host URL`: a ready config from a KohakuRiver Host's node list.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rivershare::discover::{self, DEFAULT_TIMEOUT, Discovery, Placement, Token, WriteError};
use rivershare::report::exit;

/// How to talk to the Host's API: shared by `discover` and `init --host`.
#[derive(Debug, clap::Args)]
pub struct ApiArgs {
    /// API token, sent as `Authorization: Bearer` (only needed when the Host has auth on;
    /// prefer $RIVERSHARE_TOKEN, which other users cannot see in `ps`)
    #[arg(
        long,
        value_name = "TOKEN",
        env = "RIVERSHARE_TOKEN",
        hide_env_values = true
    )]
    pub token: Option<Token>,

    /// Seconds allowed to connect to the Host and get its answer
    #[arg(long, value_name = "SECS", default_value_t = DEFAULT_TIMEOUT.as_secs(),
          value_parser = clap::value_parser!(u64).range(1..=600))]
    pub timeout: u64,
}

impl ApiArgs {
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout)
    }
}

#[derive(Debug, clap::Args)]
pub struct DiscoverArgs {
    /// The Host's API, e.g. http://10.0.0.1:8000 (plain http; the port defaults to 8000)
    #[arg(long, value_name = "URL")]
    pub host: String,

    #[command(flatten)]
    pub api: ApiArgs,

    /// Write the config to PATH instead of printing it (refused if PATH exists)
    #[arg(long, value_name = "PATH")]
    pub write: Option<PathBuf>,

    /// With --write: replace an existing file
    #[arg(long, requires = "write")]
    pub force: bool,
}

pub fn run(args: &DiscoverArgs) -> i32 {
    if let Some(path) = &args.write
        && !args.force
        && path.symlink_metadata().is_ok()
    {
        // Refuse before asking the Host anything.
        return fail_write(&WriteError::Exists { path: path.clone() });
    }
    let found = match discover::discover(&args.host, args.api.token.as_ref(), args.api.timeout()) {
        Ok(found) => found,
        Err(err) => {
            eprintln!("rivershare: discover: {err}");
            return exit::UNKNOWN;
        }
    };
    print_warnings(&found);
    match &args.write {
        None => {
            use std::io::Write as _;
            // Not print!: it panics when the reader has gone (`| head`).
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(found.toml.as_bytes())
                .and_then(|()| stdout.flush())
            {
                Ok(()) => exit::OK,
                Err(err) => {
                    eprintln!("rivershare: discover: cannot write the config to stdout: {err}");
                    exit::UNKNOWN
                }
            }
        }
        Some(path) => match discover::write_config(path, &found.toml, args.force) {
            Ok(()) => {
                eprintln!(
                    "rivershare: wrote {} to {}",
                    count(found.plan.active_count()),
                    path.display()
                );
                eprintln!("next: {}", check_command(Some(path)));
                exit::OK
            }
            Err(err) => fail_write(&err),
        },
    }
}

fn fail_write(err: &WriteError) -> i32 {
    eprintln!("rivershare: discover: {err}");
    exit::UNKNOWN
}

/// Every warning on stderr, one a line.
pub fn print_warnings(found: &Discovery) {
    for warning in &found.plan.warnings {
        eprintln!("rivershare: warning: {warning}");
    }
}

/// The node list, one a line, on stderr: what goes into the config and what not.
pub fn print_summary(found: &Discovery) {
    eprintln!(
        "rivershare: the Host at {} lists {} Runner{}:",
        found.host,
        found.nodes.len(),
        if found.nodes.len() == 1 { "" } else { "s" }
    );
    for entry in &found.plan.entries {
        let status = entry.source.as_ref().map_or("-".to_string(), |api| {
            discover::shown(api.status.as_deref().unwrap_or("unknown"))
        });
        let place = match &entry.placement {
            Placement::Active => String::new(),
            Placement::CommentedOut { .. } => "  (commented out)".to_string(),
            Placement::OnHost => "  (runs on the Host: no entry of its own)".to_string(),
        };
        eprintln!(
            "  {:<20} {:<6} {:<24} {status}{place}",
            entry.name,
            entry.role.as_str(),
            entry.address
        );
    }
}

pub fn count(nodes: usize) -> String {
    format!("{nodes} node{}", if nodes == 1 { "" } else { "s" })
}

/// How to check with the config at `path` (`None` or the default location: no flag).
pub fn check_command(path: Option<&Path>) -> String {
    let env = rivershare::config::LoadEnv::from_process();
    match path {
        Some(path) if discover::init_path(None, &env).as_deref() != Some(path) => {
            let shown = path.display().to_string();
            format!(
                "rivershare --config {} check",
                rivershare::shell::sh_quote(&shown)
            )
        }
        _ => "rivershare check".to_string(),
    }
}
