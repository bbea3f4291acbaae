//! The disk-usage walk, POSIX `sh` in the framed protocol of [`crate::framing`],
//! in two round trips so that the second one's transport limit is computed from
//! what the first one found:
//!
//! - [`listing`]: `dir` (SHARED_DIR is a directory) and `list` (the names
//!   directly inside it, NUL-terminated, then `/end` (no name holds a `/`),
//!   hex-encoded by `od` so that any name bytes survive the line-based
//!   frame), both under the step timeout.
//!   The names come from the shell's own glob, which only reads the folder:
//!   `find` would `stat` each entry, and one hung mount inside SHARED_DIR
//!   (measured on a frozen sshfs) would then hang the whole listing.
//! - [`walk`]: per top-level entry `i`, section `e<i>`: `du -x -B1 -d1 -0` of
//!   the entry under its own budget (`timeout -k 1 B`), at the lowest priority
//!   (`nice -n 19 ionice -c3`) and with unbuffered output (`stdbuf -o0`), so
//!   that a du cut short by its budget has already written every subfolder it
//!   finished. The section body is one line `sum=<bytes> last=<bytes> n=<records>`
//!   summed on the node (a complete du's `last` record is the entry's total; a
//!   timed-out one's `sum` is what it counted so far, a lower bound), never the
//!   records themselves: `logs/` may hold 100 000 folders. For `shared_data`
//!   and `logs` (`c<i>`): the [`KEEP_CHILDREN`] largest records, hex. For `logs`
//!   (`t<i>`, before the du): `<folders> <oldest mtime> <newest mtime>` of the
//!   task folders, summarised on the node by `awk`.
//!
//! Names enter the walk as `printf %b` escapes (`\0ooo` for every byte that is
//! not `[A-Za-z0-9._+-]`), through [`sh_quote`]: any bytes, newlines and
//! non-UTF-8 included, are data, never code. The walk is read-only: it writes
//! only in the prelude's private temp folder on the node, never on the share.

use std::fmt::Write as _;
use std::time::Duration;

use crate::probe::script::timeout_arg;
use crate::shell::sh_quote;

pub use crate::probe::script::BEGIN_MARKER;

/// Cap of one section's stderr.
pub const ERR_CAP: usize = 4_096;
/// Cap of the hex listing: about 40 hex bytes per entry, so about 25 000 entries.
pub const LIST_CAP: usize = 1024 * 1024;
/// Top-level entries walked at most; the rest are reported as not measured.
pub const MAX_ENTRIES: usize = 256;
/// Escaped names in one walk script at most, in bytes (the SSH transport quotes
/// a script twice and one `argv` string is limited to 128 KiB).
pub const NAMES_BUDGET: usize = 24 * 1024;
/// Children kept per broken-down entry, largest first (the node sorts).
pub const KEEP_CHILDREN: usize = 500;
/// What one entry may take beyond its budget: `timeout`'s kill grace (1 s) and
/// the summing and sorting of its records on the node.
pub const ENTRY_GRACE: Duration = Duration::from_secs(2);

/// How far an entry is broken down, by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breakdown {
    /// Its total only.
    None,
    /// Its total and children (`shared_data`).
    Children,
    /// Its total, children and task folders (`logs`).
    TaskFolders,
}

impl Breakdown {
    pub fn of(name: &[u8]) -> Breakdown {
        match name {
            b"logs" => Breakdown::TaskFolders,
            n if super::BROKEN_DOWN.iter().any(|b| b.as_bytes() == n) => Breakdown::Children,
            _ => Breakdown::None,
        }
    }

    fn flag(self) -> u8 {
        match self {
            Breakdown::None => 0,
            Breakdown::Children => 1,
            Breakdown::TaskFolders => 2,
        }
    }
}

fn head(kind: &str, step: Duration, vars: &[(&str, &str)]) -> String {
    let mut s = crate::framing::header(&format!("usage {kind}"), step, vars);
    // C locale: sort and find compare bytes, and errno texts stay English.
    s.push_str("LC_ALL=C; export LC_ALL\numask 077\n");
    s.push_str(&crate::framing::prelude(ERR_CAP));
    s
}

