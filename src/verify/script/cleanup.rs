//! Clean-up: each node that wrote removes its own token (and bench file), then
//! `rmdir`s the run folder (its parents `.rivershare/verify` stay, empty). Only `rm -f` of the
//! node's own two files and `rmdir`: nothing else on the share can be removed.
//!
//! Sections: `remove` (`token=gone|present`), `rmdir` (`run=gone|present`).
//! One node per storage runs [`build_last`], whose `rmdir` waits for the other
//! nodes' removals, so the run folder is usually gone after this one exchange.
//! [`build_rmdir`] is the final pass on one node per storage, when that did not
//! happen: `rmdir` again (an sshfs or NFS cache can make the first one fail) and
//! check.

use std::time::Duration;

use super::{has_nul, head, refuse};
use crate::shell::sh_quote;

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
  # .rivershare/verify itself stays: removing it races with the next run, whose
  # mkdir a node'"'"'s sshfs or NFS dentry cache answers "File exists" for a folder
  # that is gone on the server. For the same reason the answer of rmdir itself
  # decides, never a `test -e` afterwards: another node may have removed the
  # folder while this node still has it cached.
  if m=$(LC_ALL=C rmdir -- "$1" 2>&1); then echo run=gone; exit 0; fi
  case $m in
    *"No such file"*) echo run=gone ;;
    *) echo run=present ;;
  esac' rivershare-rmdir "$F"
printf '@@rivershare end\n'
"#;

/// [`RMDIR`] for the last node of a storage: the other writers remove their
/// tokens at the same time, so a folder not empty yet is tried again, with
/// backoff (50 ms doubling to 400 ms), for at most `$WAIT_MS`. rmdir asks the
/// server, whose answer no client cache delays. In the usual case the folder is
/// gone at the end of this one exchange, and the final pass is not needed.
const RMDIR_WAIT: &str = r#"
V="$D/.rivershare/verify"
F="$V/$RUN"
share rmdir @ERR_CAP@ sh -c '
  w=0; d=50
  while :; do
    if m=$(LC_ALL=C rmdir -- "$1" 2>&1); then echo run=gone; exit 0; fi
    case $m in *"No such file"*) echo run=gone; exit 0 ;; esac
    [ "$w" -lt "$2" ] || { echo run=present; exit 0; }
    sleep "0.$(printf %03d "$d")" 2>/dev/null || sleep 1
    w=$((w + d)); d=$((d * 2)); [ "$d" -le 400 ] || d=400
  done' rivershare-rmdir "$F" "$WAIT_MS"
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

/// [`build`] for the last node of a storage: its `rmdir` waits up to `wait` for
/// the other writers' removals, which run at the same time (see [`RMDIR_WAIT`]).
pub fn build_last(
    shared_dir: &str,
    run_id: &str,
    node: &str,
    step_timeout: Duration,
    wait: Duration,
) -> String {
    let body = format!("WAIT_MS={}\n{REMOVE}{RMDIR_WAIT}", wait.as_millis());
    script("cleanup", shared_dir, run_id, node, step_timeout, &body)
}

/// The final pass: remove the tokens (and bench files) of `leftovers`, writers whose
/// own clean-up could not confirm it (their storage hung, say), by exact path as
/// this node sees them; then the `rmdir`s and the check that the run folder is gone.
pub fn build_rmdir(
    shared_dir: &str,
    run_id: &str,
    leftovers: &[&str],
    step_timeout: Duration,
) -> String {
    if leftovers.is_empty() {
        return script("rmdir", shared_dir, run_id, "-", step_timeout, RMDIR);
    }
    if has_nul(leftovers).is_some() {
        return refuse("a node name");
    }
    let names: Vec<String> = leftovers.iter().map(|n| sh_quote(n)).collect();
    let sweep = format!(
        r#"
share sweep @ERR_CAP@ sh -c '
  d=$1; shift
  for n in "$@"; do rm -f -- "$d/$n" "$d/bench-$n"; done' rivershare-sweep "$D/.rivershare/verify/$RUN" {}
"#,
        names.join(" ")
    );
    script(
        "rmdir",
        shared_dir,
        run_id,
        "-",
        step_timeout,
        &format!("{sweep}{RMDIR}"),
    )
}

#[cfg(test)]
mod tests {
    use super::{build_last, build_rmdir};
    use crate::verify::parse::parse_cleanup;
    use std::process::Command;
    use std::time::Duration;

    #[test]
    fn final_pass_removes_leftover_tokens_by_exact_path_and_nothing_else() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let share = tmp.path().join("share dir");
        let run = share.join(".rivershare/verify/20261126T000000Z-00000000");
        std::fs::create_dir_all(&run).expect("run dir");
        std::fs::write(run.join("runner-9"), "token").expect("token");
        std::fs::write(run.join("bench-runner-9"), "bench").expect("bench");
        std::fs::write(share.join("keep-me"), "data").expect("other file");
        let script = build_rmdir(
            share.to_str().expect("utf-8"),
            "20261126T000000Z-00000000",
            &["runner-9"],
            Duration::from_secs(2),
        );
        let out = Command::new("sh")
            .arg("-c")
            .arg(&script)
            .output()
            .expect("sh runs");
        let parsed = parse_cleanup(&out.stdout);
        assert_eq!(
            parsed.run_gone,
            Some(true),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(
            !run.exists()
                && share
                    .join(".rivershare/verify")
                    .read_dir()
                    .expect("verify dir stays")
                    .next()
                    .is_none(),
            "the run folder is gone; .rivershare/verify stays, empty"
        );
        assert!(share.join("keep-me").exists(), "nothing else is touched");
    }

    /// The last node's rmdir waits for another node's removal that happens while
    /// it runs; a token that never goes leaves the folder, said, after the wait.
    #[test]
    fn the_last_nodes_rmdir_waits_for_the_others_removals() {
        let run_id = "20261127T000000Z-00000000";
        for other_removes in [true, false] {
            let tmp = tempfile::tempdir().expect("tempdir");
            let share = tmp.path().join("share");
            let run = share.join(".rivershare/verify").join(run_id);
            std::fs::create_dir_all(&run).expect("run dir");
            std::fs::write(run.join("host"), "token").expect("own token");
            std::fs::write(run.join("runner-1"), "token").expect("other token");
            let script = build_last(
                share.to_str().expect("utf-8"),
                run_id,
                "host",
                Duration::from_secs(5),
                Duration::from_millis(1500),
            );
            let child = Command::new("sh")
                .arg("-c")
                .arg(&script)
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("sh runs");
            std::thread::sleep(Duration::from_millis(300));
            if other_removes {
                std::fs::remove_file(run.join("runner-1")).expect("the other removal");
            }
            let out = child.wait_with_output().expect("sh ends");
            let parsed = parse_cleanup(&out.stdout);
            let text = String::from_utf8_lossy(&out.stdout);
            assert_eq!(parsed.token_gone, Some(true), "{text}");
            assert_eq!(parsed.run_gone, Some(other_removes), "{text}");
            assert_eq!(run.exists(), !other_removes, "{text}");
            assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        }
    }
}
