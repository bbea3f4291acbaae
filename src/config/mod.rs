//! rivershare's configuration: the TOML file, validated and resolved into one
//! [`Config`] with a fully-specified [`Node`] per cluster node.
//!
//! CONTRACT (other modules rely on these types; the loader fills them in):
//! - `Config::load(explicit: Option<&Path>) -> Result<Loaded, ConfigError>` picks
//!   `--config`, else `$RIVERSHARE_CONFIG`, else `~/.config/rivershare/config.toml`
//!   (XDG), else the embedded default (one local node).
//!
//! Submodules: `raw` checks the TOML key by key (with `table` doing the typed,
//! positioned reads), `resolve` applies defaults, `load` picks the file, `error`
//! renders `file:line:col: key: problem`.

mod error;
mod load;
mod raw;
mod resolve;
mod table;

pub use error::{ConfigError, InvalidConfig, Problem};
pub use load::{LoadEnv, choose_origin};
pub use raw::{DEFAULTS_KEYS, NODE_KEYS, TOP_KEYS, check_name};
pub use resolve::{
    DEFAULT_COMMAND_TIMEOUT_SECS, DEFAULT_CONCURRENCY, DEFAULT_CONNECT_TIMEOUT_SECS,
    DEFAULT_DU_TIMEOUT_SECS, DEFAULT_IN_PROGRESS_SECS, DEFAULT_MIN_FREE_GIB, DEFAULT_REFRESH_SECS,
    LOCAL_ADDRESS,
};
pub use table::expand_tilde;

use std::path::PathBuf;
use std::time::Duration;

use crate::facts::{Role, SharedDirSource};

/// How unknown host keys are treated. A changed key is always refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostKeyPolicy {
    /// An unknown host is refused (`host_key_unknown`).
    Strict,
    /// An unknown host's key is recorded in known_hosts, then trusted.
    AcceptNew,
}

/// The console's colours (`theme` in the config). `NO_COLOR` still wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ThemeName {
    #[default]
    Dark,
    Light,
    HighContrast,
}

impl ThemeName {
    /// The config value: `dark`, `light`, `high-contrast`.
    pub fn as_str(self) -> &'static str {
        match self {
            ThemeName::Dark => "dark",
            ThemeName::Light => "light",
            ThemeName::HighContrast => "high-contrast",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    Ssh,
    Local,
}

/// One cluster node, with every default resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub name: String,
    pub role: Role,
    /// IP, DNS name or ssh_config alias. `localhost` for the embedded default.
    pub address: String,
    /// `None` means "use what ssh_config / `ssh -G` says" (which defaults to the local user).
    pub user: Option<String>,
    /// `None` means "use what ssh_config says" (22 by default).
    pub port: Option<u16>,
    /// Tilde-expanded. Empty means "what ssh_config says, then OpenSSH's defaults".
    pub identity_files: Vec<PathBuf>,
    pub shared_dir: String,
    pub shared_dir_source: SharedDirSource,
    pub transport: TransportKind,
}

/// Settings shared by every SSH connection.
#[derive(Debug, Clone, PartialEq)]
pub struct SshSettings {
    /// Tilde-expanded; `None` unless the config names one (ssh's own files then).
    pub ssh_config: Option<PathBuf>,
    /// Tilde-expanded; defaults to `~/.ssh/known_hosts`.
    pub known_hosts: PathBuf,
    pub host_key_policy: HostKeyPolicy,
    pub connect_timeout: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub ssh: SshSettings,
    pub command_timeout: Duration,
    /// Nodes probed at once (>= 1).
    pub concurrency: usize,
    pub min_free_bytes: u64,
    pub read_only: bool,
    /// How long a verification reader retries a token that is not visible yet.
    pub verify_deadline: Duration,
    /// Below this speed-test result (MB/s) a node gets `slow_storage`.
    pub slow_io_mbps: f64,
    /// A newest tarball whose mtime is younger than this many seconds is
    /// `in_progress` (never pruned).
    pub in_progress_secs: u64,
    /// Each entry's time budget in the disk-usage walk (`du_timeout_secs`,
    /// default 60 s): an entry that takes longer is reported partial.
    pub du_timeout: Duration,
    /// The console's auto-refresh period (`refresh_secs`, >= 1 s, default 30 s).
    pub refresh: Duration,
    /// The console's colours (`theme`, default dark).
    pub theme: ThemeName,
    /// Not a config key: the loader sets it. When false, the Host's own
    /// KohakuRiver config is never read (the tarball folder is always
    /// `SHARED_DIR/kohakuriver-containers`): the demo's local nodes run on the
    /// operator's machine and must not pick up its real `~/.kohakuriver`.
    pub kohakuriver_discovery: bool,
    pub nodes: Vec<Node>,
}

/// Where the config came from, for the "using config ..." line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigOrigin {
    /// `--config PATH`.
    Flag(PathBuf),
    /// `$RIVERSHARE_CONFIG`.
    Env(PathBuf),
    /// `~/.config/rivershare/config.toml` (or `$XDG_CONFIG_HOME/rivershare/config.toml`).
    Xdg(PathBuf),
    /// None found: one local node.
    Embedded,
    /// The config `rivershare demo` wrote for its simulated cluster.
    Demo(PathBuf),
}

#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    pub origin: ConfigOrigin,
    /// Remarks for the operator on how the config was put together (so far only for
    /// the embedded default: which KohakuRiver file gave SHARED_DIR, or why none did).
    pub notes: Vec<String>,
}
