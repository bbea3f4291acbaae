//! The Host URL, read leniently: `http://host`, `http://host:8000`, `host:8000`,
//! `host`, with or without a trailing `/`, `/api` or `/api/nodes`, and a path prefix
//! when the API sits behind a reverse proxy. The default port is KohakuRiver's
//! `HOST_PORT`, 8000.

use std::fmt;

use super::error::DiscoverError;

/// KohakuRiver's default Host API port (`HOST_PORT`).
pub const HOST_PORT: u16 = 8000;

/// A normalised Host URL: always plain http.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostUrl {
    /// A DNS name, an IPv4 address or an IPv6 address (without brackets).
    pub host: String,
    pub port: u16,
    /// Empty, or a path prefix before `/api` such as `/kohakuriver` (no trailing `/`).
    pub prefix: String,
}

impl HostUrl {
    /// Reads what the operator typed after `--host`.
    pub fn parse(input: &str) -> Result<HostUrl, DiscoverError> {
        let invalid = |reason: &str| DiscoverError::InvalidUrl {
            input: input.to_string(),
            reason: reason.to_string(),
        };
        let text = input.trim();
        if text.is_empty() {
            return Err(invalid("the URL is empty"));
        }
        let rest = match text.split_once("://") {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("https") => {
                let host = split_authority(rest)
                    .ok()
                    .map(|(host, _, _)| bracket(&host))
                    .unwrap_or_else(|| "HOST".to_string());
                return Err(DiscoverError::Https {
                    input: input.to_string(),
                    host,
                });
            }
            Some((scheme, _)) => {
                return Err(invalid(&format!(
                    "the scheme {scheme:?} is not supported (only http://)"
                )));
            }
            None => text,
        };
        let (host, port, path) = split_authority(rest).map_err(|reason| invalid(&reason))?;
        Ok(HostUrl {
            host,
            port: port.unwrap_or(HOST_PORT),
            prefix: api_prefix(path).map_err(|reason| invalid(&reason))?,
        })
    }

    /// `http://host:port/prefix/api/nodes`.
    pub fn nodes_url(&self) -> String {
        format!("{self}/api/nodes")
    }

    /// The host as it goes into a URL (IPv6 in brackets).
    pub fn host_for_url(&self) -> String {
        bracket(&self.host)
    }
}

impl fmt::Display for HostUrl {
    /// `http://host:port` plus the prefix, the form every message uses.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "http://{}:{}{}",
            bracket(&self.host),
            self.port,
            self.prefix
        )
    }
}

fn bracket(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}

/// The host of a Runner's `url` (`http://10.0.0.11:8001`), as written by
/// KohakuRiver; `None` when there is none to read.
pub fn url_host(url: &str) -> Option<String> {
    let text = url.trim();
    let rest = match text.split_once("://") {
        Some((_, rest)) => rest,
        None => text,
    };
    split_authority(rest).ok().map(|(host, _, _)| host)
}

/// `host[:port][/path]` into its parts; IPv6 may be bracketed (`[::1]:8000`) or bare
/// (`fe80::1`, which then has no port).
fn split_authority(rest: &str) -> Result<(String, Option<u16>, &str), String> {
    if rest.contains(['?', '#']) {
        return Err("a query (?) or fragment (#) is not part of a Host URL".to_string());
    }
    let (authority, path) = match rest.find('/') {
        Some(at) => rest.split_at(at),
        None => (rest, ""),
    };
    if authority.contains('@') {
        return Err("credentials in the URL are not supported; use --token".to_string());
    }
    let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
        let (host, after) = inner
            .split_once(']')
            .ok_or_else(|| "an IPv6 address opened with '[' is not closed".to_string())?;
        match after {
            "" => (host, None),
            _ => match after.strip_prefix(':') {
                Some(port) => (host, Some(port)),
                None => return Err(format!("unexpected {after:?} after the IPv6 address")),
            },
        }
    } else if authority.matches(':').count() > 1 {
        (authority, None)
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err("no host name or address".to_string());
    }
    if host.starts_with('-') {
        return Err(format!("the host {host:?} must not start with '-'"));
    }
    if let Some(bad) = host
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '%')))
    {
        return Err(format!("the host {host:?} contains {bad:?}"));
    }
    let port = match port {
        None | Some("") => None,
        Some(text) => match text.parse::<u16>() {
            Ok(0) | Err(_) => return Err(format!("the port {text:?} is not a number 1-65535")),
            Ok(port) => Some(port),
        },
    };
    Ok((host.to_string(), port, path))
}

/// The path before KohakuRiver's `/api`: `""`, `/`, `/api`, `/api/` and `/api/nodes`
/// all mean no prefix; `/proxy/kohaku/api` means `/proxy/kohaku`.
fn api_prefix(path: &str) -> Result<String, String> {
    let mut path = path.trim_end_matches('/');
    for suffix in ["/api/nodes", "/api"] {
        if let Some(stripped) = path.strip_suffix(suffix) {
            path = stripped.trim_end_matches('/');
            break;
        }
    }
    if let Some(bad) = path
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '-' | '_' | '~')))
    {
        return Err(format!("the path {path:?} contains {bad:?}"));
    }
    if path.contains("//") || path.split('/').any(|seg| seg == "..") {
        return Err(format!("the path {path:?} is not a plain prefix"));
    }
    Ok(path.to_string())
}
