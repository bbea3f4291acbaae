//! The shell side of rivershare's framed protocol, shared by every remote script
//! (the probe and the verification phases): the `begin` line, private temp
//! files (`"${W}<name>"`), `T` (the per-step `timeout -k`), and `step` / `share`, which run a
//! command and print its `@@rivershare <section> <status>` marker and its body,
//! each line tagged `|` (stdout) or `!` (stderr), capped. The Rust side of the
//! protocol is `crate::probe::parse::frame`.
//!
//! A script sets `S` (the step timeout) and its own umask, then includes
//! [`prelude`] (or [`prelude_with_files`]), then its steps.

use std::fmt::Write as _;
use std::time::Duration;

use crate::probe::script::timeout_arg;
use crate::shell::sh_quote;

/// The prelude's start: the `begin` line, the temp files, `T`. `W` is the
/// prefix of every temp file's name (`"${W}o"`): a folder and a slash, or, for a
/// script with a fixed set of files ([`prelude_with_files`]), a name of its own
/// in the temp base ([`TEMP_BASE`]). `@TEMP@` is where a run on no resident
/// shell makes them.
const HEAD: &str = r#"
# Every program speaks C, whatever the login's locale (pam_env sets LANG from
# /etc/default/locale): the parser classifies errors by their English errno
# texts ("Stale file handle" is "Veraltete Dateizugriffsnummer (file handle)"
# in German), and no program loads a locale's files (about 0.07 ms each, on
# every sweep).
LC_ALL=C; export LC_ALL
printf '@@rivershare begin 1\n|step_timeout=%s\n' "$S"
H=0; WFIX=
# A resident shell's private folder (transport::ssh::resident) serves one run
# at a time and outlives it: no mktemp and no rm on a re-sweep. The files a
# script tests for rather than writes first are emptied here.
if [ -n "${RIVERSHARE_TMP:-}" ] && [ -d "$RIVERSHARE_TMP" ]; then
  W=$RIVERSHARE_TMP/
  : >"${W}j"; : >"${W}r"
else
@TEMP_BASE@
@TEMP@
  if [ -n "$W" ]; then
    trap 'wipe' EXIT
    trap 'wipe; exit 129' HUP
    trap 'wipe; exit 130' INT
    trap 'wipe; exit 143' TERM
    # The client gave up and closed the channel: the next write fails. Killed by
    # SIGPIPE, the shell would leave its files behind.
    trap 'wipe; exit 141' PIPE
  else
    printf '@@rivershare tmp err 1\n!mktemp -d failed: stderr of the steps is not captured\n'
  fi
fi
"#;

/// A private folder, named for rivershare (one a killed script could not
/// remove is recognisable).
const TEMP_FOLDER: &str = r#"
  W=$(mktemp -d "$WT/rivershare.XXXXXX" 2>/dev/null) ||
    W=$(mktemp -d /tmp/rivershare.XXXXXX 2>/dev/null) ||
    W=$(mktemp -d /dev/shm/rivershare.XXXXXX 2>/dev/null) || W=
  [ -z "$W" ] || W=$W/
  wipe() { rm -rf "$W"; }
"#;

/// A fixed set of files, `$WT/rivershare.<uuid>.<name>` (see [`TEMP_BASE`]), each
/// created exclusively by a builtin (`set -C`): no `mktemp`, one process fewer for a
/// script every node runs on every first sweep. The kernel's uuid makes the
/// names unguessable; without it, or when a name is taken, a folder as usual
/// (after removing only the files this run made). `@FILES@` and `@PATHS@` are
/// the names, bare and as quoted paths.
const FIXED_TEMP_FILES: &str = r#"
  W=; wu=
  { read -r wu </proc/sys/kernel/random/uuid; } 2>/dev/null
  if [ -n "$wu" ]; then
    W=$WT/rivershare.$wu.
    set -C
    for wf in @FILES@; do
      # `true`, not `:`: a failed redirection of a special builtin ends the shell.
      { true >"$W$wf"; } 2>/dev/null && continue
      set +C
      for wg in @FILES@; do [ "$wg" = "$wf" ] && break; rm -f -- "$W$wg"; done
      W=; break
    done
    set +C
  fi
  if [ -n "$W" ]; then
    # WFIX: the files are these; a script's last program may have removed them
    # all (the probe's write test), and the rm is then not run.
    WFIX=1
    wipe() {
      for wf in @FILES@; do [ ! -e "$W$wf" ] || { rm -f -- @PATHS@; return 0; }; done
    }
  else
