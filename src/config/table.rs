//! Typed, position-aware reads out of one parsed TOML table. Every failure becomes
//! a [`ConfigError`] naming the key path, line and column of the offending text.

use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::error::{ConfigError, ErrorSite, Problem, closest};
use super::raw::{DEFAULTS_KEYS, NODE_KEYS, TOP_KEYS};

pub(crate) type Entry<'t, 'i> = (
    &'t Spanned<toml::de::DeString<'i>>,
    &'t Spanned<DeValue<'i>>,
);

/// One table of the document, with its key path (`""`, `defaults`, `nodes[2]`).
pub(crate) struct Table<'s, 't, 'i> {
    pub site: &'s ErrorSite<'s>,
    pub path: String,
    pub table: &'t DeTable<'i>,
    /// Span of the table's header (or inline table), for "missing key" errors.
    pub span: Range<usize>,
}

impl<'s, 't, 'i> Table<'s, 't, 'i> {
    /// Entries in source order (the parsed map itself is sorted by key), with every
    /// key checked against `valid` so the first unknown key in the file is reported.
    pub fn entries(
        &self,
        valid: &'static [&'static str],
    ) -> Result<Vec<Entry<'t, 'i>>, ConfigError> {
        let mut entries: Vec<Entry<'t, 'i>> = self.table.iter().collect();
        entries.sort_by_key(|(k, _)| k.span().start);
        for (key, _) in &entries {
            let name = key.get_ref().as_ref();
            if !valid.contains(&name) {
                return Err(self.site.at(
                    key.span(),
                    Some(self.key_path(name)),
                    Problem::UnknownKey {
                        suggestion: closest(name, valid),
                        valid,
                        belongs_in: self.belongs_in(name),
                    },
                ));
            }
        }
        Ok(entries)
    }

    /// Where `key`, unknown in this table, would be valid instead.
    fn belongs_in(&self, key: &str) -> Option<&'static str> {
        let in_defaults = DEFAULTS_KEYS.contains(&key);
        let in_nodes = NODE_KEYS.contains(&key);
        match self.path.as_str() {
            "" if in_defaults => Some("[defaults] or a [[nodes]] table"),
            "" if in_nodes => Some("a [[nodes]] table"),
            "defaults" if in_nodes => Some("a [[nodes]] table (it has no default)"),
            "defaults" if TOP_KEYS.contains(&key) => Some("the top level, before [defaults]"),
            p if p.starts_with("nodes[") && TOP_KEYS.contains(&key) => {
                Some("the top level, before any table")
            }
            _ => None,
        }
    }

    pub fn key_path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    pub fn missing(&self, key: &'static str) -> ConfigError {
        let path = (!self.path.is_empty()).then(|| self.path.clone());
        self.site.at(
            self.span.clone(),
            path,
            Problem::MissingKey { missing: key },
        )
    }

    pub fn wrong_type(
        &self,
        key: &str,
        value: &Spanned<DeValue<'_>>,
        expected: &'static str,
    ) -> ConfigError {
        self.site.at(
            value.span(),
            Some(self.key_path(key)),
            Problem::WrongType {
                expected,
                found: value.get_ref().type_str(),
            },
        )
    }

    pub fn invalid(&self, key: &str, span: Range<usize>, message: String) -> ConfigError {
        self.site.at(
            span,
            Some(self.key_path(key)),
            Problem::InvalidValue {
                message,
                suggestion: None,
            },
        )
    }

    pub fn string(&self, key: &str, value: &Spanned<DeValue<'_>>) -> Result<String, ConfigError> {
        match value.get_ref() {
            DeValue::String(s) => Ok(s.to_string()),
            _ => Err(self.wrong_type(key, value, "a string")),
        }
    }

    pub fn boolean(&self, key: &str, value: &Spanned<DeValue<'_>>) -> Result<bool, ConfigError> {
        match value.get_ref() {
            DeValue::Boolean(b) => Ok(*b),
            _ => Err(self.wrong_type(key, value, "a boolean (true or false)")),
        }
    }

    /// An integer within `min..=max`.
    pub fn integer(
        &self,
        key: &str,
        value: &Spanned<DeValue<'_>>,
        min: i64,
        max: i64,
    ) -> Result<i64, ConfigError> {
        let DeValue::Integer(int) = value.get_ref() else {
            return Err(self.wrong_type(key, value, "an integer"));
        };
        match i64::from_str_radix(int.as_str(), int.radix()) {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(self.invalid(
                key,
                value.span(),
                format!("{int} is out of range; expected {min} to {max}"),
            )),
        }
    }

    /// An integer or a float, finite and >= 0.
    pub fn non_negative_number(
        &self,
        key: &str,
        value: &Spanned<DeValue<'_>>,
    ) -> Result<f64, ConfigError> {
        let number = match value.get_ref() {
            DeValue::Integer(int) => i64::from_str_radix(int.as_str(), int.radix())
                .ok()
                .map(|n| n as f64),
            DeValue::Float(float) => float.as_str().parse::<f64>().ok(),
            _ => return Err(self.wrong_type(key, value, "a number")),
        };
        match number {
            Some(n) if n.is_finite() && n >= 0.0 => Ok(n),
            _ => Err(self.invalid(
                key,
                value.span(),
                format!(
                    "{} is not allowed; expected a number >= 0",
                    self.site.text.get(value.span()).unwrap_or("value")
                ),
            )),
        }
    }

    /// A string that must be one of `choices`; a near miss gets a suggestion.
    pub fn choice(
        &self,
        key: &str,
        value: &Spanned<DeValue<'_>>,
        choices: &'static [&'static str],
    ) -> Result<&'static str, ConfigError> {
        let given = self.string(key, value)?;
        if let Some(hit) = choices.iter().find(|c| **c == given) {
            return Ok(hit);
        }
        Err(self.site.at(
            value.span(),
            Some(self.key_path(key)),
            Problem::InvalidValue {
                message: format!(
                    "invalid value '{given}'; expected one of: {}",
                    choices.join(", ")
                ),
                suggestion: closest(&given.to_ascii_lowercase(), choices),
            },
        ))
    }

    /// A path string with `~` expanded against `home`; it must then be absolute:
    /// a relative known_hosts or key would change with the directory rivershare
    /// is started from (and `accept-new` would quietly trust a fresh file there).
    pub fn path(
        &self,
        key: &str,
        value: &Spanned<DeValue<'_>>,
        home: Option<&Path>,
    ) -> Result<PathBuf, ConfigError> {
        let text = self.string(key, value)?;
        let path = expand_tilde(&text, home).map_err(|msg| self.invalid(key, value.span(), msg))?;
        if !path.is_absolute() {
            return Err(self.invalid(
                key,
                value.span(),
                format!("must be an absolute path or start with '~/', got {text:?}"),
            ));
        }
        Ok(path)
    }

    /// A list of path strings, each `~`-expanded.
    pub fn paths(
        &self,
        key: &str,
        value: &Spanned<DeValue<'_>>,
        home: Option<&Path>,
    ) -> Result<Vec<PathBuf>, ConfigError> {
        let DeValue::Array(items) = value.get_ref() else {
            return Err(self.wrong_type(key, value, "an array of strings"));
        };
        items
            .iter()
            .enumerate()
            .map(|(i, item)| self.path(&format!("{key}[{i}]"), item, home))
            .collect()
    }
}

/// `~` and `~/x` expand to the home directory; `~user/x` is refused rather than
/// silently taken literally, since rivershare does not look up other users' homes.
pub fn expand_tilde(text: &str, home: Option<&Path>) -> Result<PathBuf, String> {
    if text.is_empty() {
        return Err("empty path".to_string());
    }
    let Some(rest) = text.strip_prefix('~') else {
        return Ok(PathBuf::from(text));
    };
    if !rest.is_empty() && !rest.starts_with('/') {
        return Err(format!(
            "'{text}': only '~/' is expanded (not '~user'); write the full path"
        ));
    }
    let home = home.ok_or_else(|| {
        format!("'{text}' starts with '~' but the home directory is unknown (HOME is unset)")
    })?;
    let rest = rest.trim_start_matches('/');
    Ok(if rest.is_empty() {
        home.to_path_buf()
    } else {
        home.join(rest)
    })
}
