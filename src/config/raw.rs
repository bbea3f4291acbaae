//! The TOML document, checked key by key into plain values. Everything that can be
//! wrong with one value is caught here, where its position is still known.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::error::{ConfigError, ErrorSite, Problem};
use super::table::Table;
use super::{HostKeyPolicy, ThemeName, TransportKind};
use crate::facts::Role;

pub const TOP_KEYS: &[&str] = &[
    "ssh_config",
    "known_hosts",
    "host_key_policy",
    "connect_timeout_secs",
    "command_timeout_secs",
    "concurrency",
    "min_free_gib",
    "read_only",
    "verify_deadline_secs",
    "slow_io_mbps",
    "in_progress_secs",
    "du_timeout_secs",
    "refresh_secs",
    "theme",
    "defaults",
    "nodes",
];
pub const DEFAULTS_KEYS: &[&str] = &["user", "port", "identity_files", "shared_dir"];
pub const NODE_KEYS: &[&str] = &[
    "name",
    "role",
    "address",
    "shared_dir",
    "user",
    "port",
    "identity_files",
    "transport",
];
const POLICIES: &[&str] = &["strict", "accept-new"];
const ROLES: &[&str] = &["host", "runner"];
const TRANSPORTS: &[&str] = &["ssh", "local"];
const THEMES: &[&str] = &["dark", "light", "high-contrast"];
/// Node names end up in file names; keep them well inside any filesystem's limit.
const MAX_NAME_LEN: usize = 128;

/// Settings a node may take from `[defaults]` or set itself.
#[derive(Debug, Default, Clone)]
pub(crate) struct NodeFields {
    pub user: Option<String>,
    pub port: Option<u16>,
    pub identity_files: Option<Vec<PathBuf>>,
    pub shared_dir: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct RawNode {
    pub name: String,
    pub role: Role,
    pub address: Option<String>,
    pub transport: TransportKind,
    pub fields: NodeFields,
}

#[derive(Debug, Default)]
pub(crate) struct RawConfig {
    pub ssh_config: Option<PathBuf>,
    pub known_hosts: Option<PathBuf>,
    pub host_key_policy: Option<HostKeyPolicy>,
    pub connect_timeout_secs: Option<u64>,
    pub command_timeout_secs: Option<u64>,
    pub concurrency: Option<usize>,
    pub min_free_gib: Option<f64>,
    pub read_only: Option<bool>,
    pub verify_deadline_secs: Option<f64>,
    pub slow_io_mbps: Option<f64>,
    pub in_progress_secs: Option<u64>,
    pub du_timeout_secs: Option<u64>,
    pub refresh_secs: Option<u64>,
    pub theme: Option<ThemeName>,
    pub defaults: NodeFields,
    pub nodes: Vec<RawNode>,
}

/// Parses and checks `text`; `home` expands `~` in paths.
pub(crate) fn parse(
    text: &str,
    file: &Path,
    home: Option<&Path>,
) -> Result<RawConfig, ConfigError> {
    let site = ErrorSite { text, file };
    let doc = DeTable::parse(text).map_err(|e| site.syntax(&e))?;
    let top = Table {
        site: &site,
        path: String::new(),
        table: doc.get_ref(),
        span: 0..0,
    };
    let mut raw = RawConfig::default();
    let mut nodes_seen = false;
    for (key, value) in top.entries(TOP_KEYS)? {
        let k = key.get_ref().as_ref();
        match k {
            "ssh_config" => raw.ssh_config = Some(top.path(k, value, home)?),
            "known_hosts" => raw.known_hosts = Some(top.path(k, value, home)?),
            "host_key_policy" => {
                raw.host_key_policy = Some(match top.choice(k, value, POLICIES)? {
                    "accept-new" => HostKeyPolicy::AcceptNew,
                    _ => HostKeyPolicy::Strict,
                })
            }
            "connect_timeout_secs" => {
                raw.connect_timeout_secs = Some(top.integer(k, value, 1, 3600)? as u64)
            }
            "command_timeout_secs" => {
                raw.command_timeout_secs = Some(top.integer(k, value, 1, 86_400)? as u64)
            }
            "concurrency" => raw.concurrency = Some(top.integer(k, value, 1, 65_536)? as usize),
            "min_free_gib" => raw.min_free_gib = Some(top.non_negative_number(k, value)?),
            "read_only" => raw.read_only = Some(top.boolean(k, value)?),
            "verify_deadline_secs" => {
                raw.verify_deadline_secs = Some(top.non_negative_number(k, value)?)
            }
            "slow_io_mbps" => raw.slow_io_mbps = Some(top.non_negative_number(k, value)?),
            "in_progress_secs" => {
                raw.in_progress_secs = Some(top.integer(k, value, 0, 86_400 * 365)? as u64)
            }
            "du_timeout_secs" => {
                raw.du_timeout_secs = Some(top.integer(k, value, 1, 86_400)? as u64)
            }
            "refresh_secs" => raw.refresh_secs = Some(top.integer(k, value, 1, 86_400)? as u64),
            "theme" => {
                raw.theme = Some(match top.choice(k, value, THEMES)? {
                    "light" => ThemeName::Light,
                    "high-contrast" => ThemeName::HighContrast,
                    _ => ThemeName::Dark,
                })
            }
            "defaults" => {
                let table = sub_table(&top, k, value)?;
                raw.defaults = node_fields(&table, &table.entries(DEFAULTS_KEYS)?, home)?;
            }
            _ => {
                nodes_seen = true;
                raw.nodes = nodes(&top, value, home)?;
            }
        }
    }
    if raw.nodes.is_empty() {
        return Err(match doc.get_ref().get("nodes") {
            Some(value) if nodes_seen => {
                site.at(value.span(), Some("nodes".to_string()), Problem::NoNodes)
            }
            _ => site.nowhere(Problem::NoNodes),
        });
    }
    Ok(raw)
}

fn sub_table<'s, 't, 'i>(
    parent: &Table<'s, 't, 'i>,
    key: &str,
    value: &'t Spanned<DeValue<'i>>,
) -> Result<Table<'s, 't, 'i>, ConfigError> {
    match value.get_ref() {
        DeValue::Table(table) => Ok(Table {
            site: parent.site,
            path: parent.key_path(key),
            table,
            span: value.span(),
        }),
        _ => Err(parent.wrong_type(key, value, "a table")),
    }
}