@FOLDER@
  fi
"#;

/// Where a script's temp files go, as `WT`: `$TMPDIR` when it is set; else
/// `/dev/shm`, the tmpfs every Linux system has, when it is a sticky folder this
/// user may write; else `/tmp`. On most servers `/tmp` is on disk, where making,
/// truncating and removing a file are journal writes, and a probe writes one for
/// every step on every sweep: on this machine's ext4 `/tmp` the probe took 13%
/// less CPU and 18-20% less time with its files on `/dev/shm` (`cargo bench
/// --bench temp_base`). Sticky, as `/tmp` is, so no other user may remove or
/// replace a file once it is made.
pub(crate) const TEMP_BASE: &str = r#"
  if [ -n "${TMPDIR:-}" ]; then WT=$TMPDIR
  elif [ -d /dev/shm ] && [ -w /dev/shm ] && [ -k /dev/shm ]; then WT=/dev/shm
  else WT=/tmp
  fi
"#;

/// The prelude's end: `T`, the per-step `timeout -k`.
const TIMEOUT: &str = r#"
if command -v timeout >/dev/null 2>&1; then
  T() { timeout -k 1 "$S" "$@"; }
else
  printf '@@rivershare tools err 127\n!timeout: not found, steps run without their own timeout\n'
  T() { "$@"; }
fi
"#;

