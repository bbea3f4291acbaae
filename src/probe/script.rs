//! The probe script: one POSIX `sh` program per node per sweep.
//!
//! # Output protocol (version 1)
//! ```text
//! @@rivershare begin 1
//! |step_timeout=5
//! @@rivershare <section> ok | err <code> | timeout | skip <reason-word>
//! |a line the step printed on stdout
//! !a line the step printed on stderr
//! ...
//! @@rivershare end
//! ```
//! Every body line is tagged (`|` stdout, `!` stderr), so nothing a command prints,
//! not even a file name holding a newline and `@@rivershare end`, can forge a
//! marker. Bodies are capped (`head -c`), so the whole output is bounded.
//!
//! # Steps, in order
//! 1. `host`: `uname -n -r` (never touches the share).
//! 2. `findmnt`: `findmnt -J -T "$D"`. It reads the mount table and answers on a
//!    dead hard NFS mount, where everything below blocks; hence it runs first.
//!    For a path that does not exist findmnt prints nothing (exit 1); the parser
//!    then uses `mountinfo` instead of stat-walking up parent directories (which
//!    could itself hang on a dead mount).
//! 3. `mountinfo`: `/proc/self/mountinfo`, read without touching the share; the
//!    fallback when findmnt is missing, fails or hangs. Skipped (`skip
//!    findmnt-answered`) when findmnt printed JSON: on container hosts the table
//!    is hundreds of KB, and it would cross the wire on every sweep.
//! 4. `path`: `test -e`, `test -d`, then `realpath` (to compare symlinked paths).
//! 5. `stat`.
//! 6. `df`.
//! 7. `list` (`ls -A`).
//! 8. `write`: create exclusively, write, fsync, read back, remove (skipped as
//!    `skip read-only-mode` when rivershare runs with `read_only = true`).
//! 9. `layout`: mode and owner of the KohakuRiver folders.
//! 10. `fstab` and `units`: local files for persistence; the parser matches them
//!     against the mount target, so no mount point has to be computed in `sh`.
//!     `/etc/fstab` goes through `sed` first: password and secret option values
//!     are replaced by `***` on the node (see `REDACT`), so no secret is ever in
//!     the output. Credentials files (`credentials=`) are never read.
//!
//! Every command that touches the share runs under `timeout -k 1 <step>`. Once a
//! step times out, later share steps print `skip hung` instead of hanging too: on a
//! dead mount the script costs about one step timeout, not one per step.
//! `list`, `write` and `layout` are skipped (`skip not-dir`) unless SHARED_DIR is a
//! directory, so nothing is ever created on a missing path.
//!
//! SHARED_DIR appears exactly once, as `D=<sh_quote(path)>`, and is only ever used
//! as `"$D"` (or passed as a positional argument to an inner `sh -c`).

use std::fmt::Write as _;
use std::time::Duration;

use crate::shell::sh_quote;

/// Protocol version printed on the `begin` line.
pub const PROTOCOL_VERSION: u32 = 1;

/// Cap of one section's stdout body, in bytes.
pub const BODY_CAP: usize = 65_536;
/// Cap of `/proc/self/mountinfo`, which is large on container hosts.
pub const MOUNTINFO_CAP: usize = 262_144;
/// Cap of one section's stderr, and of the stdout of steps that print a few
/// short lines, in bytes: an error message, not a log.
pub const STDERR_CAP: usize = 4_096;

/// The fixed part of the script, after `D=` and `S=` are set. `@..._CAP@` are
/// replaced by the caps above.
const BODY: &str = r#"
umask 077
REDACT='s/(^|[[:space:],])([Pp][Aa][Ss][Ss][A-Za-z0-9_]*|[Ss][Ee][Cc][Rr][Ee][Tt])=([^,[:space:]]|,,)*/\1\2=***/g'
@PRELUDE@
# One line, "<nodename> <release>": one process.
step host @ERR_CAP@ uname -n -r

if command -v findmnt >/dev/null 2>&1; then
  share findmnt @BODY_CAP@ findmnt -J -T "$D" -o TARGET,SOURCE,FSTYPE,OPTIONS
else
  printf '@@rivershare findmnt skip missing-tool\n'
fi

# The fallback is not needed when findmnt answered with JSON: the mount table
# is large on container hosts, and it would cross the wire on every sweep.
case "$R:$o" in
  "ok:{"*) printf '@@rivershare mountinfo skip findmnt-answered\n' ;;
  *)
    if [ -r /proc/self/mountinfo ]; then
      step mountinfo @MOUNTINFO_CAP@ cat /proc/self/mountinfo
    else
      printf '@@rivershare mountinfo skip missing-file\n'
    fi
    ;;
esac

