//! Clean-up, which always runs: every node whose write script ran removes its
//! own token and bench file and `rmdir`s the run folder (`.rivershare/verify` stays) when
//! empty. One node per group, the group's "last", retries its `rmdir` while the
//! others remove theirs, so the folder is usually gone after that one exchange.
//! Else (a token left behind, a folder still there) one node per group
//! (sequentially) removes the leftovers by exact path, retries the `rmdir`s,
//! since an sshfs or NFS cache can make one fail, and checks the folder is gone.

use std::time::Duration;

use super::{Fleet, Progress, VerifyPhase, Written, fan_out};
use crate::config::Node;
use crate::verify::parse::{self, CleanupParsed};
use crate::verify::{Cleanup, WriteStatus, script};

impl Fleet {
    pub(super) async fn clean_up(
        &self,
        nodes: &[Node],
        written: &[Written],
        groups: &[Vec<String>],
        run_id: &str,
        on_progress: &(dyn Fn(Progress) + Sync),
    ) -> Cleanup {
        let mut problems: Vec<String> = written.iter().filter_map(|w| w.problem.clone()).collect();
        let stale_runs_removed = written.iter().map(|w| w.stale_removed).sum();
        let limit = self.config.command_timeout;
        let step = self.step_timeout();
        let last = last_of_each_group(nodes, written, groups);
        // Within the step's own timeout, with room for the removal before it.
        let wait = step.saturating_sub(Duration::from_millis(500));

        let first: Vec<Option<CleanupParsed>> =
            fan_out(0..nodes.len(), self.config.concurrency, |i| {
                // An index, not borrowed items: see `Fleet::verify`.
                let (node, ran, is_last) = (&nodes[i], written[i].ran, last[i]);
                async move {
                    if !ran {
                        return None;
                    }
                    on_progress(Progress::Verifying {
                        node: node.name.clone(),
                        phase: VerifyPhase::Cleanup,
                    });
                    let text = if is_last {
                        script::cleanup::build_last(
                            &node.shared_dir,
                            run_id,
                            &node.name,
                            step,
                            wait,
                        )
                    } else {
                        script::cleanup::build(&node.shared_dir, run_id, &node.name, step)
                    };
                    Some(
                        self.cleanup_run(node, &text, limit, "verify clean-up")
                            .await,
                    )
                }
            })
            .await;

        // One node per group that wrote, plus any node that wrote but is in no group.
        let mut reps: Vec<usize> = Vec::new();
        let mut covered = vec![false; nodes.len()];
        for group in groups {
            let members: Vec<usize> = group
                .iter()
                .filter_map(|name| nodes.iter().position(|n| &n.name == name))
                .collect();
            // A node whose storage hung would only hang again: the rmdir pass
            // runs on a member that answered.
            let usable = |i: usize| written[i].ran && first[i].as_ref().is_some_and(|p| !p.hung);
            if let Some(&rep) = members.iter().find(|&&i| usable(i)) {
                reps.push(rep);
                for &m in &members {
                    covered[m] = true;
                }
            }
        }
        for (i, w) in written.iter().enumerate() {
            if w.ran && !covered[i] && first[i].as_ref().is_some_and(|p| !p.hung) {
                reps.push(i);
                covered[i] = true;
            }
        }
        // Tokens their writers could not remove (a storage that hung after writing):
        // a member of a working group removes them by exact path where it sees them.
        let leftovers: Vec<&str> = nodes
            .iter()
            .zip(&first)
            .filter(|(_, p)| p.as_ref().is_some_and(|p| p.token_gone != Some(true)))
            .map(|(n, _)| n.name.as_str())
            .collect();
        let mut final_gone = vec![None; nodes.len()];
        for &rep in &reps {
            let node = &nodes[rep];
            // The group's last node saw the run folder go, every token with it:
            // no second exchange.
            if last[rep]
                && leftovers.is_empty()
                && first[rep]
                    .as_ref()
                    .is_some_and(|p| p.run_gone == Some(true))
            {
                final_gone[rep] = Some(true);
                continue;
            }
            let text = script::cleanup::build_rmdir(&node.shared_dir, run_id, &leftovers, step);
            let p = self.cleanup_run(node, &text, limit, "verify rmdir").await;
            final_gone[rep] = p.run_gone;
            problems.extend(p.problems);
        }

        let mut complete = true;
        for (i, node) in nodes.iter().enumerate() {
            let Some(p) = &first[i] else { continue };
            if p.token_gone != Some(true) {
                complete = false;
            }
            problems.extend(p.problems.iter().cloned());
            // Gone as this node saw it, or as its group's final pass saw it.
            let rep_gone = groups
                .iter()
                .find(|g| g.contains(&node.name))
                .and_then(|g| {
                    reps.iter()
                        .find(|&&r| g.contains(&nodes[r].name))
                        .and_then(|&r| final_gone[r])
                })
                .or(final_gone[i]);
            if p.run_gone != Some(true) && rep_gone != Some(true) {
                complete = false;
                problems.push(format!(
                    "node {}: run folder {} is still there",
                    node.name,
                    script::run_dir(&node.shared_dir, run_id)
                ));
            }
        }
        Cleanup {
            complete,
            stale_runs_removed,
            problems,
        }
    }

    async fn cleanup_run(
        &self,
        node: &Node,
        text: &str,
        limit: std::time::Duration,
        what: &str,
    ) -> CleanupParsed {
        match self.run_script(node, text, limit, what).await {
            Ok(out) => {
                let mut p = parse::parse_cleanup(&out.stdout);
                for m in &mut p.problems {
                    *m = format!("node {}: {m}", node.name);
                }
                p
            }
            // The transport's message already names the node.
            Err(e) => CleanupParsed {
                token_gone: None,
                run_gone: None,
                hung: e.kind == crate::facts::NodeErrorKind::CommandTimeout,
                problems: vec![e.detail],
            },
        }
    }
}

/// Per group, its first member whose write went through: the one whose `rmdir`
/// waits for the other members' removals ([`script::cleanup::build_last`]).
fn last_of_each_group(nodes: &[Node], written: &[Written], groups: &[Vec<String>]) -> Vec<bool> {
    let mut last = vec![false; nodes.len()];
    for group in groups {
        let first_writer = group
            .iter()
            .filter_map(|name| nodes.iter().position(|n| &n.name == name))
            .find(|&i| written[i].ran && written[i].outcome.status == WriteStatus::Ok);
        if let Some(i) = first_writer {
            last[i] = true;
        }
    }
    last
}
