//! The optional speed test on one node: write [`BENCH_BYTES`] from `/dev/zero`
//! with `conv=fsync`, read it back with `iflag=direct` (bypassing the page cache;
//! where the filesystem refuses O_DIRECT, a plain read, reported as `cached`),
//! then remove the file. Sections `write` and `read` carry `|ms=<elapsed>`;
//! `read` also `|mode=direct|cached`; `remove` says whether the file is gone.

use std::time::Duration;

use super::{has_nul, head, refuse};
use crate::verify::BENCH_BYTES;

const BODY: &str = r#"
B="$D/.rivershare/verify/$RUN/bench-$N"
t0=$(now)
# Made exclusively in the run folder, entered by its physical path (see the
# write phase), and written through the descriptor it was made on: by its name,
# dd would truncate and zero whatever a symlink put there by another user points
# at (/etc/passwd, say).
share write @ERR_CAP@ sh -c '
  rd=$3 rr=$4
@ENTER_RUN_FOLDER@
  made=0
  set -C
  { set +C; made=1; dd if=/dev/zero bs=1048576 count="$2" conv=fsync >&5; } 5>"./$1"
  rc=$?
  [ "$made" = 1 ] || exit 2
  exit $rc' rivershare-bench-write "bench-$N" "$C" "$D" "$RUN"
[ "$R" != ok ] || printf '|ms=%s\n' "$(( $(now) - t0 ))"
if [ "$R" = ok ]; then
  t0=$(now)
  share read @ERR_CAP@ dd if="$B" of=/dev/null bs=1048576 iflag=direct
  if [ "$R" = ok ]; then
    printf '|ms=%s\n|mode=direct\n' "$(( $(now) - t0 ))"
  elif [ "$R" = err ]; then
    # O_DIRECT refused (tmpfs, some FUSE): a plain read, likely from the page cache.
    t0=$(now)
    share read @ERR_CAP@ dd if="$B" of=/dev/null bs=1048576
    [ "$R" != ok ] || printf '|ms=%s\n|mode=cached\n' "$(( $(now) - t0 ))"
  fi
else
  printf '@@rivershare read skip write-failed\n'
fi
share remove @ERR_CAP@ sh -c 'rm -f -- "$1"; if test -e "$1"; then echo file=present; exit 1; fi; echo file=gone' rivershare-bench-rm "$B"
printf '@@rivershare end\n'
"#;

/// Timeout of one bench step: the time to move [`BENCH_BYTES`] at 1 MB/s
/// (67 s for 64 MiB), at least 10 s and at most 120 s.
pub fn step_timeout() -> Duration {
    let secs = (BENCH_BYTES / 1_000_000).clamp(10, 120);
    Duration::from_secs(secs)
}

/// The bench script for `node` in run `run_id`. `count` MiB are written
/// ([`BENCH_BYTES`] in the real run; tests may use less).
pub fn build(shared_dir: &str, run_id: &str, node: &str, count_mib: u64, step: Duration) -> String {
    if has_nul(&[shared_dir, run_id, node]).is_some() {
        return refuse("an argument");
    }
    let c = count_mib.to_string();
    let mut s = head(
        "bench",
        step,
        &[
            ("D", shared_dir.trim_end_matches('/')),
            ("RUN", run_id),
            ("N", node),
            ("C", &c),
        ],
    );
    s.push_str(&super::fill(BODY));
    s
}
