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
//! marker. Bodies are capped, so the whole output is bounded.
//!
//! # Steps, in order
//! 1. `host`: the node's name and kernel release, read from `/proc/sys/kernel`
//!    by builtins (`uname -n -r` where that fails). Never touches the share.
//! 2. The steps that may block on the share (`share_group::GROUP`), with one
//!    budget of a step timeout for all of them: on the exec path, in a
//!    subshell that the node's own `timeout` cuts with USR1 when the budget
//!    ends ([`CUT_DIRECTIVE`]); elsewhere in an inner shell under one `timeout
//!    -k 1 <step>`. First `findmnt -J -T "$D"`:
//!    it reads the mount table and answers on a dead hard NFS mount, where
//!    everything after it blocks. For a path that does not exist findmnt
//!    prints nothing (exit 1); the parser then uses `mountinfo` instead of
//!    stat-walking up parent directories (which could itself hang). Then
//!    `path` (exists, is a folder, the real path by `cd -P`), `stat`, `df`,
//!    `list` (a glob reads the folder; `ls -A` only when none matched),
//!    `layout` (mode and owner of the KohakuRiver folders, from the same
//!    `stat` as SHARED_DIR), `write` (see [`super::write_test`]: create
//!    exclusively, write, read back, then sync and remove in one `shred`, or
//!    `dd conv=fsync` and `rm` where shred cannot; through the descriptor the
//!    file was made on, never its name but to unlink it; `skip
//!    read-only-mode` when rivershare runs with `read_only = true`). When the
//!    budget ends first, the step the group was in (each `step` writes its
//!    name to `${W}p` first) is reported `timeout` and the later ones `skip
//!    hung`: on a dead mount the script costs about one step timeout. `list`,
//!    `layout` and `write` are skipped (`skip not-dir`) unless SHARED_DIR is a
//!    directory, so nothing is ever created on a missing path.
//!
//!    On the exec path with the fixed temp files and `/proc`, the group
//!    leaves the write test for the end of the script (7 below), under the
//!    same budget: there, the program that removes the test's file removes
//!    the temp files too, and the script needs no `rm` of its own.
//! 3. `mountinfo`: `/proc/self/mountinfo`, read without touching the share; the
//!    fallback when findmnt is missing, fails or hangs. Skipped (`skip
//!    findmnt-answered`) when findmnt printed JSON: on container hosts the table
//!    is hundreds of KB, and it would cross the wire on every sweep.
//! 4. `fstab`, `units` and `mountunits`: local files for persistence. fstab
//!    whole (the parser matches its lines against the mount target); of the
//!    systemd mount units, only the files named after SHARED_DIR's real path
//!    (which the share group leaves in `${W}r`) or one of its parents, since
//!    the mount point is one of them (see [`super::units`]). Password and
//!    secret option values are replaced by `***` on the node (see `REDACT`),
//!    so no secret is ever in the output. Credentials files (`credentials=`)
//!    are never read.
//! 5. `stuck`: processes stuck on storage, from `/proc` (see [`super::stuck`]),
//!    only when the share group hung (`skip share-answered` otherwise).
//! 6. What the caller has the probe carry ([`build_carrying`], [`Carried`]):
//!    the KohakuRiver discovery's reads, at the end of the share group (in
//!    its shell, under its `T`), so a node's sweep is one exec; on their own,
//!    after the probe's steps, when the share hung before them.
//! 7. `write`, when the group left it for the end: in a subshell the node's
//!    `timeout` cuts like the group; under a `timeout` of its own when the
//!    budget went to the KohakuRiver reads after every share step answered.
//!
//! About 10 processes a node on its first sweep and 7 on a resident shell,
//! KohakuRiver reads included: the framing, the host, the real path, the mount
//! units' names and keys, the read-back, and fstab unless a line may hold a
//! secret are shell builtins, since every process counts when every node runs
//! the script on every sweep.
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
# `usr1` as $1: the node's timeout signals USR1 to the process group when the
# share's budget ends (see `CUT_DIRECTIVE`); this shell goes on, the share
# group's subshell and whatever hangs in it die.
CUT=${1-}; CUTHIT=0; set --
[ "$CUT" != usr1 ] || trap 'CUTHIT=1' USR1
umask 077
REDACT='s/(^|[[:space:],])([Pp][Aa][Ss][Ss][A-Za-z0-9_]*|[Ss][Ee][Cc][Rr][Ee][Tt])=([^,[:space:]]|,,)*/\1\2=***/g'
# redact_line LINE: LINE as is, by builtins, when it cannot hold a secret;
# through sed and $REDACT when it may (a "pass" or "secret=" followed by an "=":
# every line $REDACT changes, and more). No process for a file without secrets.
redact_line() {
  case $1 in
    *[Pp][Aa][Ss][Ss]*=*|*[Ss][Ee][Cc][Rr][Ee][Tt]=*) printf '%s\n' "$1" | sed -E "$REDACT" ;;
    *) printf '%s\n' "$1" ;;
  esac
}
# redact_file FILE: every line of FILE through redact_line.
redact_file() {
  while IFS= read -r rl || [ -n "$rl" ]; do redact_line "$rl"; done <"$1"
}
@PRELUDE@
# One line, "<nodename> <release>", from the kernel's own files by shell
# builtins: no process. uname where /proc is not mounted.
host_line() {
  hn=; hr=
  { read -r hn </proc/sys/kernel/hostname && read -r hr </proc/sys/kernel/osrelease; } 2>/dev/null
  if [ -n "$hn" ] && [ -n "$hr" ]; then printf '%s %s\n' "$hn" "$hr"; else uname -n -r; fi
}
step host @ERR_CAP@ host_line

