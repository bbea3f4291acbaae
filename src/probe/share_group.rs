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
# making the file but to unlink it (see `write_through`).
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

# The write test (`super::write_test`) last: here, or, when the caller set WL
# (a temp file's name), after the probe's other steps, which this group asks
# for by leaving TRUST in WL once every share step answered.
if [ "$I" = 1 ]; then
  step list @ERR_CAP@ list_check
  step layout @ERR_CAP@ layout_check
  if [ "$WRITE_TEST" != 1 ]; then
    printf '@@rivershare write skip read-only-mode\n'
  elif [ -n "${WL:-}" ]; then
    printf '%s\n' "$TRUST" >"$WL"
  else
    step write @ERR_CAP@ write_step
  fi
else
  printf '@@rivershare list skip not-dir\n@@rivershare layout skip not-dir\n@@rivershare write skip not-dir\n'
fi
"#;
