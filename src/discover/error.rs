//! Every way asking a Host for its nodes can fail. Each message names the URL and
//! ends with what to try next; none ever contains the API token.

use std::path::PathBuf;

/// Why `discover` could not produce a node list.
#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    /// The `--host` value cannot be read as a Host URL.
    #[error("--host {input:?}: {reason}; give the Host's API as http://HOST:8000")]
    InvalidUrl { input: String, reason: String },

    /// An `https://` URL: the Host's API is plain http.
    #[error(
        "--host {input:?}: https is not supported; KohakuRiver's Host serves plain http on port \
         8000, so use http://{host}:8000 (or put rivershare next to the Host)"
    )]
    Https { input: String, host: String },

    /// Nothing listens on the port (RST).
    #[error(
        "cannot connect to {url}: connection refused; is kohakuriver-host running and listening \
         on port {port}? (on the Host: systemctl status kohakuriver-host)"
    )]
    Refused { url: String, port: u16 },

    /// The name does not resolve, or there is no route to the address.
    #[error(
        "cannot reach {url}: {detail}; check the address, the network and any firewall between \
         here and the Host"
    )]
    Unreachable { url: String, detail: String },

    /// Connect plus read took longer than allowed.
    #[error(
        "{url} did not answer within {secs} s; check the address, that port {port} is open in the \
         Host's firewall, and that kohakuriver-host is not hung"
    )]
    Timeout { url: String, port: u16, secs: u64 },

    /// HTTP 401 or 403: authentication is on and the token is missing or wrong.
    #[error(
        "{url} answered HTTP {status}: the Host wants an API token; {}",
        if *.token_sent {
            "the one given was refused, so check --token (or $RIVERSHARE_TOKEN)"
        } else {
            "pass it with --token TOKEN (or $RIVERSHARE_TOKEN)"
        }
    )]
    Unauthorized {
        url: String,
        status: u16,
        token_sent: bool,
    },

    /// Any other answer outside 2xx.
    #[error(
        "{url} answered HTTP {status} (body starts: {body_start:?}); is this KohakuRiver's Host \
         API (port 8000)?"
    )]
    Status {
        url: String,
        status: u16,
        body_start: String,
    },

    /// 2xx, but the body is not JSON.
    #[error(
        "{url} did not answer with JSON ({detail}; body starts: {body_start:?}); is this \
         KohakuRiver's Host API (port 8000) and not a Runner (8001) or a web page?"
    )]
    NotJson {
        url: String,
        detail: String,
        body_start: String,
    },

    /// JSON, but not a list of node objects with a `hostname`.
    #[error(
        "{url} answered JSON that is not a list of nodes: {detail}; is this KohakuRiver's Host \
         API (port 8000)?"
    )]
    NotNodeList { url: String, detail: String },

    /// Anything else the HTTP client reports (a broken response, a body too large...).
    #[error("asking {url} for its nodes failed: {detail}")]
    Http { url: String, detail: String },
}

/// Why a config could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{} already exists; pass --force to overwrite it", path.display())]
    Exists { path: PathBuf },

    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
}
