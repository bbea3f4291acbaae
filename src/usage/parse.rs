//! The walk's framed output into [`UsageEntry`]s (see [`super::script`]).
//! Pure and total: any bytes give a result (a cut stream keeps what it holds,
//! garbage gives an error string), never a panic.

use std::time::{Duration, UNIX_EPOCH};

use super::{UsageChild, UsageEntry};
use crate::probe::parse::frame::{Frame, Section, Status, split};

mod progress;
pub use progress::WalkProgress;

/// One top-level entry of SHARED_DIR, as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// The name's bytes, exactly as on disk.
    pub name: Vec<u8>,
}

/// What the listing script saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListingParsed {
    /// In the order the node's shell globbed them (bytewise, `LC_ALL=C`).
    pub entries: Vec<Listed>,
    /// Things that did not fit but did not spoil the listing.
    pub warnings: Vec<String>,
}

/// What the walk measured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkParsed {
    /// One per walked name, largest first.
    pub entries: Vec<UsageEntry>,
    pub warnings: Vec<String>,
    /// Why the walk did not run or was cut short.
    pub error: Option<String>,
}

fn message(s: &Section) -> String {
    let m = s.stderr_message();
    if m.is_empty() {
        s.status.to_string()
    } else {
        m
    }
}

fn hex(s: &Section) -> Result<Vec<u8>, String> {
    let hex: String = s.out.iter().flat_map(|l| l.trim().chars()).collect();
    data_encoding::HEXLOWER_PERMISSIVE
        .decode(hex.as_bytes())
        .map_err(|e| format!("section {} is not hex ({e}); truncated?", s.name))
}

fn step_timeout(f: &Frame) -> &str {
    f.preamble_value("step_timeout").unwrap_or("?")
}

/// Parse the listing script's output. `Err` says why there is no listing.
pub fn parse_listing(stdout: &[u8]) -> Result<ListingParsed, String> {
    let f = split(stdout);
    if let Some(s) = f.section("input") {
        return Err(format!("not run: {}", message(s)));
    }
    match f.section("dir") {
        Some(s) if s.status == Status::Ok => {
            let kind = s.out.first().map_or("?", String::as_str);
            if kind != "directory" {
                return Err(format!("is not a directory (it is a {kind})"));
            }
        }
        Some(s) if s.status == Status::Timeout => {
            return Err(format!(
                "stat of the folder timed out after {} s: the storage is not answering",
                step_timeout(&f)
            ));
        }
        Some(s) => return Err(message(s)),
        None => return Err(no_section(&f, "folder check")),
    }
    let list = f.section("list").ok_or_else(|| no_section(&f, "listing"))?;
    match &list.status {
        Status::Ok => {}
        Status::Timeout => {
            return Err(format!(
                "listing timed out after {} s: the storage is not answering",
                step_timeout(&f)
            ));
        }
        _ => return Err(format!("listing failed: {}", message(list))),
    }
    let bytes = hex(list)?;
    let (mut entries, mut warnings, mut ended) = (Vec::new(), Vec::new(), false);
    for rec in bytes.split(|b| *b == 0).filter(|r| !r.is_empty()) {
        if rec == b"/end" {
            ended = true;
        } else if ended || rec.contains(&b'/') || rec == b"." || rec == b".." {
            warnings.push(format!(
                "unexpected listing record {:?}; ignored",
                String::from_utf8_lossy(rec)
            ));
        } else {
            entries.push(Listed { name: rec.to_vec() });
        }
    }
    if !ended {
        return Err(format!(
            "listing truncated after {} entries (more than fit in {} KiB?)",
            entries.len(),
            super::script::LIST_CAP / 1024
        ));
    }
    Ok(ListingParsed { entries, warnings })
}

fn no_section(f: &Frame, what: &str) -> String {
    match f.version {
        None => "no output from the script (not a POSIX shell?)".into(),
        Some(_) => format!("the output ends before the {what}"),
    }
}

/// `key=<digits>` in a summary line.
fn field(line: &str, key: &str) -> Option<u64> {
    line.split_whitespace()
        .find_map(|w| w.strip_prefix(key)?.strip_prefix('=')?.parse().ok())
}

/// `n` bytes for a note: `12.3 MiB`.
pub fn human(n: u64) -> String {
    humansize::format_size(n, humansize::BINARY.decimal_places(1))
}

