//! Node discovery: ask a KohakuRiver Host for its Runners (`GET /api/nodes`) and
//! turn the answer into a ready rivershare config.
//!
//! - [`HostUrl::parse`] reads the `--host` value leniently (default port 8000).
//! - [`fetch`] does the one HTTP request, bounded in time, with typed errors
//!   ([`DiscoverError`]) that never contain the [`Token`].
//! - [`plan()`] decides each entry (names, addresses, what is left out and why);
//!   [`render_toml`] writes it out with the warnings as comments.
//! - [`discover`] does all three; [`write_config`] writes a file atomically.
//!
//! Nothing here prints: the CLI shows the warnings and the errors.

mod error;
mod example;
mod http;
mod nodes;
mod plan;
mod render;
mod url;
mod write;

#[cfg(test)]
mod tests;

use std::net::{IpAddr, ToSocketAddrs as _};
use std::time::{Duration, SystemTime};

pub use error::{DiscoverError, WriteError};
pub use example::EXAMPLE_CONFIG;
pub use http::{Token, fetch};
pub use nodes::{ApiNode, parse_nodes};
pub use plan::{Entry, Placement, Plan, plan, sanitise, shown};
pub use render::{quote, render_toml};
pub use url::{HOST_PORT, HostUrl, url_host};
pub use write::{init_path, write_config};

/// Connect plus answer, for the one request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// What one discovery found, and the config written from it.
#[derive(Debug, Clone)]
pub struct Discovery {
    pub host: HostUrl,
    /// As the Host listed them.
    pub nodes: Vec<ApiNode>,
    pub plan: Plan,
    /// The config text (loads with [`crate::config::Config::from_toml_str`]).
    pub toml: String,
}

/// Asks the Host at `host_input` for its nodes and renders the config.
pub fn discover(
    host_input: &str,
    token: Option<&Token>,
    timeout: Duration,
) -> Result<Discovery, DiscoverError> {
    let host = HostUrl::parse(host_input)?;
    let nodes = fetch(&host, token, timeout)?;
    let host_ips = resolve(&host);
    let plan = plan(&host, &host_ips, &nodes);
    let toml = render_toml(
        &host,
        &plan,
        &crate::report::time::rfc3339(SystemTime::now()),
    );
    Ok(Discovery {
        host,
        nodes,
        plan,
        toml,
    })
}

/// The Host's addresses, to recognise a Runner on the Host by IP. Best effort: the
/// name has just been used for the request, so it normally resolves at once.
fn resolve(host: &HostUrl) -> Vec<IpAddr> {
    match (host.host.as_str(), host.port).to_socket_addrs() {
        Ok(addrs) => addrs.map(|a| a.ip()).collect(),
        Err(e) => {
            tracing::debug!(host = %host.host, "cannot resolve the Host's name: {e}");
            Vec::new()
        }
    }
}
