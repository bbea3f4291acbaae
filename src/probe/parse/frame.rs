//! Splitting the probe's framed output into sections. Total: any bytes give a
//! [`Frame`], with warnings for whatever did not fit the protocol.

/// How a section's step ended, from its marker line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Ok,
    /// Non-zero exit code (`err <code>`); `None` when the code was unreadable.
    Err(Option<i32>),
    Timeout,
    /// Not run, with a one-word reason (`hung`, `missing-tool`, `not-dir`, ...).
    Skip(String),
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Status::Ok => f.write_str("ok"),
            Status::Err(Some(c)) => write!(f, "failed (exit {c})"),
            Status::Err(None) => f.write_str("failed"),
            Status::Timeout => f.write_str("timed out"),
            Status::Skip(r) => write!(f, "skipped ({r})"),
        }
    }
}

/// One section: its status and its body, split back into stdout and stderr lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub name: String,
    pub status: Status,
    pub out: Vec<String>,
    pub err: Vec<String>,
}

impl Section {
    /// The stdout lines joined back with newlines.
    pub fn stdout(&self) -> String {
        self.out.join("\n")
    }

    /// The stderr lines, trimmed and joined with `; ` for an error message.
    pub fn stderr_message(&self) -> String {
        self.err
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("; ")
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frame {
    /// Protocol version from `@@rivershare begin <v>`; `None` without a begin line.
    pub version: Option<u32>,
    /// Lines after `begin` and before the first section (`|step_timeout=5`).
    pub preamble: Vec<String>,
    pub sections: Vec<Section>,
    /// `@@rivershare end` was seen: the output is complete.
    pub ended: bool,
    pub warnings: Vec<String>,
}

impl Frame {
    /// The last section with this name (a repeated section overrides, with a warning).
    pub fn section(&self, name: &str) -> Option<&Section> {
        self.sections.iter().rev().find(|s| s.name == name)
    }

    /// A `key=value` line of the preamble.
    pub fn preamble_value(&self, key: &str) -> Option<&str> {
        self.preamble.iter().find_map(|l| {
            l.strip_prefix(key)
                .and_then(|rest| rest.strip_prefix('='))
                .map(str::trim)
        })
    }
}

const MARKER: &str = "@@rivershare ";

fn parse_status(words: &[&str]) -> Option<Status> {
    match words {
        ["ok"] => Some(Status::Ok),
        ["timeout"] => Some(Status::Timeout),
        ["err"] => Some(Status::Err(None)),
        ["err", code] => Some(Status::Err(code.parse().ok())),
        ["skip"] => Some(Status::Skip(String::new())),
        ["skip", reason] => Some(Status::Skip((*reason).to_string())),
        _ => None,
    }
}

/// A `~` line in a body: a note from the shell side of the framing, never from
/// the command (whose every line is tagged `|` or `!`). `~truncated <tag> <cap>
/// <size>`: that stream of the step printed `size` bytes; only `cap` were kept.
fn framing_note(section: &str, note: &str) -> String {
    let words: Vec<&str> = note.split(' ').filter(|w| !w.is_empty()).collect();
    match words.as_slice() {
        ["truncated", tag, cap, rest @ ..] => {
            let stream = match *tag {
                "|" => "stdout",
                "!" => "stderr",
                _ => "output",
            };
            let of = rest
                .first()
                .map(|size| format!(" (it printed {size})"))
                .unwrap_or_default();
            format!(
                "section {section}: {stream} truncated at {cap} bytes{of}; what it said after that is missing"
            )
        }
        _ => format!("section {section}: unknown framing note {note:?}; ignored"),
    }
}

/// Split raw probe output into sections.
pub fn split(stdout: &[u8]) -> Frame {
    let mut f = Frame::default();
    let mut begun = false;
    let mut untagged_warned = false;
    let mut after_end = false;
    // Sections (by index; `None`: the preamble) already warned about invalid UTF-8.
    let mut utf8_warned: Vec<Option<usize>> = Vec::new();
    for raw in stdout.split(|b| *b == b'\n') {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let line = String::from_utf8_lossy(raw);
        // Lossy decoding allocates only when it replaced something.
        let invalid = matches!(line, std::borrow::Cow::Owned(_));
        if invalid && begun && !after_end {
            let at = f.sections.len().checked_sub(1);
            if !utf8_warned.contains(&at) && !line.starts_with(MARKER) {
                utf8_warned.push(at);
                let name = at.and_then(|i| f.sections.get(i)).map_or_else(
                    || "the probe preamble".to_owned(),
                    |s| format!("section {}", s.name),
                );
                f.warnings.push(format!(
                    "{name}: output is not valid UTF-8; the invalid bytes were read as U+FFFD"
                ));
            }
        }
        if after_end {
            if !line.trim().is_empty() {
                f.warnings
                    .push("probe output continues after its end marker; ignored".into());
                break;
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix(MARKER) {
            let words: Vec<&str> = rest.split(' ').filter(|w| !w.is_empty()).collect();
            match words.as_slice() {
                ["begin", v] => {
                    if begun {
                        f.warnings
                            .push("probe output has a second begin marker".into());
                    }
                    begun = true;
                    f.version = v.parse().ok();
                    if f.version != Some(1) {
                        f.warnings.push(format!(
                            "probe protocol version {v:?} is not 1; parsing it as version 1"
                        ));
                    }
                }
                ["end"] => {
                    f.ended = true;
                    after_end = true;
                }
                [name, status @ ..] => {
                    if !begun {
                        begun = true;
                        f.warnings.push("probe output has no begin marker".into());
                    }
                    let status = parse_status(status).unwrap_or_else(|| {
                        f.warnings.push(format!(
                            "section {name}: unreadable status {:?}; treated as an error",
                            status.join(" ")
                        ));
                        Status::Err(None)
                    });
                    if f.sections.iter().any(|s| s.name == *name) {
                        f.warnings
                            .push(format!("section {name} appears twice; the last one counts"));
                    }
                    f.sections.push(Section {
                        name: (*name).to_string(),
                        status,
                        out: Vec::new(),
                        err: Vec::new(),
                    });
                }
                [] => f.warnings.push("empty probe marker line".into()),
            }
            continue;
        }
        if !begun {
            // Login banners or shell start-up noise before the script ran.
            tracing::debug!(line = %line, "probe output before the begin marker");
            continue;
        }
        let Some(sec) = f.sections.last_mut() else {
            match line.strip_prefix('|') {
                Some(l) => f.preamble.push(l.to_string()),
                None if line.is_empty() => {}
                None => f.preamble.push(line.to_string()),
            }
            continue;
        };
        if let Some(l) = line.strip_prefix('|') {
            sec.out.push(l.to_string());
        } else if let Some(l) = line.strip_prefix('!') {
            sec.err.push(l.to_string());
        } else if let Some(note) = line.strip_prefix('~') {
            f.warnings.push(framing_note(&sec.name, note));
        } else if line.is_empty() {
            // The split of a final newline, or a blank separator: nothing to keep.
        } else {
            if !untagged_warned {
                untagged_warned = true;
                f.warnings.push(format!(
                    "section {}: untagged output line; read as stdout",
                    sec.name
                ));
            }
            sec.out.push(line.to_string());
        }
    }
    if !begun {
        f.warnings
            .push("no probe output: the begin marker is missing".into());
    } else if !f.ended {
        f.warnings
            .push("probe output truncated: no end marker; the facts are partial".into());
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_sections_and_streams() {
        let f = split(
            b"motd junk\n@@rivershare begin 1\n|step_timeout=5\n@@rivershare a ok\n|x\n!y\n@@rivershare b err 2\n@@rivershare c skip hung\n@@rivershare d timeout\n@@rivershare end\n",
        );
        assert_eq!(f.version, Some(1));
        assert!(f.ended);
        assert!(f.warnings.is_empty(), "{:?}", f.warnings);
        assert_eq!(f.preamble_value("step_timeout"), Some("5"));
        let a = f.section("a").expect("a");
        assert_eq!(
            (a.out.clone(), a.err.clone()),
            (vec!["x".to_string()], vec!["y".to_string()])
        );
        assert_eq!(
            f.section("b").map(|s| &s.status),
            Some(&Status::Err(Some(2)))
        );
        assert_eq!(
            f.section("c").map(|s| &s.status),
            Some(&Status::Skip("hung".into()))
        );
        assert_eq!(f.section("d").map(|s| &s.status), Some(&Status::Timeout));
    }

    #[test]
    fn truncated_output_warns_and_keeps_sections() {
        let f = split(b"@@rivershare begin 1\n@@rivershare host ok\n|n1\n|6.1");
        assert!(!f.ended);
        assert_eq!(f.section("host").map(|s| s.out.len()), Some(2));
        assert!(f.warnings.iter().any(|w| w.contains("truncated")));
    }

    #[test]
    fn empty_output_warns() {
        let f = split(b"");
        assert!(f.sections.is_empty());
        assert!(f.warnings.iter().any(|w| w.contains("begin marker")));
    }
}