fn rfc3339(secs: &str) -> Option<String> {
    let s: f64 = secs.parse().ok()?;
    if !s.is_finite() || s < 0.0 {
        return None;
    }
    Some(crate::report::time::rfc3339(
        UNIX_EPOCH + Duration::from_secs_f64(s),
    ))
}

/// `(size, path)` of the complete (NUL-terminated) records in a `c<i>` section:
/// a record cut short may have lost the end of its path.
fn records(bytes: &[u8]) -> impl Iterator<Item = (u64, &[u8])> {
    let end = bytes.iter().rposition(|b| *b == 0).unwrap_or(0);
    bytes[..end].split(|b| *b == 0).filter_map(|rec| {
        let tab = rec.iter().position(|b| *b == b'\t')?;
        let size = std::str::from_utf8(&rec[..tab]).ok()?.parse().ok()?;
        Some((size, &rec[tab + 1..]))
    })
}

/// The children of `name` (inside `dir`) from its `c<i>` section, largest first.
/// A child named in du's complaints (`cannot read directory '…/x/y'`) is partial.
fn children(
    sec: &Section,
    dir: &str,
    name: &[u8],
    errs: &[String],
) -> Result<Vec<UsageChild>, String> {
    let bytes = hex(sec)?;
    let mut prefix = format!("{dir}/").into_bytes();
    prefix.extend_from_slice(name);
    let mut out: Vec<UsageChild> = records(&bytes)
        .filter_map(|(size, path)| {
            let rest = path.strip_prefix(prefix.as_slice())?;
            if !rest.starts_with(b"/") {
                return None; // the entry's own total
            }
            let full = String::from_utf8_lossy(path).into_owned();
            let complete = !errs
                .iter()
                .any(|e| e.contains(&format!("{full}/")) || e.contains(&format!("{full}'")));
            let mut rel = name.to_vec();
            rel.extend_from_slice(rest);
            Some(UsageChild {
                path: String::from_utf8_lossy(&rel).into_owned(),
                bytes: size,
                complete,
            })
        })
        .collect();
    sort_children(&mut out);
    Ok(out)
}

fn sort_children(c: &mut [UsageChild]) {
    c.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.path.cmp(&b.path)));
}

/// Largest first; equal sizes by path.
pub fn sort_entries(e: &mut [UsageEntry]) {
    e.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.path.cmp(&b.path)));
}

/// An entry not measured, with why.
pub fn unmeasured(name: &[u8], why: String) -> UsageEntry {
    UsageEntry {
        path: String::from_utf8_lossy(name).into_owned(),
        bytes: 0,
        complete: false,
        note: Some(why),
        children: Vec::new(),
        task_folders: None,
        oldest_mtime: None,
        newest_mtime: None,
    }
}

fn join(note: &mut Option<String>, more: String) {
    *note = Some(match note.take() {
        Some(n) => format!("{n}; {more}"),
        None => more,
    });
}

/// Parse the walk over `names` (as passed to [`super::script::walk`]) in `dir`.
pub fn parse_walk(stdout: &[u8], dir: &str, names: &[Vec<u8>], budget_secs: u64) -> WalkParsed {
    let f = split(stdout);
    let mut warnings: Vec<String> = Vec::new();
    let mut error = None;
    if let Some(s) = f.section("input") {
        error = Some(format!("not run: {}", message(s)));
    } else if f.version.is_none() {
        error = Some("no output from the walk (not a POSIX shell?)".into());
    } else if let Some(s) = f.section("walk") {
        error = Some(format!(
            "not run: {} (no temp folder on the node)",
            s.status
        ));
    } else if !f.ended {
        error = Some("the walk was cut short; entries after that are not measured".into());
    }
    if let Some(s) = f.section("lowprio")
        && s.status != Status::Ok
    {
        warnings.push(format!(
            "{}: du runs without the lowest priority or unbuffered output",
            message(s)
        ));
    }
    if let Some(s) = f.section("tools") {
        warnings.push(format!(
            "{}: no entry has its own budget; only the transport's limit bounds the walk",
            message(s)
        ));
    }
    let mut hung_at: Option<String> = None;
    let mut entries: Vec<UsageEntry> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let e = entry(&f, i, dir, name, budget_secs, &hung_at, &mut warnings);
            if hung_at.is_none()
                && e.note
                    .as_deref()
                    .is_some_and(|n| n.contains("counted nothing"))
            {
                hung_at = Some(e.path.clone());
            }
            e
        })
        .collect();
    sort_entries(&mut entries);
    WalkParsed {
        entries,
        warnings,
        error,
    }
}