fn nodes(
    top: &Table<'_, '_, '_>,
    value: &Spanned<DeValue<'_>>,
    home: Option<&Path>,
) -> Result<Vec<RawNode>, ConfigError> {
    let DeValue::Array(items) = value.get_ref() else {
        return Err(top.wrong_type("nodes", value, "an array of tables ([[nodes]])"));
    };
    // name -> (key path, line) of its first use, to point a duplicate back at it.
    let mut seen: HashMap<String, (String, usize)> = HashMap::new();
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let key = format!("nodes[{i}]");
        let table = sub_table(top, &key, item)?;
        let (node, name_span) = node(&table, home)?;
        let name_key = table.key_path("name");
        let (line, _) = super::error::line_col(top.site.text, name_span.start);
        if let Some((first_key, first_line)) = seen.get(&node.name) {
            return Err(top.site.at(
                name_span,
                Some(name_key),
                Problem::DuplicateName {
                    name: node.name.clone(),
                    first_key: first_key.clone(),
                    first_line: *first_line,
                },
            ));
        }
        seen.insert(node.name.clone(), (table.path.clone(), line));
        out.push(node);
    }
    Ok(out)
}

/// One `[[nodes]]` table, and the span of its name (for duplicate detection).
fn node(
    table: &Table<'_, '_, '_>,
    home: Option<&Path>,
) -> Result<(RawNode, std::ops::Range<usize>), ConfigError> {
    let entries = table.entries(NODE_KEYS)?;
    let (mut name, mut role, mut address, mut transport) = (None, None, None, None);
    for (key, value) in &entries {
        let k = key.get_ref().as_ref();
        match k {
            "name" => {
                let text = table.string(k, value)?;
                if let Err(msg) = check_name(&text) {
                    return Err(table.invalid(k, value.span(), msg));
                }
                name = Some((text, value.span()));
            }
            "role" => {
                role = Some(match table.choice(k, value, ROLES)? {
                    "runner" => Role::Runner,
                    _ => Role::Host,
                })
            }
            "address" => {
                let text = table.string(k, value)?;
                if let Err(msg) = check_ssh_word("address", &text) {
                    return Err(table.invalid(k, value.span(), msg));
                }
                address = Some(text);
            }
            "transport" => {
                transport = Some(match table.choice(k, value, TRANSPORTS)? {
                    "local" => TransportKind::Local,
                    _ => TransportKind::Ssh,
                })
            }
            _ => {}
        }
    }
    let fields = node_fields(table, &entries, home)?;
    let (name, name_span) = name.ok_or_else(|| table.missing("name"))?;
    let role = role.ok_or_else(|| table.missing("role"))?;
    let transport = transport.unwrap_or(TransportKind::Ssh);
    if address.is_none() && transport == TransportKind::Ssh {
        return Err(table.missing("address"));
    }
    let node = RawNode {
        name,
        role,
        address,
        transport,
        fields,
    };
    Ok((node, name_span))
}

