//! Disk usage on the real cluster (issue 8). The storage node's /export is a disk
//! filesystem (node-init.sh), so `du -x -B1` there is the reference: the walk an sshfs
//! client runs must give the very same bytes, entry by entry and child by child.
//!
//! Each trial seeds the export under names of its own and removes them again at the
//! end, also on failure (a Drop guard), so the other trials see the share unchanged.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use libtest_mimic::{Failed, Trial};
use serde_json::Value;

use crate::e2e::findings;
use crate::e2e_faults::{FAULT, in_node, node_pids, proc_info, with_fault};
use crate::{CheckRun, MOUNTS_BOUND, cluster, ensure, run_check};

type TrialFn = fn() -> Result<(), Failed>;

pub fn trials() -> Vec<Trial> {
    let list: Vec<(&str, TrialFn)> = vec![
        ("usage_bytes_are_exact_against_du_on_the_storage", exact),
        (
            "usage_storage_hung_mid_walk_is_partial_within_budget_others_unaffected",
            hung_mid_walk,
        ),
    ];
    list.into_iter()
        .map(|(name, f)| Trial::test(name, f))
        .collect()
}

/// Task folders seeded in logs/: numeric ids like KohakuRiver's, far from real ones.
const TASK_IDS: std::ops::Range<u64> = 9_100_000_000_000_000..9_100_000_000_000_025;
/// Their mtimes: the first folder is the oldest, the last the newest.
const OLDEST_EPOCH: u64 = 1_700_000_000;
const NEWEST_EPOCH: u64 = OLDEST_EPOCH + 24 * 3600 * (TASK_IDS.end - TASK_IDS.start - 1);

