//! The read phase: one script per reader reads every written token by its exact
//! path (`cat`, never a listing: NFS attribute caches and sshfs's directory cache
//! can hide a new file from `ls` for 20 s or more), compares it with the expected
//! content, and retries the ones that do not match yet with backoff (50 ms
//! doubling to 500 ms) until the deadline, measured from the script's start.
//!
//! One section per token, named by its index in the list given to [`build`]:
//! - `ok` with `|after_ms=<ms since the script started>`;
//! - `err <rc>` with the last `cat` error on stderr (missing, or another errno);
//! - `err 1` with `|state=mismatch` and the file's first bytes as `|` lines;
//! - `timeout`: this `cat` hung; every token not read yet then gets `skip hung`,
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
st=$(now)
pend=$K
d=50
while :; do
  left=
  for i in $pend; do
    if [ "$H" = 1 ]; then left="$left $i"; continue; fi
    eval "p=\$P$i e=\$E$i"
    T cat -- "$p" </dev/null >"$W/o" 2>"$W/e"; rc=$?
    case $rc in
      0)
        if [ "$(head -c 4096 "$W/o")" = "$e" ]; then
          printf '@@rivershare %s ok\n|after_ms=%s\n' "$i" "$(( $(now) - st ))"
          continue
        fi
        head -c @MISMATCH_CAP@ "$W/o" >"$W/m$i"; rm -f "$W/e$i"
        ;;
      124|137)
        H=1; printf '@@rivershare %s timeout\n' "$i"; emit "$W/e" @ERR_CAP@ '!'
        continue
        ;;
      *)
        cp "$W/e" "$W/e$i"; eval "c$i=$rc"; rm -f "$W/m$i"
        ;;
    esac
    left="$left $i"
  done
  pend=$left
  [ -n "$pend" ] && [ "$H" = 0 ] || break
  el=$(( $(now) - st ))
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
  elif [ -f "$W/m$i" ]; then
    printf '@@rivershare %s err 1\n|state=mismatch\n' "$i"; emit "$W/m$i" @MISMATCH_CAP@ '|'
  elif [ -f "$W/e$i" ]; then
    eval "c=\$c$i"; printf '@@rivershare %s err %s\n' "$i" "$c"; emit "$W/e$i" @ERR_CAP@ '!'
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