fn entry(
    f: &Frame,
    i: usize,
    dir: &str,
    name: &[u8],
    budget: u64,
    hung_at: &Option<String>,
    warnings: &mut Vec<String>,
) -> UsageEntry {
    let Some(sec) = f.section(&format!("e{i}")) else {
        return unmeasured(
            name,
            "not measured: the walk ended before this entry".into(),
        );
    };
    let line = sec.out.first().map_or("", String::as_str);
    let (sum, last, n) = (field(line, "sum"), field(line, "last"), field(line, "n"));
    let mut e = unmeasured(name, String::new());
    e.note = None;
    // du's other complaints: a file removed while it walked uses no space.
    let lasting: Vec<String> = sec.err.iter().filter(|l| !vanished(l)).cloned().collect();
    let only_vanished =
        lasting.iter().all(|l| l.trim().is_empty()) && lasting.len() < sec.err.len();
    match &sec.status {
        Status::Skip(_) => {
            let after = hung_at.as_deref().unwrap_or("an earlier entry");
            e.note = Some(format!(
                "not measured: {after} counted nothing within {budget} s; the storage is not answering"
            ));
            return e;
        }
        Status::Ok if n.unwrap_or(0) > 0 => {
            e.bytes = last.unwrap_or(0);
            e.complete = true;
        }
        Status::Ok => e.note = Some("du printed no total".into()),
        Status::Timeout => {
            e.bytes = sum.unwrap_or(0);
            e.note = Some(if n.unwrap_or(0) == 0 {
                format!("timed out after {budget} s; counted nothing")
            } else {
                format!(
                    "timed out after {budget} s; {} counted so far",
                    human(e.bytes)
                )
            });
        }
        Status::Err(_) if only_vanished && n.unwrap_or(0) > 0 => {
            // Task logs and verification tokens come and go on a live share:
            // du counted everything that was still there.
            e.bytes = last.unwrap_or(0);
            e.complete = true;
        }
        Status::Err(_) => {
            // du still prints the total of what it could read.
            e.bytes = if n.unwrap_or(0) > 0 {
                last.unwrap_or(0)
            } else {
                0
            };
            e.note = Some(format!("du could not read all of it: {}", message(sec)));
        }
    }
    if sum.is_none() && !matches!(sec.status, Status::Skip(_)) {
        warnings.push(format!("entry {}: no du summary line", e.path));
    }
    if let Some(c) = f.section(&format!("c{i}")) {
        match children(c, dir, name, &lasting) {
            Ok(c) => e.children = c,
            Err(w) => warnings.push(format!("entry {}: {w}", e.path)),
        }
    }
    if let Some(t) = f.section(&format!("t{i}")) {
        task_folders(t, budget, &mut e);
    }
    e
}

/// du's complaint about a file removed while it walked (GNU: `cannot access
/// 'X': No such file or directory`; busybox: `X: No such file or directory`). A
/// folder removed under it (`fts_read failed`) ends its walk: not one of these.
fn vanished(line: &str) -> bool {
    let line = line.trim();
    line.ends_with(": No such file or directory") && !line.contains("fts_read")
}

fn task_folders(t: &Section, budget: u64, e: &mut UsageEntry) {
    match t.status {
        Status::Ok => {
            let line = t.out.first().map_or("", String::as_str);
            let mut w = line.split_whitespace();
            match w.next().and_then(|c| c.parse::<u64>().ok()) {
                Some(count) => {
                    e.task_folders = Some(count);
                    e.oldest_mtime = w.next().and_then(rfc3339);
                    e.newest_mtime = w.next().and_then(rfc3339);
                }
                None => join(
                    &mut e.note,
                    format!("task folders: unreadable count {line:?}"),
                ),
            }
        }
        Status::Timeout => join(
            &mut e.note,
            format!("task folders not counted: timed out after {budget} s"),
        ),
        _ => join(
            &mut e.note,
            format!("task folders not counted: {}", message(t)),
        ),
    }
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
