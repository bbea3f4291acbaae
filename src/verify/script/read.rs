//! The read phase: one script per reader reads every written token by its exact
//! path (a shell redirection, never a listing: NFS attribute caches and sshfs's directory cache
//! can hide a new file from `ls` for 20 s or more), compares it with the expected
//! content, and retries the ones that do not match yet with backoff (50 ms
//! doubling to 500 ms) until the deadline, measured from the script's start.
//!
//! One section per token, named by its index in the list given to [`build`]:
//! - `ok` with `|after_ms=<ms since the script started>`;
//! - `err <rc>` with the last open error on stderr (missing, or another errno);
//! - `err 1` with `|state=mismatch` and the file's first bytes as `|` lines;
//! - `timeout`: the read of this token hung; every token not read yet then gets `skip hung`,
//!   so a hung mount costs one step timeout, not one per token.

use std::fmt::Write as _;
use std::time::Duration;

use super::{MISMATCH_CAP, has_nul, head, refuse};

/// One token to read: its exact path on this reader and the expected content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub path: String,
    pub content: String,
}

const BODY: &str = r#"
# now_ms: NOW = a millisecond clock for elapsed times. /proc/uptime (10 ms steps)
# is read by a builtin, so timing a token costs no process; `now` (date) where
# it cannot be read.
now_ms() {
  u=; read -r u _ </proc/uptime 2>/dev/null
  case $u in
    *[!0-9.]*|*.*.*) NOW=$(now) ;;
    [0-9]*.[0-9][0-9]) NOW=$(( ${u%.*} * 1000 + (1${u#*.} - 100) * 10 )) ;;
    *) NOW=$(now) ;;
  esac
}
now_ms; st=$NOW
pend=$K
d=50
while :; do
  # One process reads every pending token with shell builtins, under one
  # timeout: two processes a pass, not two a token. It answers each token on a
  # line of ${W}r as it goes ("<i> ok|mismatch|err"), so when a read hangs the
  # tokens before it keep their answers and the one it hung on is known.
  set --
  for i in $pend; do eval "set -- \"\$@\" $i \"\$P$i\" \"\$E$i\""; done
  T sh -c '
    w=$1; shift
    while [ $# -ge 3 ]; do
      i=$1; p=$2; e=$3; shift 3
      a=; b=; m=
      # A token is a file its writer made: a symlink in its place is not
      # followed, or root would show the operator what it points at.
      if [ -h "$p" ]; then
        printf "%s\n" "$p is a symlink, not a token: not read" >"${w}e$i"
        echo "$i err"
        continue
      fi
      # stderr first: a failed open of the token must land in its own file.
      { IFS= read -r a; IFS= read -r b && m=1; } 2>"${w}e$i" <"$p"
      if [ -s "${w}e$i" ]; then
        echo "$i err"
      elif [ "$a" = "$e" ] && [ -z "$m" ]; then
        # The token is one line: a second line, even empty, is a mismatch.
        echo "$i ok"
      else
        printf "%s\n%s\n" "$a" "$b" >"${w}m$i"; echo "$i mismatch"
      fi
    done' rivershare-read "$W" "$@" </dev/null >"${W}r" 2>"${W}e"
  rc=$?
  now_ms; at=$((NOW - st))
  left=; answered=
  while read -r i v; do
    answered="$answered $i "
    case $v in
      ok) printf '@@rivershare %s ok\n|after_ms=%s\n' "$i" "$at"; continue ;;
      mismatch) rm -f "${W}e$i" ;;
      *) eval "c$i=1"; rm -f "${W}m$i" ;;
    esac
    left="$left $i"
  done <"${W}r"
  for i in $pend; do
    case $answered in *" $i "*) continue ;; esac
    if [ "$H" = 1 ]; then left="$left $i"; continue; fi
    case $rc in
      124|137)
        # The read this token's turn began never ended: the storage hangs.
        H=1; printf '@@rivershare %s timeout\n' "$i"; emit "${W}e" @ERR_CAP@ '!'
        ;;
      *)
        cp "${W}e" "${W}e$i"; eval "c$i=$rc"; rm -f "${W}m$i"; left="$left $i"
        ;;
    esac
  done
  pend=$left
  [ -n "$pend" ] && [ "$H" = 0 ] || break
  now_ms; el=$((NOW - st))
  [ "$el" -lt "$DL" ] || break
  # Never sleep past the deadline: the last try happens at it.
  s=$d; [ $((DL - el)) -ge "$s" ] || s=$((DL - el))
  sleep "$(printf '%d.%03d' $((s / 1000)) $((s % 1000)))" 2>/dev/null || sleep 1
  case $d in 50) d=100 ;; 100) d=200 ;; 200) d=400 ;; *) d=500 ;; esac
done
for i in $pend; do
  if [ "$H" = 1 ]; then
    # Not read again after a hung read: an older result would be stale.
    printf '@@rivershare %s skip hung\n' "$i"
  elif [ -f "${W}m$i" ]; then
    printf '@@rivershare %s err 1\n|state=mismatch\n' "$i"; emit "${W}m$i" @MISMATCH_CAP@ '|'
  elif [ -f "${W}e$i" ]; then
    eval "c=\$c$i"; printf '@@rivershare %s err %s\n' "$i" "$c"; emit "${W}e$i" @ERR_CAP@ '!'
  else
    printf '@@rivershare %s err 1\n!no result kept (no temporary directory)\n' "$i"
  fi
done
printf '@@rivershare end\n'
"#;

/// The read script: read `tokens` (section `i` is `tokens[i]`) until `deadline`.
pub fn build(tokens: &[Expected], deadline: Duration, step_timeout: Duration) -> String {
    let values: Vec<&str> = tokens
        .iter()
        .flat_map(|t| [t.path.as_str(), t.content.as_str()])
        .collect();
    if has_nul(&values).is_some() {
        return refuse("a token path or content");
    }
    let dl = deadline.as_millis().to_string();
    let keys: Vec<String> = (0..tokens.len()).map(|i| i.to_string()).collect();
    let mut s = head("read", step_timeout, &[("DL", &dl), ("K", &keys.join(" "))]);
    for (i, t) in tokens.iter().enumerate() {
        // Same quoting as `head`: the values are data, never code.
        let _ = writeln!(
            s,
            "P{i}={}\nE{i}={}",
            crate::shell::sh_quote(&t.path),
            crate::shell::sh_quote(&t.content)
        );
    }
    s.push_str(
        &BODY
            .replace("@ERR_CAP@", &super::ERR_CAP.to_string())
            .replace("@MISMATCH_CAP@", &MISMATCH_CAP.to_string()),
    );
    s
}
