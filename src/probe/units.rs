//! The probe's look-up of the systemd mount units that can hold SHARED_DIR, as
//! shell functions. systemd names a mount unit after its mount point
//! (`systemd-escape --path`), and the mount point holding SHARED_DIR is its
//! real path or one of its parents (the root's unit is `-`). So only those
//! names are looked for: a `[ -e ]` each in every unit folder and, when one of
//! them holds such a unit, in their `.wants` and `.requires` folders, by
//! builtins. No listing of every unit crosses the
//! wire, and no unit file is read but the share's own (its `[Mount]` keys, for a
//! mount that has no fstab line).
//!
//! Listing every unit (and reading every `.mount` file) was the costliest part
//! of the probe: about 20 ms of a node's CPU and 4 KB of output a sweep on a
//! Debian node, an awk and a sed included.

/// `unit_names PATH` (sets `UN`: the names, space-separated, longest first, `-`
/// last), `units_list DIR...` (the files of those names that exist in the unit
/// folders DIR, and, when there is one, their enabling links; `units_in DIR` for
/// one folder) and `mount_units FILE...` (the
/// `[Mount]` keys of those files, through the probe's `redact_line`). Their variables are
/// their own (`u...`, `s...`), never `step`'s.
pub const UNIT_FUNCTIONS: &str = r#"
# unit_names PATH: those names for PATH, space-separated, by builtins, byte by
# byte (LC_ALL=C makes bash count bytes; dash always does): "/" between
# components is "-", and every byte outside [A-Za-z0-9:_.], and a leading ".",
# is \xNN. Sets UN.
unit_names() {
  ul=${LC_ALL-}; LC_ALL=C
  set -f; ui=$IFS; IFS=/; set -- $1; IFS=$ui; set +f
  un=; UN=-
  for uc in "$@"; do
    case $uc in ''|.) continue ;; esac
    ux=
    while [ -n "$uc" ]; do
      ut=${uc#?}; uh=${uc%"$ut"}; uc=$ut
      case $uh in
        [ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789:_]) ux=$ux$uh ;;
        .) if [ -z "$un$ux" ]; then ux='\x2e'; else ux=$ux.; fi ;;
        *)
          uv=
          if [ -n "$W" ]; then
            printf '%02x\n' "'$uh" >"${W}x"; read -r uv <"${W}x"
          else
            uv=$(printf '%02x' "'$uh")
          fi
          ux=$ux'\x'$uv ;;
      esac
    done
    un=${un:+$un-}$ux
    UN="$un $UN"
  done
  LC_ALL=$ul
}
# units_in DIR: the files named in UN (mount and automount units) that exist
# in DIR; false when there is none. Called with `set -f`: the names hold
# backslashes, never a glob.
units_in() {
  ui=1
  for sn in $UN; do
    for sx in mount automount; do
      [ -e "$1/$sn.$sx" ] && { printf '%s\n' "$1/$sn.$sx"; ui=0; }
    done
  done
  return $ui
}
# units_list DIR...: the unit files named in UN in the unit folders DIR, then,
# only when there is one, the links in their .wants and .requires folders. A
# link enables a unit by its name, loaded from these folders: with no unit file
# of those names in any of them, no link can enable the share's, and the
# folders' globs are most of this function's cost (the vendor folder holds
# hundreds of entries, read on every sweep of every node).
units_list() {
  uf=1
  set -f
  for su in "$@"; do units_in "$su" && uf=0; done
  if [ $uf = 0 ]; then
    for su in "$@"; do
      set +f
      for sw in "$su"/*.wants "$su"/*.requires; do
        set -f
        [ ! -d "$sw" ] || units_in "$sw" || :
      done
    done
  fi
  set +f
  return 0
}
# The [Mount] keys of the readable .mount files given (the parser picks the one
# of the mount point), for a mount that has no fstab line, by builtins. Options
# are redacted like fstab (a space after "Options=" lets the same expression see
# the first option).
mount_units() {
  for sf in "$@"; do
    [ -s "$sf" ] || continue
    printf '@unit %s\n[Mount]\n' "$sf"
    while IFS= read -r sl || [ -n "$sl" ]; do
      case $sl in
        What=*|Where=*|Type=*) redact_line "$sl" ;;
        Options=*) redact_line "Options= ${sl#Options=}" ;;
      esac
    done <"$sf"
  done
  return 0
}
"#;
