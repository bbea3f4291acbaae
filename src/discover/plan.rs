//! From the Host's node list to config entries: names that pass the config's
//! validation and are unique, SSH addresses from the Runners' urls, and what to
//! leave out (loopback urls, a Runner on the Host, a repeated address), with a
//! warning for each decision.

use std::collections::HashSet;
use std::net::IpAddr;

use super::nodes::ApiNode;
use super::url::{HostUrl, url_host};
use crate::config::check_name;
use crate::facts::Role;

/// The config's limit on node names.
const MAX_NAME_LEN: usize = 128;
/// Untrusted text (hostnames, urls, statuses) is cut to this in messages.
const MAX_SHOWN_CHARS: usize = 120;

/// How an entry goes into the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// A `[[nodes]]` table.
    Active,
    /// Written commented out, with the reason above it.
    CommentedOut { reason: String },
    /// A Runner on the Host's own machine: no entry of its own (the Host's covers
    /// the machine), only a note on the Host.
    OnHost,
}

/// One node of the discovered cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub role: Role,
    pub address: String,
    /// The Host's listing of it; `None` for the Host itself.
    pub source: Option<ApiNode>,
    pub placement: Placement,
    /// Comment lines above the table (offline, renamed, runs a Runner too...).
    pub notes: Vec<String>,
}

/// Every entry (the Host first, then the Runners in the Host's order) and the
/// warnings, each one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub entries: Vec<Entry>,
    pub warnings: Vec<String>,
}

impl Plan {
    /// The `[[nodes]]` tables actually written.
    pub fn active_count(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| e.placement == Placement::Active)
            .count()
    }
}

/// Decides every entry. `host_ips` are the addresses the Host's name resolved to
/// (to recognise a Runner on the Host by its IP); empty is fine.
pub fn plan(host: &HostUrl, host_ips: &[IpAddr], nodes: &[ApiNode]) -> Plan {
    let mut warnings = Vec::new();
    let mut names = Names::default();
    let host_ip = parse_ip(&host.host);
    // An IP or a loopback name says nothing about the machine: call it "host".
    let host_name = if host_ip.is_some() || is_loopback(&host.host) {
        "host".to_string()
    } else {
        sanitise(&host.host)
    };
    let mut host_entry = Entry {
        name: names.claim(&host_name, &mut warnings),
        role: Role::Host,
        address: host.host.clone(),
        source: None,
        placement: Placement::Active,
        notes: vec!["The KohakuRiver Host (the address given to discover).".to_string()],
    };
    if is_loopback(&host.host) {
        let warning = format!(
            "the Host's address {} is a loopback address: it only works when rivershare runs on \
             the Host itself; write the Host's real address to run rivershare elsewhere",
            host.host
        );
        host_entry.notes.push(capitalise(&warning));
        warnings.push(warning);
    }
    let on_host = |hostname: &str, address: &str| {
        hostname.eq_ignore_ascii_case(&host.host)
            || address.eq_ignore_ascii_case(&host.host)
            || parse_ip(address).is_some_and(|ip| host_ip == Some(ip) || host_ips.contains(&ip))
    };

    let mut runners = Vec::with_capacity(nodes.len());
    let mut addresses: Vec<(String, String)> = Vec::new();
    for node in nodes {
        let shown_name = shown(&node.hostname);
        let label = format!("runner {shown_name:?}");
        let mut notes = Vec::new();
        let address = node
            .url
            .as_deref()
            .and_then(url_host)
            .filter(|a| valid_address(a));
        let url_text = node.url.as_deref().map_or("no url".to_string(), shown);
        let mut placement = Placement::Active;
        let address = match address {
            Some(address) => address,
            None if valid_address(&node.hostname) => {
                let warning = format!(
                    "{label} has {}: its address is its hostname, which must resolve here (or \
                     be a Host alias in ~/.ssh/config)",
                    match &node.url {
                        Some(url) => format!("a url rivershare cannot read ({})", shown(url)),
                        None => "no url".to_string(),
                    }
                );
                notes.push(
                    "No usable url: the address is its hostname, which must resolve here (or be \
                     a Host alias in ~/.ssh/config)."
                        .to_string(),
                );
                warnings.push(warning);
                node.hostname.clone()
            }
            None => {
                placement = Placement::CommentedOut {
                    reason: format!("no usable address: {url_text}, and its hostname is not one"),
                };
                String::new()
            }
        };
        if placement == Placement::Active {
            if is_loopback(&address) {
                placement = Placement::CommentedOut {
                    reason: format!(
                        "its url {url_text} is a loopback address: the Runner could not find its \
                         own address, so this is not an SSH target. Write its real address and \
                         uncomment it"
                    ),
                };
            } else if on_host(&node.hostname, &address) {
                placement = Placement::OnHost;
            } else if let Some((other, _)) = addresses.iter().find(|(_, a)| *a == address) {
                placement = Placement::CommentedOut {
                    reason: format!(
                        "same address {address} as runner {other:?}: one machine is probed once"
                    ),
                };
            }
        }
        match &placement {
            Placement::Active => addresses.push((node.hostname.clone(), address.clone())),
            Placement::CommentedOut { reason } => {
                warnings.push(format!("{label} is left out (commented out): {reason}"));
            }
            Placement::OnHost => {
                let note = format!(
                    "Also runs the KohakuRiver Runner {shown_name:?} ({url_text}): this machine \
                     is probed once, as the Host."
                );
                host_entry.notes.push(note);
                warnings.push(format!(
                    "{label} ({url_text}) runs on the Host: it gets no entry of its own, the \
                     Host's entry covers that machine"
                ));
            }
        }
        if !node.is_online() {
            let warning = format!(
                "{label} ({}) is {} (status {:?}, last heartbeat {}): {}",
                if address.is_empty() {
                    "no address"
                } else {
                    &address
                },
                match &node.status {
                    Some(_) => "not online",
                    None => "of unknown status",
                },
                node.status.as_deref().map_or("missing".to_string(), shown),
                node.last_heartbeat
                    .as_deref()
                    .map_or("none".to_string(), shown),
                "check will report it until it is back"
            );
            notes.push("Not online at discovery: check will report it until it is back.".into());
            warnings.push(warning);
        }
        let name = match placement {
            Placement::OnHost => sanitise(&node.hostname),
            _ => names.claim_runner(&node.hostname, &mut warnings, &mut notes),
        };
        runners.push(Entry {
            name,
            role: Role::Runner,
            address,
            source: Some(node.clone()),
            placement,
            notes,
        });
    }
    if nodes.is_empty() {
        warnings.push(
            "the Host lists no Runners: the config has only the Host (a Runner appears once it \
             has registered with the Host)"
                .to_string(),
        );
    }
    let mut entries = vec![host_entry];
    entries.extend(runners);
    Plan { entries, warnings }
}