/// Everything a trial seeds, removed by Drop.
struct Seeded(&'static str);

impl Drop for Seeded {
    fn drop(&mut self) {
        if let Err(e) = in_node("storage", self.0) {
            eprintln!(
                "usage trial: clean-up failed: {}",
                e.message().unwrap_or("")
            );
        }
    }
}

const CLEAN_EXACT: &str = "rm -rf /export/shared_data/rvs-du-a /export/shared_data/rvs-du-b \
     '/export/rvs du top file' /export/logs/91000000000000*";

/// Files of odd sizes (ext4 allocates 4 KiB blocks; the sshfs clients report the same),
/// folders of task logs with known mtimes, and a top-level file with a space in its name.
fn seed_exact() -> Result<Seeded, Failed> {
    let guard = Seeded(CLEAN_EXACT);
    let mut script = String::from(
        "set -e; umask 022\n\
         mkdir -p /export/shared_data/rvs-du-a/deep/er /export/shared_data/rvs-du-b\n\
         head -c 5000 /dev/urandom > /export/shared_data/rvs-du-a/f1\n\
         head -c 70000 /dev/urandom > /export/shared_data/rvs-du-a/deep/er/f2\n\
         head -c 1 /dev/urandom > /export/shared_data/rvs-du-b/one-byte\n\
         head -c 123457 /dev/urandom > '/export/rvs du top file'\n",
    );
    for (i, id) in TASK_IDS.enumerate() {
        let epoch = OLDEST_EPOCH + 24 * 3600 * i as u64;
        script.push_str(&format!(
            "d=/export/logs/{id}; mkdir -p $d; head -c {} /dev/urandom > $d/stdout.log; \
             : > $d/stderr.log; touch -d @{epoch} $d\n",
            1000 + 997 * i
        ));
    }
    in_node("storage", &script)?;
    Ok(guard)
}

/// `du -x -B1 -s` of each path on the storage node: the reference.
fn storage_du(paths: &[String]) -> Result<BTreeMap<String, u64>, Failed> {
    let mut script = String::from("cd /export\n");
    for p in paths {
        script.push_str(&format!(
            "printf '%s\\t' {}; du -x -B1 -s -- {} | cut -f1\n",
            q(p),
            q(p)
        ));
    }
    let out = in_node("storage", &script)?;
    out.lines()
        .map(|l| {
            let (path, bytes) = l
                .rsplit_once('\t')
                .ok_or_else(|| Failed::from(format!("storage du: odd line {l:?}")))?;
            let bytes = bytes
                .trim()
                .parse()
                .map_err(|e| Failed::from(format!("storage du: {l:?}: {e}")))?;
            Ok((path.to_owned(), bytes))
        })
        .collect()
}

fn q(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Names directly inside `dir` on the storage node (only directories when `dirs`).
fn storage_names(dir: &str, dirs: bool) -> Result<Vec<String>, Failed> {
    let kind = if dirs { "-type d" } else { "" };
    let out = in_node(
        "storage",
        &format!(
            "cd /export && find {} -mindepth 1 -maxdepth 1 {kind} -printf '%P\\n'",
            q(dir)
        ),
    )?;
    let mut names: Vec<String> = out.lines().map(str::to_owned).collect();
    names.sort();
    Ok(names)
}

fn usage(run: &CheckRun) -> Result<&Value, Failed> {
    let u = &run.json()?["usage"];
    ensure(u.is_object(), || {
        format!("`usage` must be an object: {}", run.out.describe())
    })?;
    Ok(u)
}

fn entries(u: &Value) -> Vec<&Value> {
    u["entries"].as_array().into_iter().flatten().collect()
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or("")
}

/// The config of a trial: `nodes` (the first walks when there is no Host among them),
/// with `du_timeout_secs` when given.
fn config(label: &str, nodes: &[&str], du_timeout_secs: Option<u64>) -> Result<String, Failed> {
    let c = cluster()?;
    let path = c.write_config(label, nodes, &c.path("known_hosts"), "strict");
    if let Some(secs) = du_timeout_secs {
        let text = std::fs::read_to_string(&path).map_err(|e| Failed::from(e.to_string()))?;
        let text = text.replacen(
            "min_free_gib = 0\n",
            &format!("min_free_gib = 0\ndu_timeout_secs = {secs}\n"),
            1,
        );
        std::fs::write(&path, text).map_err(|e| Failed::from(e.to_string()))?;
    }
    Ok(path.display().to_string())
}

fn exact() -> Result<(), Failed> {
    cluster()?;
    let _seeded = seed_exact()?;
    let cfg = config("usage-exact", &["host", "runner-01"], None)?;
    let run = run_check(&["check", "--json", "--only", "du", "--config", &cfg])?;
    let u = usage(&run)?;
    ensure(
        str_of(u, "node") == "host" && str_of(u, "dir") == "/mnt/cluster-share",
        || format!("the Host walks its own SHARED_DIR: {u:#}"),
    )?;
    ensure(u["error"].is_null(), || format!("the walk failed: {u:#}"))?;
    let got = entries(u);
    // Every top-level name, and only those.
    let mut names: Vec<String> = got.iter().map(|e| str_of(e, "path").to_owned()).collect();
    names.sort();
    let want = storage_names(".", false)?;
    ensure(names == want, || {
        format!("top-level entries: got {names:?}, the storage has {want:?}")
    })?;
    // Largest first.
    let sizes: Vec<u64> = got
        .iter()
        .map(|e| e["bytes"].as_u64().unwrap_or(0))
        .collect();
    ensure(sizes.windows(2).all(|w| w[0] >= w[1]), || {
        format!("entries must be sorted by size, largest first: {sizes:?}")
    })?;
    // Bytes: exact, entry by entry and child by child.
    let mut paths = names.clone();
    for parent in ["shared_data", "logs"] {
        let entry = got
            .iter()
            .find(|e| str_of(e, "path") == parent)
            .ok_or_else(|| Failed::from(format!("no entry {parent}: {u:#}")))?;
        let mut children: Vec<String> = entry["children"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| str_of(c, "path").to_owned())
            .collect();
        children.sort();
        let want: Vec<String> = storage_names(parent, true)?
            .into_iter()
            .map(|n| format!("{parent}/{n}"))
            .collect();
        ensure(children == want, || {
            format!("children of {parent}: got {children:?}, the storage has {want:?}")
        })?;
        paths.extend(children);
    }
    let reference = storage_du(&paths)?;
    let mut seen = Vec::new();
    for e in &got {
        seen.push((
            str_of(e, "path").to_owned(),
            e["bytes"].as_u64(),
            e["complete"].as_bool(),
        ));
        for c in e["children"].as_array().into_iter().flatten() {
            seen.push((
                str_of(c, "path").to_owned(),
                c["bytes"].as_u64(),
                c["complete"].as_bool(),
            ));
        }
    }
    for (path, bytes, complete) in &seen {
        let want = reference.get(path).copied();
        ensure(*bytes == want && *complete == Some(true), || {
            format!(
                "{path}: walk says {bytes:?} (complete {complete:?}), du -B1 on the storage says {want:?}"
            )
        })?;
    }
    // logs/: its task folders and their mtime range.
    let logs = got
        .iter()
        .find(|e| str_of(e, "path") == "logs")
        .copied()
        .unwrap_or(&Value::Null);
    let folders = storage_names("logs", true)?.len() as u64;
    ensure(logs["task_folders"].as_u64() == Some(folders), || {
        format!(
            "logs: task_folders {} but the storage has {folders}",
            logs["task_folders"]
        )
    })?;
    let rfc = |epoch: u64| {
        let out = std::process::Command::new("date")
            .args(["-u", "-d", &format!("@{epoch}"), "+%Y-%m-%dT%H:%M:%SZ"])
            .output();
        out.map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default()
    };
    ensure(
        str_of(logs, "oldest_mtime") == rfc(OLDEST_EPOCH)
            && str_of(logs, "newest_mtime") == rfc(NEWEST_EPOCH),
        || {
            format!(
                "logs mtimes: want {} .. {}: {logs:#}",
                rfc(OLDEST_EPOCH),
                rfc(NEWEST_EPOCH)
            )
        },
    )?;
    eprintln!(
        "usage exact: {} entries, {} paths compared with du on the storage, check took {:.2} s",
        got.len(),
        seen.len(),
        run.out.elapsed.as_secs_f64()
    );
    // A walk of a healthy share adds no du_partial.
    let codes: Vec<String> = findings(run.json()?).into_iter().map(|(c, _)| c).collect();
    ensure(!codes.iter().any(|c| c == "du_partial"), || {
        format!("no entry timed out, yet: {codes:?}")
    })
}

const CLEAN_SLOW: &str = "rm -rf /export/shared_data/rvs-du-slow-*";
/// Enough folders that walking them over sshfs takes seconds, so the storage can be
/// frozen while `du` is inside them; many children of shared_data, so the ones du
/// finished before the freeze are counted.
const SLOW_DIRS: u32 = 40;
const SLOW_SUBDIRS: u32 = 120;
/// Each entry's budget in the hung trial.
const BUDGET_SECS: u64 = 3;

fn seed_slow() -> Result<Seeded, Failed> {
    let guard = Seeded(CLEAN_SLOW);
    in_node(
        "storage",
        &format!(
            "set -e; cd /export/shared_data\n\
             for d in $(seq -w 1 {SLOW_DIRS}); do d=rvs-du-slow-$d; mkdir -p $d; \
             (cd $d && seq -w 1 {SLOW_SUBDIRS} | xargs mkdir -p); head -c 4096 /dev/zero > $d/data; done"
        ),
    )?;
    Ok(guard)
}

/// `du` of the walk running on `node`, if one is (root-namespace pid).
fn walking_du(node: &str) -> Result<Option<u32>, Failed> {
    Ok(node_pids(node)?
        .into_iter()
        .filter_map(proc_info)
        .find(|(_, _, cmd)| cmd.starts_with("du ") && cmd.contains("shared_data"))
        .map(|(pid, _, _)| pid))
}

fn hung_mid_walk() -> Result<(), Failed> {
    cluster()?;
    let _seeded = seed_slow()?;
    // No Host among them: the first usable node, runner-fault, walks.
    let cfg = config(
        "usage-hung",
        &[FAULT, "runner-01", "runner-03"],
        Some(BUDGET_SECS),
    )?;
    let stop = format!("kill -STOP {}", crate::e2e_faults_more::SSHFS_PIDS);
    let cont = format!("kill -CONT {}", crate::e2e_faults_more::SSHFS_PIDS);
    let (run, froze_after) = std::thread::scope(|s| {
        let check = s.spawn(|| run_check(&["check", "--json", "--only", "du", "--config", &cfg]));
        let started = Instant::now();
        // Freeze the storage half a second into the du of shared_data (warm, it takes seconds).
        let mut seen_at = None;
        with_fault(
            || loop {
                if let Some(at) = seen_at
                    && Instant::now().duration_since(at) >= Duration::from_millis(500)
                {
                    return in_node(FAULT, &stop).map(drop);
                }
                if seen_at.is_none() && walking_du(FAULT)?.is_some() {
                    seen_at = Some(Instant::now());
                }
                ensure(started.elapsed() < Duration::from_secs(30), || {
                    "no du of shared_data ran on runner-fault within 30 s".into()
                })?;
                std::thread::sleep(Duration::from_millis(50));
            },
            || {
                let froze = started.elapsed();
                let run = check
                    .join()
                    .map_err(|_| Failed::from("the check thread panicked"))??;
                Ok((run, froze))
            },
            || in_node(FAULT, &cont).map(drop),
        )
    })?;
    let u = usage(&run)?;
    ensure(str_of(u, "node") == FAULT, || {
        format!("{FAULT} walks: {u:#}")
    })?;
    let shared = entries(u)
        .into_iter()
        .find(|e| str_of(e, "path") == "shared_data")
        .ok_or_else(|| Failed::from(format!("no shared_data entry: {u:#}")))?;
    ensure(shared["complete"] == false, || {
        format!("shared_data was cut by the frozen storage, so it is partial: {shared:#}")
    })?;
    ensure(str_of(shared, "note").contains("timed out"), || {
        format!("a partial entry says why: {shared:#}")
    })?;
    let counted = shared["bytes"].as_u64().unwrap_or(0);
    let reference = storage_du(&["shared_data".to_owned()])?["shared_data"];
    // du -d1 prints each child of shared_data as it finishes: those done before the
    // freeze are the bytes counted so far (a lower bound).
    ensure(0 < counted && counted < reference, || {
        format!(
            "partial bytes must be what du finished before the freeze: {counted} of {reference}"
        )
    })?;
    let codes = findings(run.json()?);
    ensure(
        codes
            .iter()
            .any(|(c, ns)| c == "du_partial" && ns.iter().any(|n| n == FAULT)),
        || format!("du_partial on {FAULT}: {codes:?}"),
    )?;
    // The mount probe ran before the freeze: every node's result stands.
    for name in [FAULT, "runner-01", "runner-03"] {
        let n = crate::e2e::node_json(run.json()?, name)?;
        ensure(
            n["reachable"] == true && n["access"]["write"] == true,
            || format!("{name}'s probe result must be unaffected: {n:#}"),
        )?;
    }
    // Bounded: after the freeze, one budget and its kill grace for the cut entry, one step
    // timeout for the walk's check that the storage answers at all (it does not, so the
    // remaining entries are not walked), and 2 s of slack; not one budget per entry.
    let step = Duration::from_secs_f64(crate::support::COMMAND_TIMEOUT_SECS as f64 / 3.0);
    let bound = froze_after + Duration::from_secs(BUDGET_SECS + 2 + 2) + step;
    let secs = run.out.elapsed.as_secs_f64();
    eprintln!(
        "usage hung: froze after {:.2} s, check took {secs:.2} s (bound {:.2} s), {counted} of {reference} bytes counted",
        froze_after.as_secs_f64(),
        bound.as_secs_f64()
    );
    ensure(run.out.elapsed <= bound.max(MOUNTS_BOUND), || {
        format!(
            "the check took {secs:.2} s, above {:.2} s",
            bound.as_secs_f64()
        )
    })
}