E=0; I=0
share path @BODY_CAP@ sh -c '
  if test -e "$1"; then echo exists=1; else echo exists=0; fi
  if test -d "$1"; then echo dir=1; else echo dir=0; fi
  if test -e "$1"; then
    # No "--": busybox realpath takes it for a file name. "./" guards a leading "-".
    case $1 in /*) p=$1 ;; *) p=./$1 ;; esac
    r=$(realpath "$p" 2>/dev/null) || r=$(readlink -f "$p" 2>/dev/null) || r=
    [ -z "$r" ] || printf "real=%s\n" "$r"
  fi
  exit 0' rivershare-path "$D"
# Only the first two lines decide: the realpath after them may hold anything.
case "$R:$o" in
  "ok:exists=1
dir=1"*) E=1; I=1 ;;
  ok:exists=1*) E=1 ;;
esac

share stat @ERR_CAP@ stat -L -c '%F|%a|%u|%U' -- "$D"

# Once hung, `share` prints `skip hung` for every later step, whatever E and I say.
if [ "$H" = 1 ] || [ "$E" = 1 ]; then
  share df @ERR_CAP@ df -P -B1 -- "$D"
else
  printf '@@rivershare df skip missing\n'
fi

if [ "$H" = 1 ] || [ "$I" = 1 ]; then
  share list @ERR_CAP@ sh -c 'ls -A -- "$1" >/dev/null' rivershare-list "$D"
  # A random suffix: the kernel's uuid costs no process; od is the fallback.
  N=; read -r N </proc/sys/kernel/random/uuid 2>/dev/null || N=
  [ -n "$N" ] || N=$(od -An -N4 -tx4 /dev/urandom 2>/dev/null | tr -d ' \n')
  N=".rivershare-probe.$$.$N"
  if [ "$WRITE_TEST" != 1 ]; then
    printf '@@rivershare write skip read-only-mode\n'
  else
  share write @ERR_CAP@ sh -c '
    f=$1/$2
    echo stage=create
    ( set -C; : >"$f" ) || exit 2
    echo stage=write
    # conv=fsync: the data must reach the server, not just the page cache.
    printf "rivershare probe %s\n" "$2" | dd of="$f" conv=notrunc,fsync || { rm -f -- "$f"; exit 3; }
    echo stage=read
    got=$(cat -- "$f") || { rm -f -- "$f"; exit 4; }
    if [ "$got" != "rivershare probe $2" ]; then
      echo "read back differs from what was written" >&2; rm -f -- "$f"; exit 5
    fi
    echo stage=remove
    rm -f -- "$f" || exit 6
    echo stage=done' rivershare-write "$D" "$N"
  fi
  share layout @ERR_CAP@ sh -c '
    for n in kohakuriver-containers shared_data logs; do
      if test -e "$1/$n"; then
        s=$(stat -L -c "%a %U" -- "$1/$n") && printf "%s %s\n" "$n" "$s" || printf "%s ?\n" "$n"
      else
        printf "%s -\n" "$n"
      fi
    done' rivershare-layout "$D"
else
  printf '@@rivershare list skip not-dir\n@@rivershare write skip not-dir\n@@rivershare layout skip not-dir\n'
fi

if [ -r /etc/fstab ]; then
  # Secrets never leave the node: the value of every option mount.cifs reads as a
  # password (any key starting with "pass", in any case) and CephFS's secret= is
  # replaced by *** before the file is printed, so the raw output (kept, logged,
  # shown by the console) never holds one. ",," is a literal comma in a value.
  step fstab @BODY_CAP@ sed -E "$REDACT" /etc/fstab
else
  printf '@@rivershare fstab skip missing-file\n'
fi

# A function of this shell (globs and printf): no process. Its variables are
# its own (s...), never step's.
units_list() {
  for su in "$@"; do
    for sf in "$su"/*.mount "$su"/*.automount "$su"/*.wants/*.mount "$su"/*.wants/*.automount \
              "$su"/*.requires/*.mount "$su"/*.requires/*.automount; do
      [ -e "$sf" ] && printf '%s\n' "$sf"
    done
  done
  return 0
}
U=
for u in /etc/systemd/system /run/systemd/generator /usr/local/lib/systemd/system /usr/lib/systemd/system /lib/systemd/system; do
  [ -d "$u" ] && U="$U $u"
done
if [ -n "$U" ]; then
  step units @BODY_CAP@ units_list $U
  # The [Mount] keys of every mount unit, for a mount that has no fstab line: the
  # parser picks the unit of the mount point. Options are redacted like fstab (a
  # space after "Options=" lets the same expression see the first option).
  # Two processes for every unit file together (awk picks the keys, sed
  # redacts), not three per file. Only readable files: mawk stops at the first
  # file it cannot open.
  step mountunits @BODY_CAP@ sh -c '
    R=$1; shift; d=$#
    for u in "$@"; do
      for f in "$u"/*.mount; do
        [ -f "$f" ] && [ -r "$f" ] && set -- "$@" "$f"
      done
    done
    shift $d
    [ $# -gt 0 ] || exit 0
    if command -v awk >/dev/null 2>&1; then
      LC_ALL=C awk '"'"'FNR == 1 { printf "@unit %s\n[Mount]\n", FILENAME }
        /^(What|Where|Type|Options)=/ { sub(/^Options=/, "Options= "); print }'"'"' "$@" | sed -E "$R"
    else
      for f in "$@"; do
        printf "@unit %s\n[Mount]\n" "$f"
        sed -n -E "/^(What|Where|Type|Options)=/p" "$f" | sed -E "s/^Options=/Options= /" | sed -E "$R"
      done
    fi
    exit 0' rivershare-mountunits "$REDACT" $U
else
  printf '@@rivershare units skip no-systemd\n@@rivershare mountunits skip no-systemd\n'
fi

# Processes stuck on storage, from /proc only, never the share: in uninterruptible
# sleep (D: a dead hard NFS, CIFS or Ceph mount), or a FUSE client waiting for its
# daemon (wchan request_wait_answer, shown as S; the daemon's own idle read of
# /dev/fuse is not a wait on storage). A function of this shell, builtins only:
# no process at all. Its variables are its own (s...), never step's.
stuck_scan() {
  for sp in /proc/[0-9]*; do
    sl=; sw=
    read -r sl 2>/dev/null <"$sp/stat" || continue
    read -r sw 2>/dev/null <"$sp/wchan"
    sr=${sl##*) }
    sc=${sl#*(}
    case "${sr%% *} $sw" in
      "D "*|*request_wait_answer*)
        printf '%s %s (%s)\n' "${sp#/proc/}" "${sc%)*}" "${sw:-?}" ;;
    esac
  done
  return 0
}
step stuck @BODY_CAP@ stuck_scan

printf '@@rivershare end\n'
"#;

/// Build the probe script for one node. Every command inside that touches the
/// share is wrapped in `timeout -k 1`, each step bounded by `step_timeout`.
pub fn build(shared_dir: &str, step_timeout: Duration) -> String {
    build_with(shared_dir, step_timeout, true)
}

/// As [`build`]; `write_test: false` (rivershare's `read_only = true`) leaves the
/// share untouched: the write section reports `skip read-only-mode`.
pub fn build_with(shared_dir: &str, step_timeout: Duration, write_test: bool) -> String {
    let mut s = String::with_capacity(BODY.len() + shared_dir.len() + 64);
    s.push_str("# rivershare probe, protocol 1\n");
    if shared_dir.contains('\0') {
        // sh cannot hold a NUL byte; say so in the protocol instead of guessing.
        s.push_str(
            "printf '@@rivershare begin 1\\n@@rivershare path err 2\\n!SHARED_DIR contains a NUL byte\\n@@rivershare end\\n'\n",
        );
        return s;
    }
    // The one and only place SHARED_DIR enters the script: as quoted data.
    let _ = writeln!(s, "D={}", sh_quote(shared_dir));
    let _ = writeln!(s, "S={}", timeout_arg(step_timeout));
    let _ = writeln!(s, "WRITE_TEST={}", u8::from(write_test));
    s.push_str(
        &BODY
            .replace("@BODY_CAP@", &BODY_CAP.to_string())
            .replace("@MOUNTINFO_CAP@", &MOUNTINFO_CAP.to_string())
            .replace("@ERR_CAP@", &STDERR_CAP.to_string())
            .replace("@PRELUDE@", &crate::framing::prelude(STDERR_CAP)),
    );
    s
}

/// `timeout` duration argument: whole seconds when exact, otherwise a decimal
/// (coreutils accepts fractions). Never 0, which would disable the timeout.
pub fn timeout_arg(d: Duration) -> String {
    let ms = d.as_millis().max(100);
    if ms.is_multiple_of(1000) {
        format!("{}", ms / 1000)
    } else {
        format!("{}.{:03}", ms / 1000, ms % 1000)
    }
}

/// The first line the probe prints; its absence means the script never ran.
pub const BEGIN_MARKER: &str = "@@rivershare begin";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_dir_appears_once_quoted() {
        let p = "/mnt/it's $(touch /tmp/x)\nb";
        let s = build(p, Duration::from_secs(5));
        assert_eq!(s.matches(&sh_quote(p)).count(), 1);
        assert!(s.contains("\nS=5\n"));
        assert!(!s.contains("_CAP@"), "every cap placeholder is filled");
        assert!(s.contains("step mountinfo 262144 cat"));
    }

    #[test]
    fn timeout_arg_formats() {
        assert_eq!(timeout_arg(Duration::from_secs(5)), "5");
        assert_eq!(timeout_arg(Duration::from_millis(2500)), "2.500");
        assert_eq!(timeout_arg(Duration::ZERO), "0.100");
    }

    #[test]
    fn nul_in_path_reports_error_instead_of_running() {
        let s = build("/mnt/a\0b", Duration::from_secs(1));
        assert!(!s.contains("D="));
        assert!(s.contains("@@rivershare path err 2"));
    }
}