# The write test's file name: a random suffix from the kernel's uuid costs no
# process; od is the fallback.
N=; read -r N </proc/sys/kernel/random/uuid 2>/dev/null || N=
[ -n "$N" ] || N=$(od -An -N4 -tx4 /dev/urandom 2>/dev/null | tr -d ' \n')
N=".rivershare-probe.$$.$N"

# The steps that may block on the share (findmnt, path, stat, df, list, write,
# layout) share one budget, not a timeout each (a process each, and the inner
# shells they ran): a subshell cut by the node's timeout (USR1), or an inner
# shell under one `T`. The group prints its own sections; when the budget ends,
# the step it was in (written to ${W}p by `step`) is reported as timed out and
# the later ones as `skip hung`.
@WRITE@
@GROUP@
[ -z "$W" ] || : >"${W}p"
KR=0
# The write test runs last on the exec path, with the fixed temp files, where
# /proc lets it read its stderr once they are gone: the program that removes
# its file then removes them too, one process fewer (see `write_test`). The
# group leaves TRUST in WL when every share step answered.
WL=
if [ "$CUT" = usr1 ] && [ "${WFIX-}" = 1 ] && [ -h /dev/fd/1 ]; then WL=${W}w; fi
# cut_run CMD...: CMD in a subshell, not a shell and a timeout of its own (two
# processes fewer), which the node's timeout cuts with USR1 when the budget
# ends; rc is its status, 124 once cut. The shell's note on a job killed by a
# signal goes to /dev/null, the subshell's own stderr does not.
cut_run() {
  exec 3>&2 2>/dev/null
  ( "$@" ) 2>&3 3>&-; rc=$?
  exec 2>&3 3>&-
  [ "$CUTHIT" = 0 ] || rc=124
}
share_group() { set -- "$D" "$W" "$WRITE_TEST" "$N" "$HOME" "$WFN"; eval "$G"; }
if [ "$CUT" = usr1 ]; then
  cut_run share_group
  # Later programs are not the budget's to cut, but the write test still is.
  [ -n "$WL" ] || trap '' USR1
else
  T sh -c "$G" rivershare-share "$D" "$W" "$WRITE_TEST" "$N" "$HOME" "$WFN"; rc=$?
fi
@GROUP_END@

