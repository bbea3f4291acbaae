//! [`ConfigError`]: every way a config can be refused, each one pointing at the
//! file, the line and column (1-based), and the key involved.

use std::fmt;
use std::ops::Range;
use std::path::PathBuf;

use super::ConfigOrigin;

/// Why rivershare could not get a config. `main` maps every variant to exit code 3.
#[derive(Debug)]
pub enum ConfigError {
    /// `--config` or `$RIVERSHARE_CONFIG` named a file that does not exist.
    /// `origin` says which of the two it was (and holds the path).
    NotFound { origin: ConfigOrigin },
    /// The file exists but could not be read (permissions, a directory, ...).
    Read {
        origin: ConfigOrigin,
        source: std::io::Error,
    },
    /// The file was read but is not a valid rivershare config.
    Invalid(Box<InvalidConfig>),
}

/// A config file that was read but refused.
#[derive(Debug, Clone, PartialEq)]
pub struct InvalidConfig {
    pub file: PathBuf,
    /// 1-based; `None` only for problems with no place in the file (no nodes at all).
    pub line: Option<usize>,
    /// 1-based, counted in characters.
    pub column: Option<usize>,
    /// Full key path, e.g. `nodes[2].adress` (node indexes are 0-based, as in jq).
    /// `None` for whole-file problems, and for syntax errors on a line that
    /// assigns no plain key.
    pub key: Option<String>,
    pub problem: Problem,
}

/// What is wrong, independent of where.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// The text is not TOML. `message` is the TOML parser's own.
    Syntax { message: String },
    /// A key rivershare does not know. `valid` lists every key allowed at that level.
    UnknownKey {
        suggestion: Option<&'static str>,
        valid: &'static [&'static str],
        /// Where the key does belong, when it is valid at another level
        /// (`user` at the top level belongs in `[defaults]` or a node).
        belongs_in: Option<&'static str>,
    },
    /// A value of the wrong TOML type.
    WrongType {
        expected: &'static str,
        found: &'static str,
    },
    /// A value of the right type that is not allowed (a bad enum value, a relative
    /// path, a port out of range...).
    InvalidValue {
        message: String,
        suggestion: Option<&'static str>,
    },
    /// A required key is absent from a table.
    MissingKey { missing: &'static str },
    /// Two nodes share a name; the error points at the second.
    DuplicateName {
        name: String,
        first_key: String,
        first_line: usize,
    },
    /// The config defines no node at all.
    NoNodes,
}

impl InvalidConfig {
    /// The key path of the table holding `key` (`nodes[2]` for `nodes[2].adress`).
    fn parent_key(&self) -> Option<&str> {
        let key = self.key.as_deref()?;
        key.rfind('.').map(|dot| &key[..dot])
    }

    /// The last segment of the key path (`adress` for `nodes[2].adress`).
    fn leaf_key(&self) -> Option<&str> {
        let key = self.key.as_deref()?;
        Some(key.rfind('.').map_or(key, |dot| &key[dot + 1..]))
    }
}

impl fmt::Display for InvalidConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let (Some(line), Some(column)) = (self.line, self.column) {
            write!(f, ":{line}:{column}")?;
        }
        write!(f, ": ")?;
        match &self.problem {
            Problem::Syntax { message } => {
                write_key(f, &self.key)?;
                write!(f, "TOML syntax error: {message}")
            }
            Problem::UnknownKey {
                suggestion,
                valid,
                belongs_in,
            } => {
                if let Some(parent) = self.parent_key() {
                    write!(f, "{parent}: ")?;
                }
                write!(f, "unknown key '{}'", self.leaf_key().unwrap_or("?"))?;
                if let Some(place) = belongs_in {
                    write!(f, "; it belongs in {place}")?;
                } else if let Some(s) = suggestion {
                    write!(f, "; did you mean '{s}'?")?;
                }
                write!(f, " (valid: {})", valid.join(", "))
            }
            Problem::WrongType { expected, found } => {
                write_key(f, &self.key)?;
                write!(f, "expected {expected}, found {}", with_article(found))
            }
            Problem::InvalidValue {
                message,
                suggestion,
            } => {
                write_key(f, &self.key)?;
                write!(f, "{message}")?;
                if let Some(s) = suggestion {
                    write!(f, "; did you mean '{s}'?")?;
                }
                Ok(())
            }
            Problem::MissingKey { missing } => {
                write_key(f, &self.key)?;
                write!(f, "missing required key '{missing}'")?;
                if *missing == "address" {
                    write!(f, " (every node needs one unless transport = \"local\")")?;
                }
                Ok(())
            }
            Problem::DuplicateName {
                name,
                first_key,
                first_line,
            } => {
                write_key(f, &self.key)?;
                write!(
                    f,
                    "duplicate node name '{name}' (already used by {first_key} at line {first_line})"
                )
            }
            Problem::NoNodes => {
                write_key(f, &self.key)?;
                write!(
                    f,
                    "no nodes defined; add at least one [[nodes]] table with name, role and address"
                )
            }
        }
    }
}

fn write_key(f: &mut fmt::Formatter<'_>, key: &Option<String>) -> fmt::Result {
    match key {
        Some(k) => write!(f, "{k}: "),
        None => Ok(()),
    }
}

