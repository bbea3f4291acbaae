//! The probe's write test, as shell functions: the share group runs it in
//! place (`write_step`, under the group's budget), or, on the exec path, the
//! probe runs it last (`write_late`), where the one program that removes its
//! file also removes the probe's temp files: one process fewer on every node's
//! first sweep (see [`super::script`]).

/// `write_run` (the test; its stages in `WS`), `write_step` (for `step`: the
/// stages on stdout) and `write_late` (the whole `write` section, the temp files
/// removed with the test's file when it gets that far). `@TEMP_PATHS@` stands
/// for the probe's temp files (`"${W}o" ...`), `@ERR_CAP@` for the stderr cap.
pub(crate) const WRITE_FUNCTIONS: &str = r#"
# Create exclusively, write, read back, then sync and remove: the data must
# reach the server, not just the page cache. The file is made by `set -C` (no
# symlink is followed there) on fd 5, and every write and the read-back go
# through that fd, never the name: where others may write SHARED_DIR, one could
# swap the file for a symlink between two steps, and root's probe would write
# into (or shred) the link's target. One `shred` syncs and removes: its one pass
# writes zeros over the line in place and fdatasyncs, as `dd conv=fsync` did, then
# it unlinks; by the name only in a folder no one else may write (TRUST),
# elsewhere through fd 5 ("-" is its stdout) and an `rm`, which never follows a
# link. Where shred cannot (busybox's and coreutils' before 8.22 lack `-x` or
# `--remove=unlink`, or the share refused), `dd` and `rm` do it, so the stage
# that fails is named. A redirection of a compound command may fail without
# ending the shell, unlike one of `exec`.
#
# With WL set (`write_late`: nothing uses the temp files after the test), the
# program that removes the file removes them too. shred zeroes what it removes,
# so it takes them only while the test's stderr file is empty.
ws() { WS="${WS}stage=$1
"; }
write_run() {
  f=$D/$N
  WS=; ws create
  wo=0
  set -C
  { set +C; wo=1; write_through; } 5>"$f"
  wr=$?
  set +C
  [ $wo = 1 ] || return 2
  return $wr
}
# The rest of the write test, with fd 5 on the file it made.
write_through() {
  ws write
  printf 'rivershare probe %s\n' "$N" >&5 || { rm -f -- "$f"; return 3; }
  ws read
  # A fresh open of the file on fd 5 (/proc's link to it, which lstat reads
  # without asking the share), from its start.
  wp=$f; [ ! -h /dev/fd/5 ] || wp=/dev/fd/5
  got=
  IFS= read -r got <"$wp" || { rm -f -- "$f"; return 4; }
  if [ "$got" != "rivershare probe $N" ]; then
    echo "read back differs from what was written" >&2; rm -f -- "$f"; return 5
  fi
  ws remove
  # shred unlinks only after its pass and sync succeeded: a file gone is done.
  if [ "$TRUST" = 1 ]; then
    set -- "$f"
    [ -z "${WL:-}" ] || [ -s "${W}e" ] || set -- "$f" @TEMP_PATHS@
    if shred -n 0 -z -x --remove=unlink -- "$@" 2>/dev/null 5>&- || [ ! -e "$f" ]; then
      ws done
      return 0
    fi
  elif shred -n 0 -z -x - 2>/dev/null >&5 5>&-; then
    write_unlink || return 6
    ws done
    return 0
  fi
  ws write
  # dd writes where fd 5 stands, after the line: the file is removed next. The
  # line from a temp file, unless a shred that failed on the test's file
  # removed them.
  if [ -n "$W" ] && [ -e "${W}c" ]; then
    printf 'rivershare probe %s\n' "$N" >"${W}c"
    dd if="${W}c" conv=fsync >&5 || { rm -f -- "$f"; return 3; }
  else
    printf 'rivershare probe %s\n' "$N" | dd conv=fsync >&5 || { rm -f -- "$f"; return 3; }
  fi
  ws remove
  write_unlink || return 6
  ws done
}
# The test's file by its name, which rm never follows; the temp files too
# when the test runs last.
write_unlink() {
  if [ -n "${WL:-}" ]; then rm -f -- "$f" @TEMP_PATHS@ 5>&-; else rm -f -- "$f" 5>&-; fi
}
# For `step write`: the stages on stdout.
write_step() {
  write_run; wr=$?
  printf '%s' "$WS"
  return $wr
}
# The whole write section, run last (WL set): the stages, then stderr, read
# through fd 9, which outlives the temp files' removal (/dev/fd is /proc's).
write_late() {
  case $D in /*) ;; *) D=$PWD/$D ;; esac
  # A block's redirection, not exec's: one that fails must not end the shell.
  wd=0
  {
    wd=1
    write_run >/dev/null 2>"${W}e" </dev/null; wr=$?
    case $wr in 0) printf '@@rivershare write ok\n' ;; *) printf '@@rivershare write err %s\n' "$wr" ;; esac
    wl=$WS
    while [ -n "$wl" ]; do printf '|%s\n' "${wl%%
*}"; wl=${wl#*
}; done
    emit /dev/fd/9 @ERR_CAP@ '!'
  } 9<"${W}e"
  [ $wd = 1 ] || printf '@@rivershare write err 1\n!the write test could not open its stderr file\n'
  return 0
}
"#;
