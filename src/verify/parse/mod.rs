//! Pure parsers of the verification scripts' framed output (see
//! [`crate::verify::script`]). Total: any bytes give a result; what did not fit
//! the protocol becomes an error or a problem in the result, never a panic.

use crate::facts::AccessErrorKind;
use crate::probe::parse::classify_errno;
use crate::probe::parse::frame::{Frame, Section, Status, split};
use crate::verify::{BenchResult, CellStatus, WriteStatus};

pub use crate::verify::script::MISMATCH_CAP;

/// The write script's result on one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteParsed {
    pub status: WriteStatus,
    pub detail: Option<String>,
    pub error_kind: Option<AccessErrorKind>,
    /// Stale run folders this node removed.
    pub stale_removed: Vec<String>,
    /// The stale clean-up failed or timed out.
    pub stale_problem: Option<String>,
    /// A step timed out: the storage hung.
    pub hung: bool,
}

/// One reader's result for one token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadParsed {
    pub status: CellStatus,
    pub visible_after_ms: Option<u64>,
    pub detail: Option<String>,
    pub error_kind: Option<AccessErrorKind>,
}

/// The clean-up (or final `rmdir`) script's result on one node.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CleanupParsed {
    /// `Some(true)` when the node's token and bench file are confirmed gone.
    pub token_gone: Option<bool>,
    /// `Some(true)` when the run folder is confirmed gone.
    pub run_gone: Option<bool>,
    pub problems: Vec<String>,
    /// A step timed out or was skipped after one did: the storage hangs.
    pub hung: bool,
}

fn step_timeout(f: &Frame) -> String {
    f.preamble_value("step_timeout").unwrap_or("?").to_owned()
}

fn value<'a>(s: &'a Section, key: &str) -> Option<&'a str> {
    s.out
        .iter()
        .rev()
        .find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
}

/// A failed section's message: its stderr, or its exit code.
fn message(s: &Section) -> String {
    let m = s.stderr_message();
    if m.is_empty() {
        s.status.to_string()
    } else {
        m
    }
}

/// A section that is not there: the script stopped early or printed no frame.
fn absent(f: &Frame, name: &str) -> String {
    let why = f
        .warnings
        .first()
        .cloned()
        .unwrap_or_else(|| "the script stopped early".into());
    format!("no {name} result: {why}")
}

/// The input refused by the script itself (a NUL byte), if any.
fn refused(f: &Frame) -> Option<String> {
    f.section("input")
        .map(|s| format!("not run: {}", message(s)))
}