fn refuse() -> String {
    crate::framing::refusal("the shared folder")
}

const LISTING: &str = r#"
share dir @ERR_CAP@ stat -L -c %F -- "$D"
case "$R:$o" in
  ok:directory)
    share list @LIST_CAP@ sh -c '
      (for p in "$1"/* "$1"/.[!.]* "$1"/..?*; do
        case $p in
          "$1/*"|"$1/.[!.]*"|"$1/..?*") [ -e "$p" ] || [ -L "$p" ] || continue ;;
        esac
        printf "%s\0" "${p#"$1"/}"
      done; printf "/end\0") | od -An -v -tx1 | tr -d " "' rivershare-list "$D"
    ;;
  ok:*) printf '@@rivershare list skip not-dir\n' ;;
  *) printf '@@rivershare list skip no-dir\n' ;;
esac
printf '@@rivershare end\n'
"#;

/// The listing script for SHARED_DIR `dir`.
pub fn listing(dir: &str, step: Duration) -> String {
    if dir.contains('\0') {
        return refuse();
    }
    let mut s = head("listing", step, &[("D", dir)]);
    s.push_str(
        &LISTING
            .replace("@ERR_CAP@", &ERR_CAP.to_string())
            .replace("@LIST_CAP@", &LIST_CAP.to_string()),
    );
    s
}

/// The functions of the walk. `w INDEX NAME BREAKDOWN` measures one entry.
///
/// An entry whose du timed out having written nothing at all may mean the
/// storage is not answering. The walk then asks SHARED_DIR itself (`stat -f`,
/// under the step timeout): if that hangs too, the remaining entries are
/// reported `skip hung` instead of each waiting out its own budget; if it
/// answers (a healthy but slow folder, or a hung mount of its own inside
/// SHARED_DIR), the walk goes on.
const WALK: &str = r#"
if [ -z "$W" ]; then
  printf '@@rivershare walk skip no-tmp\n@@rivershare end\n'
  exit 0
fi
TAB=$(printf '\t')
if command -v timeout >/dev/null 2>&1; then
  TB() { timeout -k 1 "$B" "$@"; }
else
  TB() { "$@"; }
fi
# Lowest CPU and I/O priority, and unbuffered du output (what a du cut short
# had counted is then on disk), each where the node has the tool: busybox has
# no ionice nor stdbuf. What is missing is said, and the walk goes on.
P=; m=
if nice -n 19 true 2>/dev/null; then P='nice -n 19'; else m="$m nice"; fi
if ionice -c3 true 2>/dev/null; then P="$P ionice -c3"; else m="$m ionice"; fi
if stdbuf -o0 true 2>/dev/null; then P="$P stdbuf -o0"; else m="$m stdbuf"; fi
if [ -n "$m" ]; then
  printf '@@rivershare lowprio err 127\n!not usable on this node:%s\n' "$m"
else
  printf '@@rivershare lowprio ok\n'
fi
mark() {
  case $2 in
    0) printf '@@rivershare %s ok\n' "$1" ;;
    124|137) printf '@@rivershare %s timeout\n' "$1" ;;
    *) printf '@@rivershare %s err %s\n' "$1" "$2" ;;
  esac
}
w() {
  i=$1; k=$3
  if [ "$H" = 1 ]; then
    printf '@@rivershare e%s skip hung\n' "$i"
    return 0
  fi
  n=$(printf '%bx' "$2")
  p=$D/${n%x}
  if [ "$k" = 2 ]; then
    TB $P find "$p" -mindepth 1 -maxdepth 1 -type d -printf '%T@\n' >"${W}t" 2>"${W}e"
    mark "t$i" $?
    awk 'NR == 1 { lo = $1; hi = $1 } $1 < lo { lo = $1 } $1 > hi { hi = $1 }
      END { printf "|%d %s %s\n", NR, lo, hi }' "${W}t"
    emit "${W}e" @ERR_CAP@ '!'
  fi
  TB $P du -x -B1 -d1 -0 -- "$p" >"${W}d" 2>"${W}e"
  rc=$?
  mark "e$i" $rc
  # One line per NUL-terminated record; a record cut short has its size if
  # it reached the tab (du prints a folder's line only once it is done).
  tr '\n\0' ' \n' <"${W}d" |
    awk -F "$TAB" 'NF > 1 { n++; s += $1; l = $1 }
      END { printf "|sum=%.0f last=%.0f n=%d\n", s, l, n }'
  emit "${W}e" @ERR_CAP@ '!'
  case $rc in
    124|137)
      # Counted nothing at all: does SHARED_DIR itself still answer? statfs
      # is never served from a cache (NFS, FUSE ask the server), so a hung
      # share hangs it too; a hung mount inside SHARED_DIR does not.
      if [ ! -s "${W}d" ]; then
        T stat -f -c %i -- "$D" >/dev/null 2>&1
        case $? in 124|137) H=1 ;; esac
      fi
      ;;
  esac
  if [ "$k" != 0 ]; then
    printf '@@rivershare c%s ok\n' "$i"
    sort -z -t "$TAB" -k1,1nr "${W}d" | head -z -n @KEEP@ | od -An -v -tx1 | tr -d ' ' |
      sed 's/^/|/'
  fi
}
"#;

/// `name` as a `printf %b` argument: `\0ooo` for every byte but `[A-Za-z0-9._+-]`.
pub fn escape_name(name: &[u8]) -> String {
    let mut s = String::with_capacity(name.len());
    for &b in name {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'+' | b'-') {
            s.push(char::from(b));
        } else {
            let _ = write!(s, "\\0{b:03o}");
        }
    }
    s
}

/// How many of `names` (in order) one walk covers: at most [`MAX_ENTRIES`],
/// and their escapes within [`NAMES_BUDGET`] (at least one).
pub fn walked_count(names: &[Vec<u8>]) -> usize {
    let mut used = 0;
    for (i, n) in names.iter().enumerate().take(MAX_ENTRIES) {
        used += escape_name(n).len() + 12;
        if i > 0 && used > NAMES_BUDGET {
            return i;
        }
    }
    names.len().min(MAX_ENTRIES)
}

/// The walk script over SHARED_DIR `dir`: section `e<i>` measures `names[i]`
/// (a name directly inside `dir`, as listed), each under `budget`.
pub fn walk(dir: &str, names: &[Vec<u8>], budget: Duration, step: Duration) -> String {
    if dir.contains('\0') {
        return refuse();
    }
    let mut s = head("walk", step, &[("D", dir), ("B", &timeout_arg(budget))]);
    s.push_str(
        &WALK
            .replace("@ERR_CAP@", &ERR_CAP.to_string())
            .replace("@KEEP@", &(KEEP_CHILDREN + 1).to_string()),
    );
    for (i, n) in names.iter().enumerate() {
        let _ = writeln!(
            s,
            "w {i} {} {}",
            sh_quote(&escape_name(n)),
            Breakdown::of(n).flag()
        );
    }
    s.push_str("printf '@@rivershare end\\n'\n");
    s
}

/// The transport limit of [`walk`] over `names`: the set-up, then per entry
/// its budget and grace, plus the `stat -f` of SHARED_DIR after a du that
/// counted nothing (the step timeout and its kill second); `logs` gets a second
/// budget and grace for its task folders; and a margin for the round trip.
pub fn walk_limit(names: &[Vec<u8>], budget: Duration, step: Duration) -> Duration {
    let du = budget + ENTRY_GRACE + step + Duration::from_secs(1);
    let folders = budget + ENTRY_GRACE;
    let n = u32::try_from(names.len()).unwrap_or(u32::MAX);
    let logs = u32::try_from(
        names
            .iter()
            .filter(|n| Breakdown::of(n) == Breakdown::TaskFolders)
            .count(),
    )
    .unwrap_or(u32::MAX);
    step + du.saturating_mul(n) + folders.saturating_mul(logs) + Duration::from_secs(3)
}

#[cfg(test)]
#[path = "script_tests.rs"]
mod tests;
