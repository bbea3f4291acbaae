//! The probe's steps that may block on the share, as the shell text of one
//! inner shell that the probe script runs under one `timeout -k` (see
//! [`super::script`] for the protocol and how a timeout is reported).

/// The share's steps, run by `T sh -c "$G" rivershare-share D W WRITE_TEST N HM`
/// after [`crate::framing::functions`]. Only `findmnt`, `stat`, `df`, `ls` and
/// `shred` are processes (`dd` and `rm` where shred cannot; a `stat` per
/// KohakuRiver folder too, only when the shared one failed); the rest is builtins.
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
# reach the server, not just the page cache. `true`, not `:`: a failed
# redirection of a special builtin would end this shell. The shell writes and
# reads; one `shred` syncs and removes (its one pass writes zeros over the line
# in place and fdatasyncs, as `dd conv=fsync` did, then it unlinks): one process
# where `dd` and `rm` were two, on every sweep of every node. Where shred cannot
# (busybox's and coreutils' before 8.22 lack `-x` or `--remove=unlink`, or the
# share refused), `dd` and `rm` do it again, so the stage that fails is named.
write_check() {
  f=$D/$N
  echo stage=create
  set -C
  true >"$f"; wc_rc=$?
  set +C
  [ $wc_rc = 0 ] || return 2
  echo stage=write
  printf 'rivershare probe %s\n' "$N" >>"$f" || { rm -f -- "$f"; return 3; }
  echo stage=read
  got=
  IFS= read -r got <"$f" || { rm -f -- "$f"; return 4; }
  if [ "$got" != "rivershare probe $N" ]; then
    echo "read back differs from what was written" >&2; rm -f -- "$f"; return 5
  fi
  echo stage=remove
  # shred unlinks only after its pass and sync succeeded: a file gone is done.
  if shred -n 0 -z -x --remove=unlink -- "$f" 2>/dev/null || [ ! -e "$f" ]; then
    echo stage=done
    return 0
  fi
  echo stage=write
  if [ -n "$W" ]; then
    printf 'rivershare probe %s\n' "$N" >"${W}c"
    dd if="${W}c" of="$f" conv=notrunc,fsync || { rm -f -- "$f"; return 3; }
  else
    printf 'rivershare probe %s\n' "$N" | dd of="$f" conv=notrunc,fsync || { rm -f -- "$f"; return 3; }
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