/// The prelude's functions, with `@ERR_CAP@` standing for the stderr cap. A
/// script run by another (a group of steps under one `T`) defines them again.
const FUNCTIONS: &str = r#"
# emit FILE CAP TAG [HEAD]: print HEAD (a marker line), then FILE (at most CAP
# bytes), each line prefixed by TAG, and end with a newline even when the file
# does not. A longer FILE is cut, and a "~truncated TAG CAP SIZE" line says so:
# the parser reports it. Shell builtins only (every step runs it, and a node
# runs the probe on every sweep, so processes count); wc measures the exact
# size only once the cap is reached. The lines go out in writes of about 4 KB,
# not one each: every write is a wakeup and a packet for sshd and the client.
# Leaves the first two lines in e1 and e2 (for `step`, which reads no file twice).
# The shell's read drops NUL bytes, which no section prints legitimately.
emit() {
  eb=${4-}; e1=; e2=
  if [ ! -s "$1" ]; then
    [ -z "$eb" ] || printf '%s' "$eb"
    return 0
  fi
  en=0; ei=0
  while IFS= read -r el || [ -n "$el" ]; do
    ei=$(( ei + 1 ))
    case $ei in 1) e1=$el ;; 2) e2=$el ;; esac
    ek=$(( $2 - en ))
    if [ ${#el} -gt $ek ]; then
      printf "%s%s%.${ek}s\n" "$eb" "$3" "$el"; eb=
    else
      eb="$eb$3$el
"
      [ ${#eb} -lt 4096 ] || { printf '%s' "$eb"; eb=; }
    fi
    en=$(( en + ${#el} + 1 ))
    [ $en -lt "$2" ] || break
  done <"$1"
  [ -z "$eb" ] || printf '%s' "$eb"
  if [ $en -ge "$2" ]; then
    # busybox pads the count with spaces, which the unquoted $ez drops.
    ez=$(wc -c <"$1")
    if [ $ez -gt "$2" ] 2>/dev/null; then printf '~truncated %s %s %s\n' "$3" "$2" $ez; fi
  fi
  return 0
}

# step NAME CAP CMD...: run CMD (stdin closed), then print the marker and body.
# Sets R to the section status word (ok, err, timeout) and o to the first two
# lines of its stdout (read by shell builtins: no process), for the script to
# decide on.
#
# When P names a file, the step's name is written there first (a builtin): a
# group of steps run under one `T` tells its caller which step the timeout cut.
step() {
  n=$1; c=$2; shift 2
  [ -z "${P:-}" ] || printf '%s\n' "$n" >"$P"
  if [ -n "$W" ]; then
    "$@" </dev/null >"${W}o" 2>"${W}e"; rc=$?
  else
    o=$("$@" </dev/null 2>/dev/null); rc=$?
  fi
  case $rc in
    0) R=ok; sm=ok ;;
    124|137) R=timeout; sm=timeout ;;
    *) R=err; sm="err $rc" ;;
  esac
  if [ -n "$W" ]; then
    # The marker goes out with the body, in one write for a short section.
    emit "${W}o" "$c" '|' "@@rivershare $n $sm
"
    if [ -n "$e2" ]; then o="$e1
$e2"; else o=$e1; fi
    emit "${W}e" @ERR_CAP@ '!'
  else
    printf '@@rivershare %s %s\n' "$n" "$sm"
    if [ -n "$o" ]; then
      printf '%s\n' "$o" | head -c "$c" | sed 's/^/|/'
      echo
      [ "${#o}" -lt "$c" ] || printf '~truncated | %s %s\n' "$c" "${#o}"
    fi
  fi
}

# group_cut LATER STEP...: a group of steps run by an inner shell under one `T`
# (with P=${W}p) was cut by its timeout. The step it was in (the name `step`
# wrote to ${W}p; the first STEP when unknown) is reported timed out, and every
# STEP after it with the status LATER ("timeout" or "skip hung").
group_cut() {
  gl=$1; shift; gg=
  [ -z "$W" ] || { IFS= read -r gg <"${W}p"; } 2>/dev/null
  [ -n "$gg" ] || gg=$1
  printf '@@rivershare %s timeout\n' "$gg"
  gk=0
  for gx in "$@"; do
    [ $gk = 0 ] || printf '@@rivershare %s %s\n' "$gx" "$gl"
    [ "$gx" != "$gg" ] || gk=1
  done
}

# share NAME CAP CMD...: a step that touches the share: under its own timeout,
# and skipped once an earlier share step hung.
share() {
  if [ "$H" = 1 ]; then
    printf '@@rivershare %s skip hung\n' "$1"; R=skip; o=; return 0
  fi
  n=$1; c=$2; shift 2
  step "$n" "$c" T "$@"
  [ "$R" != timeout ] || H=1
}
"#;

/// The first lines of a script: a comment naming it (`# rivershare <name>,
/// protocol 1`), `S` (the step timeout), then each variable, its value quoted
/// as one shell word: values are data, never code.
pub fn header(name: &str, step: Duration, vars: &[(&str, &str)]) -> String {
    let mut s = String::with_capacity(4096);
    let _ = writeln!(s, "# rivershare {name}, protocol 1");
    let _ = writeln!(s, "S={}", timeout_arg(step));
    for (var, value) in vars {
        let _ = writeln!(s, "{var}={}", sh_quote(value));
    }
    s
}

/// A whole script that only reports that it cannot run: `what` (its input)
/// holds a NUL byte, which no shell word can carry.
pub fn refusal(what: &str) -> String {
    format!(
        "printf '@@rivershare begin 1\\n@@rivershare input err 2\\n!{what} contains a NUL byte\\n@@rivershare end\\n'\n"
    )
}

/// The prelude, with each section's stderr capped at `err_cap` bytes; the
/// script's temp files in a folder of their own.
pub fn prelude(err_cap: usize) -> String {
    assemble(TEMP_FOLDER, err_cap)
}

/// As [`prelude`], for a script whose temp files are exactly `files` (each
/// `"${W}<name>"`, names of lowercase letters): they are made in the temp base
/// without a `mktemp` (see `FIXED_TEMP_FILES`).
pub fn prelude_with_files(err_cap: usize, files: &[&str]) -> String {
    let paths: Vec<String> = files.iter().map(|f| format!("\"${{W}}{f}\"")).collect();
    let temp = FIXED_TEMP_FILES
        .replace("@FOLDER@", TEMP_FOLDER)
        .replace("@FILES@", &files.join(" "))
        .replace("@PATHS@", &paths.join(" "));
    assemble(&temp, err_cap)
}

fn assemble(temp: &str, err_cap: usize) -> String {
    format!(
        "{}{}{}",
        crate::shell::without_comment_lines(
            &HEAD
                .replace("@TEMP_BASE@", TEMP_BASE)
                .replace("@TEMP@", temp)
        ),
        crate::shell::without_comment_lines(TIMEOUT),
        functions(err_cap)
    )
}

/// `emit`, `step` and `share` alone, for a script that another one runs (it
/// gets `W` and, for a timed group, `P` from its caller).
pub fn functions(err_cap: usize) -> String {
    crate::shell::without_comment_lines(FUNCTIONS).replace("@ERR_CAP@", &err_cap.to_string())
}
