//! Cross-node write verification on the real cluster (issue 3): the N×N matrix, the
//! groups, `not_shared`, clean-up of the share, and a storage that hangs in the middle
//! of verification.

use std::time::{Duration, Instant};

use libtest_mimic::{Failed, Trial};
use serde_json::Value;

use crate::e2e::{HEALTHY_IN_FSTAB, findings};
use crate::{cluster, ensure, run_check};

type TrialFn = fn() -> Result<(), Failed>;

pub fn trials() -> Vec<Trial> {
    let list: Vec<(&str, TrialFn)> = vec![
        (
            "verify_healthy_nodes_every_cell_ok_and_share_left_clean",
            healthy_trial,
        ),
        (
            "verify_local_dir_and_tmpfs_nodes_are_not_shared",
            not_shared_trial,
        ),
        (
            "verify_read_only_node_reads_the_others_tokens",
            read_only_trial,
        ),
        (
            "verify_storage_hanging_mid_verification_is_storage_hung",
            hang_trial,
        ),
    ];
    list.into_iter()
        .map(|(name, f)| Trial::test(name, f))
        .collect()
}

/// Healthy nodes, one of them (runner-02) at another path than the others.
const HEALTHY: &[&str] = &[
    "host",
    "runner-01",
    "runner-02",
    "runner-03",
    "runner-behind",
];

fn check(label: &str, nodes: &[&str], extra: &[&str]) -> Result<(Value, i32, Duration), Failed> {
    let c = cluster()?;
    let config = c.write_config(label, nodes, &c.path("known_hosts"), "strict");
    let config = config.display().to_string();
    let mut args = vec!["check", "--json", "--config", config.as_str()];
    args.extend_from_slice(extra);
    let start = Instant::now();
    let run = run_check(&args)?;
    let elapsed = start.elapsed();
    let doc = run.json()?.clone();
    Ok((doc, run.out.code.unwrap_or(-1), elapsed))
}

fn cell<'a>(doc: &'a Value, writer: &str, reader: &str) -> Result<&'a Value, Failed> {
    doc["verify"]["matrix"]
        .as_array()
        .and_then(|m| {
            m.iter()
                .find(|c| c["writer"] == writer && c["reader"] == reader)
        })
        .ok_or_else(|| {
            Failed::from(format!(
                "no cell {writer} -> {reader} in verify.matrix: {:#}",
                doc["verify"]
            ))
        })
}

fn status(doc: &Value, writer: &str, reader: &str) -> Result<String, Failed> {
    Ok(cell(doc, writer, reader)?["status"]
        .as_str()
        .unwrap_or("<none>")
        .to_owned())
}