/// Parse the write script's output.
pub fn parse_write(stdout: &[u8]) -> WriteParsed {
    let f = split(stdout);
    let t = step_timeout(&f);
    let mut out = WriteParsed {
        status: WriteStatus::Ok,
        detail: None,
        error_kind: None,
        stale_removed: Vec::new(),
        stale_problem: None,
        hung: false,
    };
    let fail = |out: &mut WriteParsed, kind: AccessErrorKind, detail: String| {
        out.hung |= kind == AccessErrorKind::Hung;
        if kind == AccessErrorKind::ReadOnly {
            // A read-only node still reads; its write is skipped, not broken.
            out.status = WriteStatus::Skipped;
            out.detail = Some("read_only".into());
        } else {
            out.status = WriteStatus::Error;
            out.detail = Some(detail);
        }
        out.error_kind = Some(kind);
    };
    if let Some(why) = refused(&f) {
        fail(&mut out, AccessErrorKind::Other, why);
        return out;
    }
    match f.section("mkdir").map(|s| (&s.status, s)) {
        Some((Status::Ok, _)) => {}
        Some((Status::Timeout | Status::Skip(_), _)) => {
            fail(
                &mut out,
                AccessErrorKind::Hung,
                format!("mkdir of the run folder timed out after {t} s"),
            );
            return out;
        }
        Some((Status::Err(_), s)) => {
            let m = message(s);
            fail(&mut out, classify_errno(&m), format!("mkdir: {m}"));
            return out;
        }
        None => {
            fail(&mut out, AccessErrorKind::Other, absent(&f, "mkdir"));
            return out;
        }
    }
    if let Some(s) = f.section("stale") {
        out.stale_removed = s
            .out
            .iter()
            .filter_map(|l| l.strip_prefix("removed "))
            .map(str::to_owned)
            .collect();
        out.stale_problem = match &s.status {
            Status::Ok | Status::Skip(_) => None,
            Status::Timeout => Some(format!("stale run folders: timed out after {t} s")),
            Status::Err(_) => Some(format!("stale run folders: {}", message(s))),
        };
        if s.status == Status::Timeout {
            out.hung = true;
        }
    }
    match f.section("write") {
        Some(s) => match &s.status {
            Status::Ok if value(s, "stage") == Some("done") => {}
            Status::Ok => fail(
                &mut out,
                AccessErrorKind::Other,
                "write: the script did not reach its end".into(),
            ),
            Status::Timeout => fail(
                &mut out,
                AccessErrorKind::Hung,
                format!(
                    "write ({}) timed out after {t} s",
                    value(s, "stage").unwrap_or("start")
                ),
            ),
            Status::Skip(r) => fail(
                &mut out,
                AccessErrorKind::Hung,
                format!("write skipped: {r}"),
            ),
            Status::Err(_) => {
                let m = message(s);
                let stage = value(s, "stage").unwrap_or("start");
                fail(
                    &mut out,
                    classify_errno(&m),
                    format!("write ({stage}): {m}"),
                );
            }
        },
        None => fail(&mut out, AccessErrorKind::Other, absent(&f, "write")),
    }
    out
}

/// Parse a reader's output for `n` tokens (section `i` is token `i`).
pub fn parse_read(stdout: &[u8], n: usize) -> Vec<ReadParsed> {
    let f = split(stdout);
    let t = step_timeout(&f);
    let error = |kind: AccessErrorKind, detail: String| ReadParsed {
        status: CellStatus::Error,
        visible_after_ms: None,
        detail: Some(detail),
        error_kind: Some(kind),
    };
    let whole = refused(&f).or_else(|| {
        f.section("tmp")
            .map(|s| format!("reader has no temporary directory: {}", message(s)))
    });
    (0..n)
        .map(|i| {
            if let Some(w) = &whole {
                return error(AccessErrorKind::Other, w.clone());
            }
            let Some(s) = f.section(&i.to_string()) else {
                return error(AccessErrorKind::Other, absent(&f, "read"));
            };
            match &s.status {
                Status::Ok => ReadParsed {
                    status: CellStatus::Ok,
                    visible_after_ms: value(s, "after_ms").and_then(|v| v.parse().ok()),
                    detail: None,
                    error_kind: None,
                },
                Status::Err(_) if s.out.first().map(String::as_str) == Some("state=mismatch") => {
                    ReadParsed {
                        status: CellStatus::Mismatch,
                        visible_after_ms: None,
                        detail: Some(cap(&s.out[1..].join("\n"), MISMATCH_CAP)),
                        error_kind: None,
                    }
                }
                Status::Err(_) => {
                    let m = message(s);
                    match classify_errno(&m) {
                        AccessErrorKind::Missing => ReadParsed {
                            status: CellStatus::Missing,
                            visible_after_ms: None,
                            detail: None,
                            error_kind: None,
                        },
                        kind => error(kind, format!("read: {m}")),
                    }
                }
                Status::Timeout => {
                    error(AccessErrorKind::Hung, format!("read timed out after {t} s"))
                }
                Status::Skip(_) => error(
                    AccessErrorKind::Hung,
                    "not read: an earlier read on this node hung".into(),
                ),
            }
        })
        .collect()
}

