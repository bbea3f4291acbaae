//! The verification scripts: POSIX `sh` programs in the probe's framed protocol
//! (`@@rivershare <section> <status>`, body lines tagged `|` stdout / `!` stderr,
//! bodies capped). One per phase: [`write`] (make the run folder, remove stale
//! runs, write the token), [`read`] (read every token by exact path, with retries
//! until the deadline), [`bench`] (the optional speed test) and [`cleanup`].
//!
//! Every command that touches the share runs under `timeout -k 1 <step>`; once a
//! step times out the later share steps print `skip hung` instead of hanging too.
//! Every path and every value enters a script once, through
//! [`sh_quote`](crate::shell::sh_quote), as a variable assignment.
//!
//! # Permissions
//! `.rivershare`, `.rivershare/verify` and the run folder are created with mode
//! 1777 (like `/tmp`) when missing: the run folder is shared by every node, and a
//! node may write as a different user (another SSH user, or root squashed to
//! `nobody` by NFS). The sticky bit keeps one user from deleting another's token.
//! Existing folders keep their mode. Tokens are written with umask 022.

pub mod bench;
pub mod cleanup;
pub mod read;
pub mod write;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use crate::probe::script::BEGIN_MARKER;

/// Cap of one section's stderr (an error message, not a log).
pub const ERR_CAP: usize = 4_096;
/// Bytes of an unexpected token file kept in the report.
pub const MISMATCH_CAP: usize = 200;
/// Run folders whose mtime is older than this are removed by the next run.
pub const STALE_MINUTES: u32 = 60;

/// How a verification script ends a message that refuses to go on through a
/// folder of `SHARED_DIR/.rivershare` that leads elsewhere (a symlink): the
/// diagnosis recognises it by this text.
pub const REDIRECTED: &str = "(a symlink): remove it and run again";

/// Shell text (inside a single-quoted `sh -c`) that enters the run folder
/// `$rd/.rivershare/verify/$rr` by its physical path, and only where it should
/// be: exit 2 when it cannot, 7 when a symlink on the way leads elsewhere. A
/// file named relative to it afterwards stays there, whatever is renamed above.
const ENTER_RUN_FOLDER: &str = r#"  cd -P -- "${rd:-/}" && r=${PWD%/} && cd -P -- ".rivershare/verify/$rr" || exit 2
  if [ "$PWD" != "$r/.rivershare/verify/$rr" ]; then
    printf "%s\n" "the run folder leads to $PWD @REDIRECTED@" >&2
    exit 7
  fi"#;

/// `body` with its placeholders filled: `@ERR_CAP@`, `@REDIRECTED@` and
/// `@ENTER_RUN_FOLDER@`.
fn fill(body: &str) -> String {
    body.replace("@ENTER_RUN_FOLDER@", ENTER_RUN_FOLDER)
        .replace("@ERR_CAP@", &ERR_CAP.to_string())
        .replace("@REDIRECTED@", REDIRECTED)
}

/// Helpers shared by every verification script, after `S=` (the step timeout) is set.
const PRELUDE: &str = r#"
umask 022
@PRELUDE@

# now: milliseconds since the epoch; second resolution where date has no %N.
now() {
  t=$(date +%s%N 2>/dev/null)
  case $t in
    ''|*[!0-9]*) t=$(date +%s)000 ;;
    *) t=${t%??????} ;;
  esac
  printf '%s\n' "$t"
}
case $(date +%s%N 2>/dev/null) in
  ''|*[!0-9]*) printf '|clock=s\n' ;;
  *) printf '|clock=ns\n' ;;
esac
"#;

/// The start of every verification script: a comment naming it, the variables
/// (each value quoted), then the prelude.
fn head(kind: &str, step_timeout: Duration, vars: &[(&str, &str)]) -> String {
    let mut s = crate::framing::header(&format!("verify {kind}"), step_timeout, vars);
    s.push_str(
        &PRELUDE
            .replace("@PRELUDE@", &crate::framing::prelude(ERR_CAP))
            .replace("@ERR_CAP@", &ERR_CAP.to_string()),
    );
    s
}

/// A script that only reports that it cannot run (a value held a NUL byte).
fn refuse(what: &str) -> String {
    crate::framing::refusal(what)
}

fn has_nul(values: &[&str]) -> Option<usize> {
    values.iter().position(|v| v.contains('\0'))
}

/// The run folder, relative to SHARED_DIR: `.rivershare/verify/<run_id>`.
pub fn run_dir(shared_dir: &str, run_id: &str) -> String {
    format!(
        "{}/{}/{run_id}",
        shared_dir.trim_end_matches('/'),
        super::VERIFY_DIR
    )
}

/// A sortable, unique run id: UTC time and 32 random bits, `20261126T045512Z-3f9a1c2b`.
pub fn new_run_id() -> String {
    run_id_at(SystemTime::now(), &random_hex(4))
}

/// [`new_run_id`] for a given time and hex suffix.
pub fn run_id_at(at: SystemTime, hex: &str) -> String {
    let secs = at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z-{hex}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Whether `name` has the shape of a run id (what stale clean-up may remove).
pub fn looks_like_run_id(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() > 17
        && b[..8].iter().all(u8::is_ascii_digit)
        && b[8] == b'T'
        && b[9..15].iter().all(u8::is_ascii_digit)
        && b[15] == b'Z'
        && b[16] == b'-'
        && b[17..]
            .iter()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c))
}

/// The one-line content of a node's token file (without the newline).
pub fn token(run_id: &str, writer: &str, nonce_hex: &str, unix_time: u64) -> String {
    format!("rivershare-verify v1 run={run_id} writer={writer} nonce={nonce_hex} time={unix_time}")
}

/// A fresh token for `writer`: 64 random bits and the current time.
pub fn new_token(run_id: &str, writer: &str) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    token(run_id, writer, &random_hex(8), now)
}

/// `n` random bytes as lower-case hex. Falls back to the clock's nanoseconds and
/// the process id if the system RNG fails (never seen; uniqueness still holds
/// well enough for a temporary folder name).
pub fn random_hex(n: usize) -> String {
    use ring::rand::{SecureRandom, SystemRandom};
    let mut buf = vec![0u8; n];
    if SystemRandom::new().fill(&mut buf).is_err() {
        let seed = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
            ^ u128::from(std::process::id());
        for (i, b) in buf.iter_mut().enumerate() {
            *b = (seed >> ((i % 16) * 8)) as u8;
        }
    }
    data_encoding::HEXLOWER.encode(&buf)
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests;