fn names(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|n| n.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn sorted(nodes: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = nodes.iter().map(|n| (*n).to_owned()).collect();
    out.sort();
    out
}

fn nodes_with(doc: &Value, code: &str) -> Vec<String> {
    findings(doc)
        .into_iter()
        .filter(|(c, _)| c == code)
        .flat_map(|(_, n)| n)
        .collect()
}

/// Nothing of verification may remain on the storage node's export but the empty
/// `.rivershare/verify` folder that holds the runs.
fn export_is_clean(run_id: &str) -> Result<(), Failed> {
    let c = cluster()?;
    let out = c
        .ssh_ok(
            "storage",
            "cd /export/.rivershare && find . -mindepth 1 | sort",
        )
        .map_err(|e| Failed::from(format!("cannot list /export/.rivershare: {e}")))?;
    let entries: Vec<&str> = out
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    ensure(entries == ["./verify"], || {
        format!("verification run {run_id} left files on the export: {entries:?}")
    })
}

fn healthy_trial() -> Result<(), Failed> {
    let (doc, code, _) = check("verify-healthy", HEALTHY, &[])?;
    for w in HEALTHY {
        for r in HEALTHY {
            let s = status(&doc, w, r)?;
            ensure(s == "ok", || {
                format!(
                    "cell {w} -> {r} is {s}, want ok: {:#}",
                    cell(&doc, w, r).ok().cloned().unwrap_or_default()
                )
            })?;
            ensure(cell(&doc, w, r)?["visible_after_ms"].is_u64(), || {
                format!("cell {w} -> {r} has no visible_after_ms")
            })?;
        }
    }
    let groups = doc["verify"]["groups"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    ensure(
        groups.len() == 1 && names(&groups[0]) == sorted(HEALTHY),
        || {
            format!(
                "one group of every healthy node expected: {:#}",
                doc["verify"]["groups"]
            )
        },
    )?;
    ensure(names(&doc["verify"]["shared"]) == sorted(HEALTHY), || {
        format!("shared: {:#}", doc["verify"]["shared"])
    })?;
    ensure(doc["verify"]["split"] == false, || {
        "split should be false".to_owned()
    })?;
    ensure(nodes_with(&doc, "not_shared").is_empty(), || {
        format!("no not_shared expected: {:?}", findings(&doc))
    })?;
    // runner-02 is not in fstab: not_persistent (warning) is its only finding.
    ensure(code == 1, || {
        format!("exit code {code}, want 1: {:?}", findings(&doc))
    })?;
    if doc["verify"]["cleanup"]["complete"] != true {
        let listing = cluster()?
            .ssh("storage", "ls -laR /export/.rivershare")
            .map(|o| o.stdout)
            .unwrap_or_default();
        return Err(Failed::from(format!(
            "cleanup: {:#}\non the export:\n{listing}",
            doc["verify"]["cleanup"]
        )));
    }
    export_is_clean(doc["verify"]["run_id"].as_str().unwrap_or("<none>"))
}

fn not_shared_trial() -> Result<(), Failed> {
    let nodes = [HEALTHY_IN_FSTAB, &["runner-local", "runner-tmpfs"]].concat();
    let (doc, code, _) = check("verify-not-shared", &nodes, &[])?;
    let lonely = ["runner-local", "runner-tmpfs"];
    for l in lonely {
        ensure(status(&doc, l, l)? == "ok", || {
            format!("{l} must read back its own token")
        })?;
        for h in HEALTHY_IN_FSTAB {
            for (w, r) in [(l, *h), (*h, l)] {
                let s = status(&doc, w, r)?;
                ensure(s == "missing", || {
                    format!("cell {w} -> {r} is {s}, want missing")
                })?;
            }
        }
    }
    ensure(
        status(&doc, "runner-local", "runner-tmpfs")? == "missing",
        || "local -> tmpfs should be missing".to_owned(),
    )?;
    ensure(nodes_with(&doc, "not_shared") == sorted(&lonely), || {
        format!("not_shared: {:?}", findings(&doc))
    })?;
    let not_mounted = doc["findings"].as_array().cloned().unwrap_or_default();
    for f in not_mounted.iter().filter(|f| f["code"] == "not_mounted") {
        ensure(f["severity"] == "critical", || {
            format!("not_mounted on a not_shared node is critical: {f:#}")
        })?;
    }
    ensure(
        names(&doc["verify"]["shared"]) == sorted(HEALTHY_IN_FSTAB),
        || format!("shared: {:#}", doc["verify"]["shared"]),
    )?;
    ensure(code == 2, || format!("exit code {code}, want 2"))?;
    // Tokens on the nodes' own disks are gone too, not only on the shared export.
    let c = cluster()?;
    let run_id = doc["verify"]["run_id"].as_str().unwrap_or("<none>");
    for l in lonely {
        c.ssh_ok(
            l,
            &format!("test ! -e /mnt/cluster-share/.rivershare/verify/{run_id}"),
        )
        .map_err(|e| Failed::from(format!("{l}: run folder left on its local disk: {e}")))?;
    }
    export_is_clean(run_id)
}

fn read_only_trial() -> Result<(), Failed> {
    let nodes = [HEALTHY_IN_FSTAB, &["runner-ro"]].concat();
    let (doc, _, _) = check("verify-ro", &nodes, &[])?;
    let writes = doc["verify"]["writes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let ro_write = writes
        .iter()
        .find(|w| w["node"] == "runner-ro")
        .cloned()
        .unwrap_or_default();
    ensure(ro_write["status"] == "skipped", || {
        format!("runner-ro's write should be skipped: {ro_write:#}")
    })?;
    ensure(
        ro_write["detail"]
            .as_str()
            .is_some_and(|d| d.contains("read_only")),
        || format!("reason read_only: {ro_write:#}"),
    )?;
    for h in HEALTHY_IN_FSTAB {
        let s = status(&doc, h, "runner-ro")?;
        ensure(s == "ok", || {
            format!("runner-ro must read {h}'s token: {s}")
        })?;
    }
    ensure(nodes_with(&doc, "not_shared").is_empty(), || {
        format!(
            "a read-only node that reads everyone is shared: {:?}",
            findings(&doc)
        )
    })?;
    ensure(
        nodes_with(&doc, "read_only") == vec!["runner-ro".to_owned()],
        || format!("{:?}", findings(&doc)),
    )?;
    export_is_clean(doc["verify"]["run_id"].as_str().unwrap_or("<none>"))
}

fn hang_trial() -> Result<(), Failed> {
    let c = cluster()?;
    // runner-local's token never shows up elsewhere, so every reader retries until the
    // deadline: runner-flaky freezes while its read script is surely running.
    let nodes = [HEALTHY_IN_FSTAB, &["runner-flaky", "runner-local"]].concat();
    c.ssh_ok("runner-flaky", "touch /run/rvs-arm-hang")
        .map_err(Failed::from)?;
    let result = check("verify-hang", &nodes, &[]);
    // Whatever happened, thaw the node so later trials see a healthy cluster.
    let thaw = c.ssh_ok("runner-flaky", "rm -f /run/rvs-arm-hang; for p in /proc/[0-9]*; do [ \"$(cat $p/comm 2>/dev/null)\" = sshfs ] && kill -CONT ${p#/proc/}; done; true");
    let (doc, code, elapsed) = result?;
    thaw.map_err(Failed::from)?;
    ensure(
        nodes_with(&doc, "storage_hung") == vec!["runner-flaky".to_owned()],
        || {
            format!(
                "runner-flaky froze mid-verification and must be storage_hung: {:?}\n{:#}",
                findings(&doc),
                doc["verify"]
            )
        },
    )?;
    for w in HEALTHY_IN_FSTAB {
        for r in HEALTHY_IN_FSTAB {
            let s = status(&doc, w, r)?;
            ensure(s == "ok", || format!("healthy cell {w} -> {r} is {s}"))?;
        }
    }
    ensure(code == 2, || format!("exit code {code}, want 2"))?;
    // connect + command for the probe, then the verification deadline (5 s) with its
    // per-step timeouts, plus slack: the others never wait on the frozen node for long.
    let bound = Duration::from_secs(
        crate::support::CONNECT_TIMEOUT_SECS
            + crate::support::COMMAND_TIMEOUT_SECS * 2
            + crate::VERIFY_DEADLINE_SECS
            + 2,
    );
    eprintln!(
        "check with a storage freezing mid-verification took {:.2} s (bound {} s)",
        elapsed.as_secs_f64(),
        bound.as_secs()
    );
    ensure(elapsed <= bound, || {
        format!("took {elapsed:?}, bound {bound:?}")
    })
}
