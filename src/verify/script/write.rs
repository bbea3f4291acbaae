//! The write phase: make the run folder, remove stale run folders, write the token.
//!
//! Sections: `mkdir`, `stale` (one `removed <name>` line per stale run folder this
//! node removed), `write` (`stage=create|write|done`).
//!
//! Stale run folders are claimed with a rename before `rm -rf`: several nodes on
//! the same storage run this at once, and a rename succeeds for exactly one of
//! them, so each folder is counted once and no two `rm -rf` race. The new name
//! (`<run-id>.gone.<node>`) still has the shape of a run id, so a folder left
//! behind by an interrupted clean-up is removed by a later run.

use std::time::Duration;

use super::{STALE_MINUTES, has_nul, head, refuse};

const BODY: &str = r#"
V="$D/.rivershare/verify"
F="$V/$RUN"
share mkdir @ERR_CAP@ sh -c '
  # Other nodes create and remove these folders at the same moments, and sshfs or NFS
  # attribute caches may answer `test -d` with what was true seconds ago. So never
  # trust a test: mkdir each level, take "File exists" as success, and retry the
  # whole chain when a parent turns out to be gone (ENOENT) after all.
  mk() {
    m=$(LC_ALL=C mkdir -m 1777 -- "$1" 2>&1) && return 0
    case $m in *"File exists"*) return 0 ;; esac
    printf "%s\n" "$m" >&2
    return 1
  }
  # Each level is made in the one above it, entered by its physical path, and
  # only where it should be: a user who may write SHARED_DIR could have put a
  # symlink to any folder (/etc, say) in place of .rivershare or verify, and root
  # would make the levels below there.
  into() {
    cd -P -- "$1" 2>/dev/null || return 1
    [ "$PWD" = "$r/$2" ] && return 0
    printf "%s\n" "$2 in SHARED_DIR leads to $PWD @REDIRECTED@" >&2
    exit 7
  }
  case ${1:-/} in /*) d=${1:-/} ;; *) d=$PWD/$1 ;; esac
  i=0
  until mk "$d/.rivershare" && cd -P -- "$d" && r=${PWD%/} && into .rivershare .rivershare &&
    mk verify && into verify .rivershare/verify && mk "$2"; do
    i=$((i + 1))
    [ "$i" -lt 5 ] || exit 1
    # What another node removes is below SHARED_DIR; SHARED_DIR itself missing
    # does not come back in a second (the write runs beside the probe, which
    # reports it), so it is not waited for.
    [ -d "$d" ] || exit 1
    sleep 0.2
  done' rivershare-mkdir "$D" "$RUN"
if [ "$R" != ok ]; then
  [ "$H" = 1 ] && w=hung || w=mkdir
  printf '@@rivershare stale skip %s\n@@rivershare write skip %s\n@@rivershare end\n' "$w" "$w"
  exit 0
fi

share stale @ERR_CAP@ sh -c '
  find "$1" -mindepth 1 -maxdepth 1 -type d -mmin +"$3" | while IFS= read -r d; do
    b=${d##*/}
    case $b in
      [0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z-[0-9a-f]*) ;;
      *) continue ;;
    esac
    [ "$b" != "$2" ] || continue
    g="$1/$b.gone.$4"
    # Losing the rename to another node is not an error: that node removes it.
    mv -- "$1/$b" "$g" 2>/dev/null || continue
    rm -rf -- "$g" || continue
    # A folder another node already claimed (`.gone.`, listed before that node
    # removed it, or left by a node that died) was counted by its claimer.
    case $b in *.gone.*) ;; *) printf "removed %s\n" "$b" ;; esac
  done' rivershare-stale "$V" "$RUN" "$STALE_MIN" "$N"

share write @ERR_CAP@ sh -c '
  echo stage=create
  # Into the run folder by its physical path, and only where it should be (see
  # mkdir); the token is then named relative to it, which no later rename of a
  # folder above can move elsewhere.
  rd=$4 rr=$5
@ENTER_RUN_FOLDER@
  f=./$2
  # Made exclusively on fd 5, and written through it, never the name: in a folder
  # others may write, one could swap the file for a symlink between the two, and
  # root would write the token into the link target. A redirection of a compound
  # command may fail without ending the shell.
  made=0
  set -C
  { set +C; made=1
    echo stage=write
    # conv=fsync: the token must reach the server, not just the page cache.
    e=$(printf "%s\n" "$3" | dd conv=fsync 2>&1 >&5) || { printf "%s\n" "$e" >&2; exit 3; }
  } 5>"$f"
  [ "$made" = 1 ] || exit 2
  echo stage=done' rivershare-write "$F" "$N" "$TOK" "$D" "$RUN"
printf '@@rivershare end\n'
"#;

/// The write script for node `node` (its name is the token's file name).
pub fn build(
    shared_dir: &str,
    run_id: &str,
    node: &str,
    token: &str,
    step_timeout: Duration,
) -> String {
    if has_nul(&[shared_dir, run_id, node, token]).is_some() {
        return refuse("an argument");
    }
    let stale = STALE_MINUTES.to_string();
    let mut s = head(
        "write",
        step_timeout,
        &[
            ("D", shared_dir.trim_end_matches('/')),
            ("RUN", run_id),
            ("N", node),
            ("TOK", token),
            ("STALE_MIN", &stale),
        ],
    );
    s.push_str(&super::fill(BODY));
    s
}
