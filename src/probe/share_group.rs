//! The probe's steps that may block on the share, as the shell text of one
//! inner shell that the probe script runs under one `timeout -k` (see
//! [`super::script`] for the protocol and how a timeout is reported).

/// The share's steps, run by `T sh -c "$G" rivershare-share D W WRITE_TEST N HM`
/// after [`crate::framing::functions`]. Only `findmnt`, `stat`, `df`, `ls` and
/// `shred` are processes (`rm` too where others may write SHARED_DIR; `dd` and
/// `rm` where shred cannot; a `stat` per KohakuRiver folder, only when the
/// shared one failed); the rest is builtins.
pub(crate) const GROUP: &str = r#"
# findmnt reads the mount table: it answers on a dead hard NFS mount, where
# everything below blocks, so it runs first. JSON from it spares the caller the
# mount table (${W}j says so).
if command -v findmnt >/dev/null 2>&1; then
  step findmnt @BODY_CAP@ findmnt -J -T "$D" -o TARGET,SOURCE,FSTYPE,OPTIONS
  case "$R:$o" in "ok:{"*) [ -z "$W" ] || echo 1 >"${W}j" ;; esac
else
  printf '@@rivershare findmnt skip missing-tool\n'
fi

# A relative SHARED_DIR is relative to the login folder, where this shell starts.
case $D in /*) ;; *) D=$PWD/$D ;; esac
unset CDPATH
E=0; I=0

# exists, dir, then the real path: `cd -P` resolves it without a process;
# realpath (or readlink -f) when SHARED_DIR is not a folder we may enter.
path_check() {
  if [ -e "$D" ]; then echo exists=1; else echo exists=0; fi
  if [ -d "$D" ]; then echo dir=1; else echo dir=0; fi
  if [ -e "$D" ]; then
    r=
    if [ -d "$D" ] && cd -P -- "$D" 2>/dev/null; then r=$PWD; cd /; fi
    [ -n "$r" ] || r=$(realpath "$D" 2>/dev/null) || r=$(readlink -f "$D" 2>/dev/null) || r=
    [ -z "$r" ] || printf 'real=%s\n' "$r"
    # For the caller's mount-unit names (${W}r): the group's variables die with it.
    [ -z "$r" ] || [ -z "$W" ] || printf '%s\n' "$r" >"${W}r"
  fi
  return 0
}
step path @BODY_CAP@ path_check
# Only the first two lines decide: the real path after them may hold anything.
case "$R:$o" in
  "ok:exists=1
dir=1"*) E=1; I=1 ;;
  ok:exists=1*) E=1 ;;
esac

# SHARED_DIR and the KohakuRiver folders in it, in one stat: its first line is
# SHARED_DIR's, the others go to ${W}l for `layout`. When any of them fails,
# SHARED_DIR alone, so its own error is what the section shows.
LAY=0; LN=
stat_check() {
  set -- "$D"
  if [ "$I" = 1 ] && [ -n "$W" ]; then
    for ln in kohakuriver-containers shared_data logs; do
      [ -e "$D/$ln" ] && { set -- "$@" "$D/$ln"; LN="$LN $ln"; }
    done
  fi
  if [ $# -gt 1 ] && stat -L -c '%F|%a|%u|%U' -- "$@" >"${W}s" 2>/dev/null; then
    {
      IFS= read -r sl; printf '%s\n' "$sl"
      while IFS= read -r sl; do printf '%s\n' "$sl"; done >"${W}l"
    } <"${W}s"
    LAY=1
    return 0
  fi
  stat -L -c '%F|%a|%u|%U' -- "$D"
}
step stat @ERR_CAP@ stat_check
# Only this user and root may change SHARED_DIR's entries (it is ours, and
# neither its group nor others may write it: mode ?[0145][0145]), so no one can
# swap the write test's file for a symlink once made; the test may then sync and
# remove it by its name. Otherwise, or when unknown, it never uses the name after
# making the file but to unlink it (see `write_check`).
TRUST=0
if [ "$R" = ok ] && [ -O "$D" ]; then
  tm=${o%%
*}; tm=${tm#*|}; tm=${tm%%|*}
  case $tm in ''|*[!0-7]*|*[2367]?|*[2367]) ;; *) TRUST=1 ;; esac
fi

if [ "$E" = 1 ]; then
  step df @ERR_CAP@ df -P -B1 -- "$D"
else
  printf '@@rivershare df skip missing\n'
fi

# Reading the folder is what is checked: a glob reads it in the shell (one
# process fewer on every sweep); only when no pattern matched (an empty
# folder, or one that cannot be read) does `ls` say which.
list_check() {
  set -- "$D"/*; [ "$1" = "$D/*" ] || return 0
  set -- "$D"/.[!.]*; [ "$1" = "$D/.[!.]*" ] || return 0
  set -- "$D"/..?*; [ "$1" = "$D/..?*" ] || return 0
  ls -A -- "$D" >/dev/null
}

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
write_check() {
  f=$D/$N
  echo stage=create
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
  echo stage=write
  printf 'rivershare probe %s\n' "$N" >&5 || { rm -f -- "$f"; return 3; }
  echo stage=read
  # A fresh open of the file on fd 5 (/proc's link to it), from its start.
  wp=$f; [ ! -e /dev/fd/5 ] || wp=/dev/fd/5
  got=
  IFS= read -r got <"$wp" || { rm -f -- "$f"; return 4; }
  if [ "$got" != "rivershare probe $N" ]; then
    echo "read back differs from what was written" >&2; rm -f -- "$f"; return 5
  fi
  echo stage=remove
  # shred unlinks only after its pass and sync succeeded: a file gone is done.
  if [ "$TRUST" = 1 ]; then
    if shred -n 0 -z -x --remove=unlink -- "$f" 2>/dev/null || [ ! -e "$f" ]; then
      echo stage=done
      return 0
    fi
  elif shred -n 0 -z -x - 2>/dev/null >&5; then
    rm -f -- "$f" || return 6
    echo stage=done
    return 0
  fi
  echo stage=write
  # dd writes where fd 5 stands, after the line: the file is removed next.
  if [ -n "$W" ]; then
    printf 'rivershare probe %s\n' "$N" >"${W}c"
    dd if="${W}c" conv=fsync >&5 || { rm -f -- "$f"; return 3; }
  else
    printf 'rivershare probe %s\n' "$N" | dd conv=fsync >&5 || { rm -f -- "$f"; return 3; }
  fi
  echo stage=remove
  rm -f -- "$f" || return 6
  echo stage=done
}

# Mode and owner of the KohakuRiver folders: from `stat_check`'s lines when it
# had them (one a folder of LN, in order); else one stat each, so no line is
# given to the wrong folder.
layout_check() {
  if [ "$LAY" = 1 ]; then
    {
      for ln in kohakuriver-containers shared_data logs; do
        case " $LN " in
          *" $ln "*)
            lf=; la=; lu=; lo=
            IFS='|' read -r lf la lu lo <&3
            if [ -n "$lo" ]; then printf '%s %s %s\n' "$ln" "$la" "$lo"; else printf '%s ?\n' "$ln"; fi
            ;;
          *) printf '%s -\n' "$ln" ;;
        esac
      done
    } 3<"${W}l"
    return 0
  fi
  for ln in kohakuriver-containers shared_data logs; do
    if [ -e "$D/$ln" ]; then
      lv=$(stat -L -c '%a %U' -- "$D/$ln" 2>/dev/null) && printf '%s %s\n' "$ln" "$lv" || printf '%s ?\n' "$ln"
    else
      printf '%s -\n' "$ln"
    fi
  done
}

if [ "$I" = 1 ]; then
  step list @ERR_CAP@ list_check
  if [ "$WRITE_TEST" != 1 ]; then
    printf '@@rivershare write skip read-only-mode\n'
  else
    step write @ERR_CAP@ write_check
  fi
  step layout @ERR_CAP@ layout_check
else
  printf '@@rivershare list skip not-dir\n@@rivershare write skip not-dir\n@@rivershare layout skip not-dir\n'
fi
"#;
