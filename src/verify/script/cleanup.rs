//! Clean-up: each node that wrote removes its own token (and bench file), then
//! `rmdir`s the run folder and its parents if they are empty. Only `rm -f` of the
//! node's own two files and `rmdir`: nothing else on the share can be removed.
//!
//! Sections: `remove` (`token=gone|present`), `rmdir` (`run=gone|present`).
//! [`build_rmdir`] is the final pass on one node per storage: `rmdir` again
//! (an sshfs or NFS cache can make the first one fail) and check.

use std::time::Duration;

use super::{has_nul, head, refuse};

const REMOVE: &str = r#"
V="$D/.rivershare/verify"
F="$V/$RUN"
share remove @ERR_CAP@ sh -c '
  rm -f -- "$1/$2" "$1/bench-$2"
  s=0
  for f in "$1/$2" "$1/bench-$2"; do
    if test -e "$f"; then printf "%s still exists\n" "$f" >&2; s=1; fi
  done
  if [ "$s" = 0 ]; then echo token=gone; else echo token=present; fi
  exit $s' rivershare-remove "$F" "$N"
"#;

const RMDIR: &str = r#"
V="$D/.rivershare/verify"
F="$V/$RUN"
share rmdir @ERR_CAP@ sh -c '
  # Not empty (another node still has its token there) is expected: say nothing.
  rmdir -- "$1" 2>/dev/null; rmdir -- "$2" 2>/dev/null; rmdir -- "$3" 2>/dev/null
  if test -e "$1"; then echo run=present; else echo run=gone; fi' rivershare-rmdir "$F" "$V" "$D/.rivershare"
printf '@@rivershare end\n'
"#;

fn script(
    kind: &str,
    shared_dir: &str,
    run_id: &str,
    node: &str,
    t: Duration,
    body: &str,
) -> String {
    if has_nul(&[shared_dir, run_id, node]).is_some() {
        return refuse("an argument");
    }
    let mut s = head(
        kind,
        t,
        &[
            ("D", shared_dir.trim_end_matches('/')),
            ("RUN", run_id),
            ("N", node),
        ],
    );
    s.push_str(&body.replace("@ERR_CAP@", &super::ERR_CAP.to_string()));
    s
}

/// Remove `node`'s token and bench file, then try the `rmdir`s.
pub fn build(shared_dir: &str, run_id: &str, node: &str, step_timeout: Duration) -> String {
    let body = format!("{REMOVE}{RMDIR}");
    script("cleanup", shared_dir, run_id, node, step_timeout, &body)
}

/// Only the `rmdir`s and the check that the run folder is gone.
pub fn build_rmdir(shared_dir: &str, run_id: &str, step_timeout: Duration) -> String {
    script("rmdir", shared_dir, run_id, "-", step_timeout, RMDIR)
}
