//! Parsers of the tarball scripts' framed output (see [`super::script`]).
//! Total: any bytes give a result; what does not fit becomes an error string.

use std::collections::HashMap;

use super::rules::Listed;
use super::{FileKind, PruneOutcome, VisibilityStatus};
use crate::facts::AccessErrorKind;
use crate::probe::parse::classify_errno;
use crate::probe::parse::frame::{Frame, Section, Status, split};

/// What the listing script saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListingParsed {
    /// The node's clock (unix seconds) when the script started.
    pub now: Option<i64>,
    pub listed: Vec<Listed>,
    /// Things that did not fit but did not spoil the listing.
    pub warnings: Vec<String>,
}

fn message(s: &Section) -> String {
    let m = s.stderr_message();
    if m.is_empty() {
        s.status.to_string()
    } else {
        m
    }
}

fn timeout_text(f: &Frame) -> String {
    format!(
        "timed out after {} s",
        f.preamble_value("step_timeout").unwrap_or("?")
    )
}

/// Parse the listing script's output. `Err` says why there is no listing.
pub fn parse_listing(stdout: &[u8]) -> Result<ListingParsed, String> {
    let f = split(stdout);
    if let Some(s) = f.section("input") {
        return Err(format!("not run: {}", message(s)));
    }
    let now = f
        .section("now")
        .and_then(|s| s.out.first())
        .and_then(|l| l.trim().parse::<i64>().ok());
    match f.section("dir") {
        Some(s) if s.status == Status::Ok => {
            if s.out.first().map(String::as_str) != Some("directory") {
                return Err(format!(
                    "is not a directory (it is a {})",
                    s.out.first().map_or("?", String::as_str)
                ));
            }
        }
        Some(s) if s.status == Status::Timeout => {
            return Err(format!("stat of the folder {}", timeout_text(&f)));
        }
        Some(s) if matches!(s.status, Status::Skip(_)) => {
            return Err(format!("folder not checked: {}", s.status));
        }
        Some(s) => {
            let m = message(s);
            return Err(if classify_errno(&m) == AccessErrorKind::Missing {
                format!("does not exist ({m})")
            } else {
                m
            });
        }
        None => return Err(missing(&f, "folder check")),
    }
    let list = f.section("list").ok_or_else(|| missing(&f, "listing"))?;
    match &list.status {
        Status::Ok => {}
        Status::Timeout => return Err(format!("listing {}", timeout_text(&f))),
        _ => return Err(format!("listing failed: {}", message(list))),
    }
    let hex: String = list.out.iter().flat_map(|l| l.trim().chars()).collect();
    let bytes = data_encoding::HEXLOWER_PERMISSIVE
        .decode(hex.as_bytes())
        .map_err(|e| format!("listing is not hex ({e}); truncated?"))?;
    let mut warnings = Vec::new();
    let mut listed = Vec::new();
    let mut rc = None;
    for rec in bytes.split(|b| *b == 0).filter(|r| !r.is_empty()) {
        if let Some(code) = rec.strip_prefix(b"rc=") {
            rc = std::str::from_utf8(code)
                .ok()
                .and_then(|c| c.parse::<i32>().ok());
            continue;
        }
        match record(rec) {
            Some(l) => listed.push(l),
            None => warnings.push(format!(
                "unreadable listing record {:?}",
                String::from_utf8_lossy(rec)
            )),
        }
    }
    match rc {
        None => {
            return Err(format!(
                "listing truncated (more than about {} entries?)",
                super::script::LIST_CAP / 170
            ));
        }
        Some(0) => {}
        Some(c) => {
            // find exits 1 when one entry vanished mid-listing: keep what it saw.
            let m = message(list);
            if listed.is_empty() {
                return Err(format!("find failed (exit {c}): {m}"));
            }
            warnings.push(format!("find exited {c}: {m}"));
        }
    }
    mark_growth(&f, &mut listed)?;
    Ok(ListingParsed {
        now,
        listed,
        warnings,
    })
}

fn missing(f: &Frame, what: &str) -> String {
    let why = f
        .warnings
        .first()
        .cloned()
        .unwrap_or_else(|| "the script stopped early".into());
    format!("no {what} result: {why}")
}

/// `inode size mtime type name` (the name may hold any byte but NUL).
fn record(rec: &[u8]) -> Option<Listed> {
    let mut parts = rec.splitn(5, |b| *b == b' ');
    fn field(p: Option<&[u8]>) -> Option<&str> {
        p.and_then(|b| std::str::from_utf8(b).ok())
    }
    let inode = field(parts.next())?.parse().ok()?;
    let size = field(parts.next())?.parse().ok()?;
    let mtime = floor_secs(field(parts.next())?)?;
    let kind = match field(parts.next())? {
        "f" => FileKind::Regular,
        "l" => FileKind::Symlink,
        _ => FileKind::Other,
    };
    let name = parts.next()?;
    let (file, file_hex) = match std::str::from_utf8(name) {
        Ok(s) => (s.to_owned(), None),
        Err(_) => (
            String::from_utf8_lossy(name).into_owned(),
            Some(data_encoding::HEXLOWER.encode(name)),
        ),
    };
    Some(Listed {
        file,
        file_hex,
        size_bytes: size,
        mtime,
        inode,
        kind,
        growing: false,
    })
}

