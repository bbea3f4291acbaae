//! The probe's scan for processes stuck on storage, as shell functions: from
//! `/proc` only, never the share. A process counts when it is in
//! uninterruptible sleep (`D`: a dead hard NFS, CIFS or Ceph mount), or when it
//! is a FUSE client waiting for its daemon (wchan `request_wait_answer`, shown
//! as `S`; the daemon's own idle read of `/dev/fuse` is not a wait on storage).
//!
//! Two ways, one output (`<pid> <comm> (<wchan>)`, a line each): shell builtins
//! when the node has few processes (a container, a namespace: no process at
//! all), one `awk` when it has many. The shell's `read` takes a byte per system
//! call, so on a node with 1 000 processes the builtins cost about half a
//! second of CPU a sweep, and the awk a few milliseconds.

/// `stuck_scan` and its two ways, `stuck_builtin DIR...` and `stuck_awk
/// DIR...`, where each DIR is a `/proc/<pid>` folder (tests pass folders of
/// their own). Their variables are their own (`s...`), never `step`'s.
pub const STUCK_SCAN: &str = r#"
stuck_builtin() {
  for sp in "$@"; do
    sl=; sw=
    read -r sl 2>/dev/null <"$sp/stat" || continue
    read -r sw 2>/dev/null <"$sp/wchan"
    sr=${sl##*) }
    sc=${sl#*(}
    case "${sr%% *} $sw" in
      "D "*|*request_wait_answer*)
        printf '%s %s (%s)\n' "${sp##*/}" "${sc%)*}" "${sw:-?}" ;;
    esac
  done
  return 0
}
# getline, not awk's file arguments: a process that ended after the glob makes
# mawk stop at the first file it cannot open.
stuck_awk() {
  LC_ALL=C awk 'BEGIN {
    for (i = 1; i < ARGC; i++) {
      p = ARGV[i]; l = ""; w = ""
      if ((getline l < (p "/stat")) <= 0) { close(p "/stat"); continue }
      close(p "/stat")
      if ((getline w < (p "/wchan")) <= 0) w = ""
      close(p "/wchan")
      r = l; sub(/.*\) /, "", r); split(r, f, " ")
      c = l; sub(/^[^(]*\(/, "", c); sub(/\)[^)]*$/, "", c)
      if (f[1] == "D" || w ~ /request_wait_answer/) {
        n = p; sub(/.*\//, "", n)
        printf "%s %s (%s)\n", n, c, (w == "" ? "?" : w)
      }
    }
    exit 0
  }' "$@"
}
stuck_scan() {
  set -- /proc/[0-9]*
  [ -e "$1" ] || return 0
  if [ $# -gt 64 ] && command -v awk >/dev/null 2>&1; then
    stuck_awk "$@"
  else
    stuck_builtin "$@"
  fi
  return 0
}
"#;