/// "a string", "an integer": TOML type names read better with their article.
fn with_article(type_name: &str) -> String {
    let article = if type_name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {type_name}")
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::NotFound { origin } => match origin_path(origin) {
                Some(path) => write!(
                    f,
                    "config file {} (from {}) does not exist",
                    path.display(),
                    origin_label(origin)
                ),
                None => write!(f, "config file not found"),
            },
            ConfigError::Read { origin, source } => match origin_path(origin) {
                Some(path) => write!(
                    f,
                    "cannot read config file {} (from {}): {source}",
                    path.display(),
                    origin_label(origin)
                ),
                None => write!(f, "cannot read config: {source}"),
            },
            ConfigError::Invalid(inv) => inv.fmt(f),
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConfigError::Read { source, .. } => Some(source),
            _ => None,
        }
    }
}

fn origin_path(origin: &ConfigOrigin) -> Option<&std::path::Path> {
    match origin {
        ConfigOrigin::Flag(p)
        | ConfigOrigin::Env(p)
        | ConfigOrigin::Xdg(p)
        | ConfigOrigin::Demo(p) => Some(p),
        ConfigOrigin::Embedded => None,
    }
}

fn origin_label(origin: &ConfigOrigin) -> &'static str {
    match origin {
        ConfigOrigin::Flag(_) => "--config",
        ConfigOrigin::Env(_) => "$RIVERSHARE_CONFIG",
        ConfigOrigin::Xdg(_) => "the XDG config directory",
        ConfigOrigin::Embedded => "the embedded default",
        ConfigOrigin::Demo(_) => "`rivershare demo`",
    }
}

impl fmt::Display for ConfigOrigin {
    /// The "using config ..." wording: where the config came from.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match origin_path(self) {
            Some(path) => write!(f, "{} (from {})", path.display(), origin_label(self)),
            None => write!(f, "embedded default (no config file found)"),
        }
    }
}

/// 1-based line and character column of byte offset `at` in `text`.
pub(crate) fn line_col(text: &str, at: usize) -> (usize, usize) {
    let at = floor_char_boundary(text, at.min(text.len()));
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |nl| nl + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    while at > 0 && !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Builds [`ConfigError::Invalid`] errors for one file.
pub(crate) struct ErrorSite<'a> {
    pub text: &'a str,
    pub file: &'a std::path::Path,
}

impl ErrorSite<'_> {
    pub fn at(&self, span: Range<usize>, key: Option<String>, problem: Problem) -> ConfigError {
        let (line, column) = line_col(self.text, span.start);
        ConfigError::Invalid(Box::new(InvalidConfig {
            file: self.file.to_path_buf(),
            line: Some(line),
            column: Some(column),
            key,
            problem,
        }))
    }

    pub fn nowhere(&self, problem: Problem) -> ConfigError {
        ConfigError::Invalid(Box::new(InvalidConfig {
            file: self.file.to_path_buf(),
            line: None,
            column: None,
            key: None,
            problem,
        }))
    }

    /// A TOML syntax error, positioned where the parser says.
    pub fn syntax(&self, err: &toml::de::Error) -> ConfigError {
        let span = err.span().unwrap_or(0..0);
        let mut message = err.message().to_string();
        // The parser's "duplicate key" does not say which key; the span does.
        if message == "duplicate key"
            && let Some(key) = self.text.get(span.clone())
        {
            message = format!("duplicate key '{}'", key.trim());
        }
        let key = key_on_line(self.text, span.start);
        self.at(span, key, Problem::Syntax { message })
    }
}

/// The key the line holding byte `at` assigns, with its table (`nodes[1].port`
/// for `port = ` under the second `[[nodes]]`): the TOML parser's message alone
/// does not name it. `None` when that line is no `plain.key = ...` line.
fn key_on_line(text: &str, at: usize) -> Option<String> {
    let at = floor_char_boundary(text, at.min(text.len()));
    let start = text[..at].rfind('\n').map_or(0, |nl| nl + 1);
    let line = text[start..].split('\n').next().unwrap_or("");
    let (lhs, _) = line.split_once('=')?;
    let leaf = lhs.trim();
    let plain = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    };
    if !plain(leaf) {
        return None;
    }
    // The table the line is in: the last header above it; `[[t]]` headers count.
    let mut table: Option<String> = None;
    let mut seen: Vec<(String, usize)> = Vec::new();
    for l in text[..start].lines() {
        let t = l.trim();
        if let Some((name, _)) = t.strip_prefix("[[").and_then(|r| r.split_once("]]")) {
            let name = name.trim();
            let index = match seen.iter_mut().find(|(n, _)| n == name) {
                Some((_, count)) => {
                    *count += 1;
                    *count - 1
                }
                None => {
                    seen.push((name.to_owned(), 1));
                    0
                }
            };
            table = plain(name).then(|| format!("{name}[{index}]"));
        } else if let Some((name, _)) = t.strip_prefix('[').and_then(|r| r.split_once(']')) {
            table = plain(name.trim()).then(|| name.trim().to_owned());
        }
    }
    Some(match table {
        Some(t) => format!("{t}.{leaf}"),
        None => leaf.to_owned(),
    })
}

/// The valid name closest to `given`, if it is close enough to be a likely typo.
pub(crate) fn closest(given: &str, valid: &[&'static str]) -> Option<&'static str> {
    valid
        .iter()
        .map(|v| (strsim::jaro_winkler(given, v), *v))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, v)| v)
}
