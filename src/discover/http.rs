//! One `GET /api/nodes`, bounded in time and size, with no proxy and no redirects:
//! the Host is on the cluster's own network, and a redirect would be a surprise
//! worth reporting rather than following with a token attached.

use std::fmt;
use std::io::ErrorKind;
use std::time::Duration;

use super::error::DiscoverError;
use super::nodes::{ApiNode, body_start, parse_nodes};
use super::url::HostUrl;

/// A Host with thousands of Runners still answers in well under a megabyte.
const MAX_BODY_BYTES: u64 = 16 * 1024 * 1024;

/// The Host's API token. Its `Debug` never shows it, and it never appears in an
/// error: anything the server echoes back is scrubbed.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    pub fn new(text: impl Into<String>) -> Token {
        Token(text.into())
    }

    /// The secret itself, for the `Authorization` header only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// A token has to fit in a header: visible ASCII, no spaces. The reason never
    /// quotes the token.
    fn check(&self) -> Result<(), String> {
        if self.0.is_empty() {
            return Err("the token is empty".to_string());
        }
        if !self.0.chars().all(|c| c.is_ascii_graphic()) {
            return Err(
                "the token contains a space, a control or a non-ASCII character".to_string(),
            );
        }
        Ok(())
    }

    /// `text` with every occurrence of the token replaced.
    pub fn scrub(&self, text: &str) -> String {
        if self.0.is_empty() {
            return text.to_string();
        }
        text.replace(&self.0, "<token>")
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// Parsing never fails (and so never echoes the value in a command-line error);
/// [`fetch`] checks it.
impl std::str::FromStr for Token {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Token::new(s))
    }
}

/// `GET {host}/api/nodes`, with `Authorization: Bearer` when a token is given.
pub fn fetch(
    host: &HostUrl,
    token: Option<&Token>,
    timeout: Duration,
) -> Result<Vec<ApiNode>, DiscoverError> {
    let url = host.nodes_url();
    let scrub = |text: String| match token {
        Some(t) => t.scrub(&text),
        None => text,
    };
    if let Some(Err(reason)) = token.map(Token::check) {
        return Err(DiscoverError::Http {
            url,
            detail: format!("{reason}; check --token (or $RIVERSHARE_TOKEN)"),
        });
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .timeout_connect(Some(timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .proxy(None)
        .user_agent(concat!("rivershare/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let mut request = agent.get(&url).header("Accept", "application/json");
    if let Some(token) = token {
        request = request.header("Authorization", format!("Bearer {}", token.expose()));
    }
    tracing::info!(%url, token = token.is_some(), "asking the Host for its nodes");
    // ureq logs the raw bytes it sends at trace level, Authorization header included
    // (its docs: "NOT REDACTED"), and the log bridge would put them in rivershare's
    // log with RIVERSHARE_LOG=trace. So its logging is switched off for the exchange:
    // ureq runs on this thread, where the bridge looks up the subscriber.
    let silent = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());
    let (status, body) = tracing::dispatcher::with_default(&silent, || {
        let mut response = request.call()?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_BODY_BYTES)
            .read_to_vec()?;
        Ok((status, body))
    })
    .map_err(|e| client_error(&url, host.port, timeout, e, &scrub))?;
    tracing::info!(%url, status, bytes = body.len(), "the Host answered");
    match status {
        200..=299 => parse_nodes(&url, &body).map_err(|e| match e {
            DiscoverError::NotJson {
                url,
                detail,
                body_start,
            } => DiscoverError::NotJson {
                url,
                detail,
                body_start: scrub(body_start),
            },
            other => other,
        }),
        401 | 403 => Err(DiscoverError::Unauthorized {
            url,
            status,
            token_sent: token.is_some(),
        }),
        _ => Err(DiscoverError::Status {
            url,
            status,
            body_start: scrub(body_start(&body)),
        }),
    }
}

fn client_error(
    url: &str,
    port: u16,
    timeout: Duration,
    err: ureq::Error,
    scrub: &dyn Fn(String) -> String,
) -> DiscoverError {
    let url = url.to_string();
    let timed_out = || DiscoverError::Timeout {
        url: url.clone(),
        port,
        secs: timeout.as_secs().max(1),
    };
    match err {
        ureq::Error::Timeout(_) => timed_out(),
        ureq::Error::HostNotFound => DiscoverError::Unreachable {
            url,
            detail: "the host name does not resolve".to_string(),
        },
        ureq::Error::ConnectionFailed => DiscoverError::Unreachable {
            url,
            detail: "no address of the host accepted a connection".to_string(),
        },
        ureq::Error::Io(io) => match io.kind() {
            ErrorKind::ConnectionRefused => DiscoverError::Refused { url, port },
            ErrorKind::TimedOut | ErrorKind::WouldBlock => timed_out(),
            ErrorKind::HostUnreachable
            | ErrorKind::NetworkUnreachable
            | ErrorKind::AddrNotAvailable
            | ErrorKind::NetworkDown => DiscoverError::Unreachable {
                url,
                detail: scrub(io.to_string()),
            },
            _ => DiscoverError::Http {
                url,
                detail: scrub(io.to_string()),
            },
        },
        other => DiscoverError::Http {
            url,
            detail: scrub(other.to_string()),
        },
    }
}