/// The names in use, so every new one is unique.
#[derive(Default)]
struct Names(HashSet<String>);

impl Names {
    /// A Runner's name from its hostname, sanitised, warned about when changed.
    fn claim_runner(
        &mut self,
        hostname: &str,
        warnings: &mut Vec<String>,
        notes: &mut Vec<String>,
    ) -> String {
        let clean = sanitise(hostname);
        if clean != hostname {
            warnings.push(format!(
                "runner hostname {:?} is not a valid node name (letters, digits, '.', '_', '-'); \
                 it is named {clean:?}",
                shown(hostname)
            ));
        }
        let name = self.claim(&clean, warnings);
        if name != hostname {
            notes.push(format!(
                "Named {name:?}: its hostname is {}.",
                if clean == hostname {
                    "already the name of another node"
                } else {
                    "not a valid node name"
                }
            ));
        }
        name
    }

    /// `name`, or `name-2`, `name-3`... when taken.
    fn claim(&mut self, name: &str, warnings: &mut Vec<String>) -> String {
        let mut candidate = name.to_string();
        let mut n = 2;
        while self.0.contains(&candidate) {
            let base: String = name.chars().take(MAX_NAME_LEN - 8).collect();
            candidate = format!("{base}-{n}");
            n += 1;
        }
        if candidate != name {
            warnings.push(format!(
                "two nodes would be named {name:?}: the later one is named {candidate:?}"
            ));
        }
        self.0.insert(candidate.clone());
        candidate
    }
}

/// A node name the config accepts: other characters become '-', it starts with a
/// letter or digit, and fits the length limit.
pub fn sanitise(raw: &str) -> String {
    let mapped: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let trimmed: String = mapped
        .trim_start_matches(|c: char| !c.is_ascii_alphanumeric())
        .chars()
        .take(MAX_NAME_LEN)
        .collect();
    if check_name(&trimmed).is_ok() {
        trimmed
    } else {
        "node".to_string()
    }
}

/// Text from the Host, safe for a terminal and a TOML comment: no control
/// characters (a newline would end the comment), and not too long.
pub fn shown(raw: &str) -> String {
    let mut text: String = raw
        .chars()
        .take(MAX_SHOWN_CHARS)
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect();
    if raw.chars().count() > MAX_SHOWN_CHARS {
        text.push('…');
    }
    text
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

fn parse_ip(host: &str) -> Option<IpAddr> {
    host.split('%').next().and_then(|h| h.parse().ok())
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.to_ascii_lowercase().ends_with(".localhost")
        || parse_ip(host).is_some_and(|ip| ip.is_loopback() || ip.is_unspecified())
}

/// What the config accepts as an address and ssh can take as a host.
fn valid_address(text: &str) -> bool {
    !text.is_empty()
        && !text.starts_with('-')
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':'))
}