# The steps that read this node's own files, not the share.
local_steps() {
# The mount table, the fallback for findmnt; not needed when findmnt answered
# with JSON (the group leaves ${W}j): the table is large on container hosts, and
# it would cross the wire on every sweep.
if [ -n "$W" ] && [ -s "${W}j" ]; then
  printf '@@rivershare mountinfo skip findmnt-answered\n'
elif [ -r /proc/self/mountinfo ]; then
  step mountinfo @MOUNTINFO_CAP@ cat /proc/self/mountinfo
else
  printf '@@rivershare mountinfo skip missing-file\n'
fi

if [ -r /etc/fstab ]; then
  # Secrets never leave the node: the value of every option mount.cifs reads as a
  # password (any key starting with "pass", in any case) and CephFS's secret= is
  # replaced by *** before the file is printed, so the raw output (kept, logged,
  # shown by the console) never holds one. ",," is a literal comma in a value.
  # Only a line that may hold one costs a sed.
  step fstab @BODY_CAP@ redact_file /etc/fstab
else
  printf '@@rivershare fstab skip missing-file\n'
fi

# Mount units: only the names SHARED_DIR's mount point can have (see
# `probe::units`).
@UNITS@
# The real path the share group found; SHARED_DIR as written (made absolute, as
# the group does) when it found none.
UR=
if [ -n "$W" ] && [ -s "${W}r" ]; then
  while IFS= read -r ur; do UR=${UR:+$UR
}$ur; done <"${W}r"
fi
[ -n "$UR" ] || case $D in /*) UR=$D ;; *) UR=$PWD/$D ;; esac
unit_names "$UR"

# The unit folders, each once: /lib is /usr/lib where /usr is merged.
U=
for u in /etc/systemd/system /run/systemd/generator /usr/local/lib/systemd/system /usr/lib/systemd/system /lib/systemd/system; do
  [ -d "$u" ] || continue
  for uo in $U; do [ "$u" -ef "$uo" ] && continue 2; done
  U="$U $u"
done
if [ -n "$U" ]; then
  step units @BODY_CAP@ units_list $U
  MU=
  set -f
  for su in $U; do
    for sn in $UN; do
      [ -f "$su/$sn.mount" ] && [ -r "$su/$sn.mount" ] && MU="$MU $su/$sn.mount"
    done
  done
  step mountunits @BODY_CAP@ mount_units $MU
  set +f
else
  printf '@@rivershare units skip no-systemd\n@@rivershare mountunits skip no-systemd\n'
fi

# Processes stuck on storage (see `probe::stuck`): what a hung share leaves
# behind, so looked for only when the share group hung (a node's /proc is
# hundreds of reads).
@STUCK@
if [ "$H" = 1 ]; then
  step stuck @BODY_CAP@ stuck_scan
else
  printf '@@rivershare stuck skip share-answered\n'
fi
@EXTRA@
}
# With the write test still to come (WL), this shell keeps USR1 caught, so it
# knows whether the budget ended before that test. The local steps then run in
# a subshell that ignores it: a cut landing meanwhile must not kill one of
# their programs (a redacting sed, the mount table's cat) nor end one of their
# reads early, which would take lines out of fstab or the mount table.
if [ -n "$WL" ]; then
  ( trap '' USR1; local_steps )
else
  local_steps
fi
# The write test, last (WL above), in a subshell the node's timeout cuts like
# the group; with a timeout of its own when the group's budget went to the
# KohakuRiver reads after every share step had answered.
if [ -n "$WL" ] && [ -s "$WL" ]; then
  IFS= read -r TRUST <"$WL"
  if [ "$CUTHIT" = 0 ]; then
    write_last() { [ "$CUTHIT" = 0 ] || exit 124; eval "$WFN"; write_late; }
    cut_run write_last
  else
    T sh -c "$G" rivershare-share "$D" "$W" "$WRITE_TEST" "$N" "$HOME" "$WFN" late "$TRUST"; rc=$?
  fi
  case $rc in
    0) ;;
    124|137) printf '@@rivershare write timeout\n' ;;
    *) printf '@@rivershare write err %s\n!the write test ended with exit %s\n' "$rc" "$rc" ;;
  esac
fi
trap '' USR1
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
    build_carrying(shared_dir, step_timeout, write_test, None)
}

/// As [`build_with`], with `extra` (more steps, shell text that uses the
/// framing's prelude, e.g. the KohakuRiver discovery's) run after the probe's
/// own: one exec a node instead of two.
/// Steps a caller has the probe carry (the KohakuRiver discovery's reads), so a
/// node's sweep is one exec, and they cost no shell and no `timeout` of their
/// own: `in_group` runs at the end of the share group, in its inner shell and
/// under its `T`, with `HM` set to the login folder. When the group's timeout
/// cut one of its steps (`read_steps`), the share's steps had
/// all answered, and `cut_in_reads` reports the cut. When it cut a share step,
/// they never ran: `after`, which runs after the probe's own steps, sees `KR=1`
/// and runs them on their own.
pub struct Carried {
    pub in_group: String,
    pub read_steps: &'static [&'static str],
    pub cut_in_reads: &'static str,
    pub after: String,
}

pub fn build_carrying(
    shared_dir: &str,
    step_timeout: Duration,
    write_test: bool,
    carried: Option<&Carried>,
) -> String {
    let mut s = String::with_capacity(BODY.len() + shared_dir.len() + 64);
    s.push_str("# rivershare probe, protocol 1\n");
    if shared_dir.contains('\0') {
        // sh cannot hold a NUL byte; say so in the protocol instead of guessing.
        s.push_str(
            "printf '@@rivershare begin 1\\n@@rivershare path err 2\\n!SHARED_DIR contains a NUL byte\\n@@rivershare end\\n'\n",
        );
        return s;
    }
    let _ = writeln!(s, "{CUT_DIRECTIVE}{}", timeout_arg(step_timeout));
    // The one and only place SHARED_DIR enters the script: as quoted data.
    let _ = writeln!(s, "D={}", sh_quote(shared_dir));
    let _ = writeln!(s, "S={}", timeout_arg(step_timeout));
    let _ = writeln!(s, "WRITE_TEST={}", u8::from(write_test));
    // `$6` defines the write test's functions; `late` as `$7` runs only the
    // test, for the probe's last step when the budget is spent.
    let group = format!(
        "D=$1; W=$2; WRITE_TEST=$3; N=$4; HM=$5; P=\n{}eval \"$6\"\n\
         if [ \"${{7-}}\" = late ]; then TRUST=$8; write_late; exit; fi\n\
         [ -z \"$W\" ] || P=${{W}}p\n{}{}",
        crate::framing::functions(STDERR_CAP),
        caps(super::share_group::GROUP),
        carried.map_or("", |c| c.in_group.as_str())
    );
    let share_cut = "H=1; KR=1; group_cut 'skip hung' findmnt path stat df list layout write";
    let group_end = match carried {
        // The step the group was in when it ended (the name `step` wrote last)
        // tells whether the share or a read hung, and whether the reads ran.
        Some(c) => format!(
            "gc=; [ \"$rc\" = 0 ] || [ -z \"$W\" ] || {{ IFS= read -r gc <\"${{W}}p\"; }} 2>/dev/null\n\
             case $rc:$gc in\n  0:*) ;;\n  {p}) {cut}      ;;\n  124:*|137:*) {share_cut} ;;\n  \
             *) {SHARE_ERR}\n    case $gc in {steps}) ;; *) KR=1 ;; esac ;;\nesac\n",
            p = c
                .read_steps
                .iter()
                .flat_map(|step| ["124", "137"].map(|rc| format!("{rc}:{step}")))
                .collect::<Vec<_>>()
                .join("|"),
            steps = c.read_steps.join("|"),
            cut = c.cut_in_reads,
        ),
        None => {
            format!("case $rc in\n  0) ;;\n  124|137) {share_cut} ;;\n  *) {SHARE_ERR} ;;\nesac\n")
        }
    };
    s.push_str(
        &caps(BODY)
            .replace(
                "@PRELUDE@",
                &crate::framing::prelude_with_files(STDERR_CAP, TEMP_FILES),
            )
            .replace("@WRITE@", &format!("WFN={}", sh_quote(&write_functions())))
            .replace("@GROUP@", &format!("G={}", sh_quote(&group)))
            .replace("@STUCK@", &caps(super::stuck::STUCK_SCAN))
            .replace("@UNITS@", &caps(super::units::UNIT_FUNCTIONS))
            .replace("@GROUP_END@", &group_end)
            .replace("@EXTRA@", carried.map_or("", |c| c.after.as_str())),
    );
    s
}

/// The write test's functions, with the probe's temp files named for its
/// last step (see `super::write_test`).
fn write_functions() -> String {
    let paths: Vec<String> = TEMP_FILES
        .iter()
        .map(|f| format!("\"${{W}}{f}\""))
        .collect();
    caps(super::write_test::WRITE_FUNCTIONS).replace("@TEMP_PATHS@", &paths.join(" "))
}

/// `text` without its comment lines, its caps filled in.
fn caps(text: &str) -> String {
    crate::shell::without_comment_lines(text)
        .replace("@BODY_CAP@", &BODY_CAP.to_string())
        .replace("@MOUNTINFO_CAP@", &MOUNTINFO_CAP.to_string())
        .replace("@ERR_CAP@", &STDERR_CAP.to_string())
}

/// The share group ended with neither success nor its timeout: say so. Steps
/// it did not report are missing from the output, which the parser reports.
const SHARE_ERR: &str =
    "printf '@@rivershare share err %s\\n!the share steps ended with exit %s\\n' \"$rc\" \"$rc\"";

/// Every temp file the probe uses, KohakuRiver reads included (`"${W}<name>"`):
/// a fixed set, so a node's first sweep makes them without a `mktemp` (see
/// `crate::framing::prelude_with_files`).
pub const TEMP_FILES: &[&str] = &["o", "e", "p", "j", "r", "s", "l", "c", "x", "w"];

/// The probe's second line, followed by the step timeout: where the transport
/// runs the script under the node's `timeout` (the exec path), it has that
/// timeout signal USR1 when the share's budget ends and passes `usr1` as the
/// script's `$1`, so the share group runs in a subshell instead of under a
/// `timeout` and a shell of its own. Elsewhere (a resident shell, the local
/// transport, a node without `timeout`) the line is a comment and the group
/// has its own `timeout` (see `transport::ssh::exec::remote_command`).
pub const CUT_DIRECTIVE: &str = "# rivershare cut: USR1 after ";

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