/// The keys shared by `[defaults]` and `[[nodes]]`; other keys are skipped here
/// (the caller has already checked that every key is valid for its table).
fn node_fields(
    table: &Table<'_, '_, '_>,
    entries: &[super::table::Entry<'_, '_>],
    home: Option<&Path>,
) -> Result<NodeFields, ConfigError> {
    let mut fields = NodeFields::default();
    for (key, value) in entries {
        let k = key.get_ref().as_ref();
        match k {
            "user" => {
                let text = table.string(k, value)?;
                if let Err(msg) = check_ssh_word("user", &text) {
                    return Err(table.invalid(k, value.span(), msg));
                }
                fields.user = Some(text);
            }
            "port" => fields.port = Some(table.integer(k, value, 1, 65_535)? as u16),
            "identity_files" => fields.identity_files = Some(table.paths(k, value, home)?),
            "shared_dir" => {
                let text = table.string(k, value)?;
                if let Err(msg) = check_shared_dir(&text) {
                    return Err(table.invalid(k, value.span(), msg));
                }
                fields.shared_dir = Some(text);
            }
            _ => {}
        }
    }
    Ok(fields)
}

/// Node names appear in findings and in file names: `[A-Za-z0-9._-]`, starting with
/// a letter or digit (so never `.`, `..` or something that looks like an option).
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("node name is empty".to_string());
    }
    if name.len() > MAX_NAME_LEN {
        return Err(format!(
            "node name is longer than {MAX_NAME_LEN} characters"
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(format!(
            "node name '{name}' contains {bad:?}; only letters, digits, '.', '_' and '-' are allowed"
        ));
    }
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(format!(
            "node name '{name}' must start with a letter or a digit"
        ));
    }
    Ok(())
}

/// Addresses and users are handed to ssh and `ssh -G`: a leading '-' would read as an
/// option, and whitespace or control characters cannot be a host or a user name.
fn check_ssh_word(what: &str, text: &str) -> Result<(), String> {
    if text.is_empty() {
        return Err(format!("{what} is empty"));
    }
    if text.starts_with('-') {
        return Err(format!("{what} '{text}' must not start with '-'"));
    }
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "{what} {text:?} must not contain whitespace or control characters"
        ));
    }
    Ok(())
}

/// SHARED_DIR is used as-is on the node, so it must be absolute. Any other byte,
/// quotes and newlines included, is fine: every use goes through `sh_quote`.
fn check_shared_dir(text: &str) -> Result<(), String> {
    if !text.starts_with('/') {
        return Err(format!("shared_dir must be an absolute path, got {text:?}"));
    }
    if text.contains('\0') {
        return Err("shared_dir must not contain a NUL character".to_string());
    }
    Ok(())
}
