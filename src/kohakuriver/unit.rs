//! Reading KohakuRiver's systemd units, as printed by `systemctl cat <unit>`
//! (the unit file, then any drop-ins, each introduced by a `# /path` comment).

use std::path::PathBuf;

/// The `--config /abs/path.py` passed on the unit's effective `ExecStart=`, if any.
///
/// Drop-ins are honoured: an empty `ExecStart=` clears the earlier ones. Only an
/// absolute path is returned, since systemd runs the command from `/`.
pub fn config_path_from_unit(systemctl_cat_output: &str) -> Option<PathBuf> {
    let exec_starts = directive_values(systemctl_cat_output, "Service", "ExecStart", true);
    exec_starts
        .iter()
        .rev()
        .find_map(|line| config_arg(&split_command(line)))
        .filter(|p| p.starts_with('/'))
        .map(PathBuf::from)
}

/// Every path named by the unit's `RequiresMountsFor=` (in `[Unit]`). KohakuRiver's
/// own units have none, so a Runner can start before its share is mounted.
pub fn requires_mounts_for(systemctl_cat_output: &str) -> Vec<String> {
    directive_values(systemctl_cat_output, "Unit", "RequiresMountsFor", true)
        .iter()
        .flat_map(|v| split_command(v))
        .collect()
}

/// Every unit named by `After=`, `Requires=`, `BindsTo=` and `Wants=` in `[Unit]`
/// (drop-ins included), deduplicated, key by key. An empty assignment resets
/// nothing: systemd cannot remove dependencies in a drop-in (systemd.unit(5)).
pub fn ordered_after(systemctl_cat_output: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for key in ["After", "Requires", "BindsTo", "Wants"] {
        // systemd keeps backslashes in unit names (`mnt-cluster\x2dshare.mount`)
        // and takes quotes literally here: a plain whitespace split.
        for v in directive_values(systemctl_cat_output, "Unit", key, false) {
            for unit in v.split_whitespace() {
                if !out.iter().any(|u| u == unit) {
                    out.push(unit.to_owned());
                }
            }
        }
    }
    out
}

/// The values of `key=` in `[section]`, in order; with `reset`, an empty
/// assignment clears the list (the systemd rule for list settings such as
/// ExecStart=).
fn directive_values(text: &str, section: &str, key: &str, reset: bool) -> Vec<String> {
    let mut values = Vec::new();
    let mut current = String::new();
    for line in logical_lines(text) {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = name.trim().to_string();
            continue;
        }
        if current != section {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        if k.trim() != key {
            continue;
        }
        let v = v.trim();
        if v.is_empty() {
            if reset {
                values.clear();
            }
        } else {
            values.push(v.to_string());
        }
    }
    values
}

/// Joins lines ending in a backslash, as systemd does.
fn logical_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in text.lines() {
        let is_comment =
            cur.is_empty() && matches!(line.trim_start().chars().next(), Some('#' | ';'));
        if !is_comment && let Some(head) = line.strip_suffix('\\') {
            cur.push_str(head);
            cur.push(' ');
            continue;
        }
        cur.push_str(line);
        out.push(std::mem::take(&mut cur));
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Splits an ExecStart= command line into words: whitespace separates, single and
/// double quotes group, a backslash escapes the next character. The leading
/// `@-:+!` prefixes systemd allows are dropped.
fn split_command(line: &str) -> Vec<String> {
    let line = line.trim_start_matches(['@', '-', ':', '+', '!']);
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (_, '\\') => {
                if let Some(next) = chars.next() {
                    word.push(next);
                }
                in_word = true;
            }
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// `--config PATH` or `--config=PATH` among the words.
fn config_arg(words: &[String]) -> Option<String> {
    let mut found = None;
    let mut iter = words.iter();
    while let Some(word) = iter.next() {
        if word == "--config" {
            found = iter.next().cloned();
        } else if let Some(path) = word.strip_prefix("--config=") {
            found = Some(path.to_string());
        }
    }
    found
}