/// `%T@` (`1732570234.1234567890`, maybe negative) to whole seconds, rounded
/// down like `stat -c %Y`.
fn floor_secs(t: &str) -> Option<i64> {
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    let secs: i64 = int.parse().ok()?;
    let nonzero = frac.bytes().any(|b| b != b'0');
    Some(if int.starts_with('-') && nonzero {
        secs - 1
    } else {
        secs
    })
}

/// Compare with the second listing: size or mtime changed, or the inode is gone
/// (replaced mid-write), means growing. Without a usable second listing there is
/// no inventory: a file being written could pass for complete.
fn mark_growth(f: &Frame, listed: &mut [Listed]) -> Result<(), String> {
    let again = match f.section("again") {
        Some(s) if s.status == Status::Ok => s,
        Some(s) if s.status == Status::Timeout => {
            return Err(format!("second listing {}", timeout_text(f)));
        }
        Some(s) => return Err(format!("second listing failed: {}", message(s))),
        None => return Err(missing(f, "second listing")),
    };
    // The first listing's exact mtime text is gone; compare sizes and whole seconds.
    let mut seen: HashMap<u64, (u64, i64)> = HashMap::new();
    for line in &again.out {
        let w: Vec<&str> = line.split(' ').collect();
        if let [ino, size, t] = w.as_slice()
            && let (Ok(ino), Ok(size), Some(t)) = (ino.parse(), size.parse(), floor_secs(t))
        {
            seen.insert(ino, (size, t));
        }
    }
    for l in listed.iter_mut() {
        l.growing = match seen.get(&l.inode) {
            Some(&(size, t)) => size != l.size_bytes || t != l.mtime,
            None => true,
        };
    }
    Ok(())
}

/// Per file of a visibility script (`count` files from section `first`):
/// status and detail, given the size each should have.
pub fn parse_visibility(
    stdout: &[u8],
    first: usize,
    expected_sizes: &[u64],
) -> Vec<(VisibilityStatus, Option<String>)> {
    let f = split(stdout);
    let refused = f
        .section("input")
        .map(|s| format!("not run: {}", message(s)));
    expected_sizes
        .iter()
        .enumerate()
        .map(|(k, &want)| {
            if let Some(r) = &refused {
                return (VisibilityStatus::Error, Some(r.clone()));
            }
            let Some(s) = f.section(&(first + k).to_string()) else {
                return (VisibilityStatus::Error, Some(missing(&f, "stat")));
            };
            match &s.status {
                Status::Ok => match s.out.first().and_then(|l| l.trim().parse::<u64>().ok()) {
                    Some(got) if got == want => (VisibilityStatus::Visible, None),
                    Some(got) => (
                        VisibilityStatus::SizeDiffers,
                        Some(format!("{got} bytes here, {want} on the listing node")),
                    ),
                    None => (VisibilityStatus::Error, Some("stat printed no size".into())),
                },
                Status::Timeout => (
                    VisibilityStatus::Error,
                    Some(format!("stat {}", timeout_text(&f))),
                ),
                Status::Skip(r) => (VisibilityStatus::Error, Some(format!("not checked: {r}"))),
                Status::Err(_) => {
                    let m = message(s);
                    if classify_errno(&m) == AccessErrorKind::Missing {
                        (VisibilityStatus::Missing, Some(m))
                    } else {
                        (VisibilityStatus::Error, Some(m))
                    }
                }
            }
        })
        .collect()
}

/// Per file of a prune script (from section `first`): outcome and detail.
pub fn parse_prune(
    stdout: &[u8],
    first: usize,
    count: usize,
) -> Vec<(PruneOutcome, Option<String>)> {
    let f = split(stdout);
    let refused = f
        .section("input")
        .map(|s| format!("not run: {}", message(s)));
    (0..count)
        .map(|k| {
            if let Some(r) = &refused {
                return (PruneOutcome::Skipped, Some(r.clone()));
            }
            let Some(s) = f.section(&(first + k).to_string()) else {
                return (PruneOutcome::Failed, Some(missing(&f, "delete")));
            };
            match &s.status {
                Status::Ok => {
                    let line = s.out.iter().rev().find(|l| !l.trim().is_empty());
                    match line.map(String::as_str) {
                        Some("deleted") => (PruneOutcome::Deleted, None),
                        Some(l) if l.starts_with("skipped ") => (
                            PruneOutcome::Skipped,
                            Some(l["skipped ".len()..].to_owned()),
                        ),
                        other => (
                            PruneOutcome::Failed,
                            Some(format!("unexpected result {:?}", other.unwrap_or(""))),
                        ),
                    }
                }
                Status::Timeout => (
                    PruneOutcome::Failed,
                    Some(format!(
                        "re-check or delete {}; the file may or may not be gone",
                        timeout_text(&f)
                    )),
                ),
                Status::Skip(r) => (PruneOutcome::Skipped, Some(format!("storage {r}"))),
                Status::Err(_) => (PruneOutcome::Failed, Some(message(s))),
            }
        })
        .collect()
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