/// At most `max` bytes of `s`, cut at a character boundary.
fn cap(s: &str, max: usize) -> String {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

/// Parse the clean-up script (or the final `rmdir` pass).
pub fn parse_cleanup(stdout: &[u8]) -> CleanupParsed {
    let f = split(stdout);
    let t = step_timeout(&f);
    let mut out = CleanupParsed::default();
    if let Some(why) = refused(&f) {
        out.problems.push(why);
        return out;
    }
    out.hung = f
        .sections
        .iter()
        .any(|s| s.status == Status::Timeout || s.status == Status::Skip("hung".into()));
    if let Some(s) = f.section("remove") {
        out.token_gone = Some(s.status == Status::Ok && value(s, "token") == Some("gone"));
        match &s.status {
            Status::Ok => {}
            Status::Timeout => out
                .problems
                .push(format!("removing the token timed out after {t} s")),
            Status::Skip(r) => out.problems.push(format!("token not removed: {r}")),
            Status::Err(_) => out
                .problems
                .push(format!("removing the token: {}", message(s))),
        }
    }
    match f.section("rmdir") {
        Some(s) => match &s.status {
            Status::Ok => out.run_gone = value(s, "run").map(|v| v == "gone"),
            Status::Timeout => out
                .problems
                .push(format!("rmdir of the run folder timed out after {t} s")),
            Status::Skip(r) => out.problems.push(format!("rmdir skipped: {r}")),
            Status::Err(_) => out.problems.push(format!("rmdir: {}", message(s))),
        },
        None => out.problems.push(absent(&f, "rmdir")),
    }
    out
}

/// MB/s (10^6 bytes per second) for `bytes` moved in `ms` milliseconds.
pub fn mbps(bytes: u64, ms: u64) -> f64 {
    // A sub-millisecond run counts as 1 ms rather than infinite speed.
    bytes as f64 / 1e6 / (ms.max(1) as f64 / 1000.0)
}

/// Parse the speed test of `node`, which moved `bytes` each way. The second value
/// says whether the bench file is confirmed removed.
pub fn parse_bench(stdout: &[u8], node: &str, bytes: u64) -> (BenchResult, bool) {
    let f = split(stdout);
    let t = step_timeout(&f);
    let mut errors = Vec::new();
    let speed = |name: &str, errors: &mut Vec<String>| -> Option<(f64, Option<String>)> {
        let Some(s) = f.section(name) else {
            errors.push(absent(&f, name));
            return None;
        };
        match &s.status {
            Status::Ok => {
                let ms = value(s, "ms").and_then(|v| v.parse::<u64>().ok());
                if ms.is_none() {
                    errors.push(format!("{name}: no timing in the output"));
                }
                ms.map(|ms| (mbps(bytes, ms), value(s, "mode").map(str::to_owned)))
            }
            Status::Timeout => {
                errors.push(format!("{name} timed out after {t} s"));
                None
            }
            Status::Skip(r) => {
                errors.push(format!("{name} skipped: {r}"));
                None
            }
            Status::Err(_) => {
                errors.push(format!("{name}: {}", message(s)));
                None
            }
        }
    };
    let write = speed("write", &mut errors);
    let read = if write.is_some() {
        speed("read", &mut errors)
    } else {
        None
    };
    if let Some((_, Some(mode))) = &read
        && mode == "cached"
    {
        errors.push(
            "read cached: O_DIRECT refused, so the read speed may be the page cache's".into(),
        );
    }
    let removed = f
        .section("remove")
        .is_some_and(|s| s.status == Status::Ok && value(s, "file") == Some("gone"));
    if !removed {
        errors.push("bench file not confirmed removed".into());
    }
    let result = BenchResult {
        node: node.to_owned(),
        write_mbps: write.map(|w| w.0),
        read_mbps: read.map(|r| r.0),
        error: (!errors.is_empty()).then(|| errors.join("; ")),
    };
    (result, removed)
}

#[cfg(test)]
mod tests;
