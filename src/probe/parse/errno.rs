//! Classifying an error message by the errno text it carries.
//!
//! The messages come from GNU coreutils, dash, busybox (glibc or musl strerror)
//! and occasionally programs that print symbolic names (`EROFS`, `[Errno 30]`).

use crate::facts::AccessErrorKind;

/// strerror texts (lower case) per kind, glibc and musl wording. Checked in the
/// order of [`KINDS`]: a message naming several errors gets the most specific.
const READ_ONLY: &[&str] = &["read-only file system"];
const STALE: &[&str] = &[
    "stale file handle",
    "stale nfs file handle",
    "transport endpoint is not connected",
    "socket not connected",
    "input/output error",
    "i/o error",
    "host is down",
];
const DENIED: &[&str] = &["permission denied", "operation not permitted"];
const NO_SPACE: &[&str] = &["no space left on device", "quota exceeded"];
// dash says only "No such file" when it cannot open one for a redirection.
const MISSING: &[&str] = &["no such file"];
const HUNG: &[&str] = &["connection timed out", "timed out"];

const KINDS: [(AccessErrorKind, &[&str], &[&str]); 6] = [
    (AccessErrorKind::ReadOnly, READ_ONLY, &["EROFS"]),
    (
        AccessErrorKind::StaleHandle,
        STALE,
        &["ESTALE", "ENOTCONN", "EIO", "EHOSTDOWN"],
    ),
    (
        AccessErrorKind::PermissionDenied,
        DENIED,
        &["EACCES", "EPERM"],
    ),
    (AccessErrorKind::NoSpace, NO_SPACE, &["ENOSPC", "EDQUOT"]),
    (AccessErrorKind::Missing, MISSING, &["ENOENT"]),
    (AccessErrorKind::Hung, HUNG, &["ETIMEDOUT"]),
];

/// Classify an error message: `Read-only file system` is `ReadOnly`, `Permission
/// denied` or `Operation not permitted` is `PermissionDenied`, `Stale file handle`,
/// `Transport endpoint is not connected` or `Input/output error` is `StaleHandle`,
/// `No such file or directory` is `Missing`, `No space left on device` or `Disk
/// quota exceeded` is `NoSpace`, a time-out is `Hung`, anything else `Other`.
pub fn classify_errno(message: &str) -> AccessErrorKind {
    let lower = message.to_lowercase();
    let words: Vec<&str> = message
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    for (kind, texts, names) in KINDS {
        if texts.iter().any(|t| lower.contains(t)) || names.iter().any(|n| words.contains(n)) {
            return kind;
        }
    }
    if let Some(kind) = errno_number(&lower) {
        return kind;
    }
    AccessErrorKind::Other
}

/// `[Errno 30]` or `errno 30` (Linux numbers).
fn errno_number(lower: &str) -> Option<AccessErrorKind> {
    let at = lower.find("errno")?;
    let digits: String = lower[at + 5..]
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    Some(match digits.parse::<u32>().ok()? {
        30 => AccessErrorKind::ReadOnly,
        1 | 13 => AccessErrorKind::PermissionDenied,
        5 | 107 | 112 | 116 => AccessErrorKind::StaleHandle,
        2 => AccessErrorKind::Missing,
        28 | 122 => AccessErrorKind::NoSpace,
        110 => AccessErrorKind::Hung,
        _ => return None,
    })
}
