//! The Host's `GET /api/nodes` document: a JSON list of node objects. Only four
//! fields matter here; every other field (cores, GPUs, temperatures...) is ignored,
//! and the optional ones may be missing or null.

use serde_json::Value;

use super::error::DiscoverError;

/// How much of an unexpected body an error message quotes.
const BODY_START_BYTES: usize = 200;

/// One Runner as the Host lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiNode {
    pub hostname: String,
    /// `http://<ip>:8001`, as the Runner registered it.
    pub url: Option<String>,
    /// `online` or `offline` (kept as given: any other value is shown as-is).
    pub status: Option<String>,
    /// Naive local ISO time of the Host, e.g. `2026-11-26T10:41:07.123456`.
    pub last_heartbeat: Option<String>,
}

impl ApiNode {
    /// True only when the Host says `online`.
    pub fn is_online(&self) -> bool {
        self.status
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("online"))
    }
}

/// Reads the body `url` answered with.
pub fn parse_nodes(url: &str, body: &[u8]) -> Result<Vec<ApiNode>, DiscoverError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| DiscoverError::NotJson {
        url: url.to_string(),
        detail: e.to_string(),
        body_start: body_start(body),
    })?;
    let not_list = |detail: String| DiscoverError::NotNodeList {
        url: url.to_string(),
        detail,
    };
    let items = match value {
        Value::Array(items) => items,
        Value::Object(map) => {
            let keys: Vec<&str> = map.keys().map(String::as_str).take(8).collect();
            return Err(not_list(format!(
                "expected a list, got an object with keys [{}]",
                keys.join(", ")
            )));
        }
        other => return Err(not_list(format!("expected a list, got {}", kind(&other)))),
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let Value::Object(map) = item else {
                return Err(not_list(format!(
                    "item {i} is {}, not a node object",
                    kind(item)
                )));
            };
            let hostname = match map.get("hostname") {
                Some(Value::String(h)) if !h.trim().is_empty() => h.trim().to_string(),
                Some(other) => {
                    return Err(not_list(format!(
                        "item {i}: \"hostname\" is {}, not a non-empty string",
                        kind(other)
                    )));
                }
                None => return Err(not_list(format!("item {i} has no \"hostname\""))),
            };
            let text = |key: &str| match map.get(key) {
                Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
                _ => None,
            };
            Ok(ApiNode {
                hostname,
                url: text("url"),
                status: text("status"),
                last_heartbeat: text("last_heartbeat"),
            })
        })
        .collect()
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// The first bytes of a body, on one line, for an error message.
pub fn body_start(body: &[u8]) -> String {
    let end = body.len().min(BODY_START_BYTES);
    let mut text: String = String::from_utf8_lossy(&body[..end])
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if body.len() > end {
        text.push('…');
    }
    text.trim().to_string()
}
