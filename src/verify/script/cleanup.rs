//! Clean-up: each node that wrote removes its own token (and bench file), then
//! `rmdir`s the run folder (its parents `.rivershare/verify` stay, empty). Only `rm -f` of the
//! node's own two files and `rmdir`: nothing else on the share can be removed.
//!
//! Sections: `remove` (`token=gone|present`), `rmdir` (`run=gone|present`).
//! [`build_rmdir`] is the final pass on one node per storage: `rmdir` again
//! (an sshfs or NFS cache can make the first one fail) and check.

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
    use super::build_rmdir;
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
}
