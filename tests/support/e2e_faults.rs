//! Fault injection on the live test cluster (issue 7): each trial breaks one thing on the
//! dedicated node `runner-fault` at run time, runs `check --json --only mounts` on it and
//! three healthy peers, undoes the fault and proves the node healthy again. Each asserts
//! (a) the finding on runner-fault, (b) the peers' results equal the fault-free baseline,
//! (c) the whole check ends within connect + command timeout + 2 s.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use libtest_mimic::{Failed, Trial};
use serde_json::{Value, json};

use crate::e2e::{findings, node_json};
use crate::support::{RunOutput, run_with_timeout, scripts_dir};
use crate::{CheckRun, MOUNTS_BOUND, cluster, ensure, run_check, spec_node};

use crate::e2e_faults_keys as keys;
use crate::e2e_faults_more as more;

type TrialFn = fn() -> Result<(), Failed>;

/// The node every fault is injected on (healthy sshfs otherwise, see nodes.tsv).
pub(crate) const FAULT: &str = "runner-fault";
/// Healthy nodes checked alongside it: their results must not change.
pub(crate) const PEERS: &[&str] = &["host", "runner-01", "runner-03"];

pub fn trials() -> Vec<Trial> {
    let list: Vec<(&str, TrialFn)> = vec![
        ("fault_sshd_stopped_is_unreachable_refused", sshd_stopped),
        ("fault_sshd_hung_is_unreachable_banner_timeout", sshd_hung),
        (
            "fault_port_blackholed_is_unreachable_connect_timeout",
            blackholed,
        ),
        (
            "fault_storage_hung_is_storage_hung_findmnt_answers_no_process_left",
            more::storage_hung,
        ),
        (
            "fault_storage_crashed_is_stale_handle",
            more::storage_crashed,
        ),
        (
            "fault_slow_link_is_late_but_correct_or_a_clear_timeout",
            more::slow_link,
        ),
        (
            "fault_node_dies_mid_sweep_is_unreachable_never_a_hang",
            more::node_dies,
        ),
        (
            "fault_host_key_changed_no_probe_data_no_connection_kept",
            keys::host_key_changed,
        ),
        (
            "fault_host_key_unknown_strict_refused_accept_new_recorded",
            keys::host_key_unknown,
        ),
        ("fault_auth_refused_is_auth_failed", more::auth_refused),
    ];
    list.into_iter()
        .map(|(name, f)| Trial::test(name, f))
        .collect()
}

/// Runs a local command (ip, nft, tc, bash cluster.sh) with a watchdog.
pub(crate) fn cmd(prog: &str, args: &[&str]) -> Result<RunOutput, Failed> {
    let mut c = Command::new(prog);
    c.args(args);
    run_with_timeout(c, Duration::from_secs(30)).map_err(Failed::from)
}

/// Like [`cmd`], but it must succeed.
pub(crate) fn cmd_ok(prog: &str, args: &[&str]) -> Result<String, Failed> {
    let out = cmd(prog, args)?;
    ensure(out.code == Some(0), || {
        format!("`{prog} {}` failed: {}", args.join(" "), out.describe())
    })?;
    Ok(out.stdout)
}

/// A shell script inside `node` (all its namespaces and its own root), via `cluster.sh exec`.
pub(crate) fn in_node(node: &str, script: &str) -> Result<String, Failed> {
    let cs = scripts_dir().join("cluster.sh").display().to_string();
    cmd_ok("bash", &[&cs, "exec", node, "sh", "-c", script])
        .map_err(|e| Failed::from(format!("node {node}: {}", e.message().unwrap_or(""))))
}

/// Root-namespace PID of the node's init (PID 1 of its pid namespace).
fn init_pid(node: &str) -> Result<u32, Failed> {
    for p in node_pids(node)? {
        let status = std::fs::read_to_string(format!("/proc/{p}/status")).unwrap_or_default();
        if status
            .lines()
            .any(|l| l.starts_with("NSpid:") && l.split_whitespace().last() == Some("1"))
        {
            return Ok(p);
        }
    }
    Err(Failed::from(format!("node {node}: no init process found")))
}

/// The node's own root, seen from here: its files can be read and written without SSH.
pub(crate) fn node_root(node: &str) -> Result<PathBuf, Failed> {
    Ok(PathBuf::from(format!("/proc/{}/root", init_pid(node)?)))
}

/// Root-namespace PIDs of every process in the node's network namespace.
pub(crate) fn node_pids(node: &str) -> Result<Vec<u32>, Failed> {
    let out = cmd_ok("ip", &["netns", "pids", &format!("rvs-{node}")])?;
    Ok(out
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect())
}

/// (pid, state letter, command line) of a process, if it still exists.
pub(crate) fn proc_info(pid: u32) -> Option<(u32, char, String)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let state = stat.rsplit_once(')')?.1.trim_start().chars().next()?;
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
    Some((pid, state, cmdline.trim().to_owned()))
}

/// The root-namespace end of the node's veth pair (`rvsv<i>`).
pub(crate) fn root_veth(node: &str) -> Result<String, Failed> {
    let inner = cmd_ok(
        "ip",
        &["-n", &format!("rvs-{node}"), "-o", "link", "show", "eth0"],
    )?;
    let idx = inner
        .split("@if")
        .nth(1)
        .and_then(|s| s.split(':').next())
        .ok_or_else(|| Failed::from(format!("node {node}: no veth peer in {inner:?}")))?;
    let all = cmd_ok("ip", &["-o", "link", "show"])?;
    all.lines()
        .find(|l| l.starts_with(&format!("{idx}: ")))
        .and_then(|l| l.split(": ").nth(1))
        .and_then(|n| n.split('@').next())
        .map(str::to_owned)
        .ok_or_else(|| Failed::from(format!("node {node}: no link with index {idx}")))
}

/// The node is healthy again: SSH answers and its share is listed within 5 s. Retried for
/// up to `patience` (sshfs may need a moment to reconnect after a network fault).
pub(crate) fn wait_healthy(node: &str, patience: Duration) -> Result<(), Failed> {
    let c = cluster()?;
    let spec = spec_node(node);
    let script = format!(
        "timeout 5 ls {}/shared_data >/dev/null && findmnt -n -o FSTYPE -T {}",
        spec.shared_dir, spec.shared_dir
    );
    let start = Instant::now();
    loop {
        let last = c.ssh(node, &script).map_err(Failed::from)?;
        if last.code == Some(0) && last.stdout.trim() == "fuse.sshfs" {
            return Ok(());
        }
        if start.elapsed() > patience {
            return Err(Failed::from(format!(
                "node {node} not healthy {} s after undoing the fault: {}",
                patience.as_secs(),
                last.describe()
            )));
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// Runs `body` with the fault in place, then `undo` whatever happened, then proves the
/// node healthy: the trials stay independent and the shared cluster usable.
pub(crate) fn with_fault<T>(
    inject: impl FnOnce() -> Result<(), Failed>,
    body: impl FnOnce() -> Result<T, Failed>,
    undo: impl FnOnce() -> Result<(), Failed>,
) -> Result<T, Failed> {
    let injected = inject();
    let result = injected.and_then(|()| body());
    let undone = undo();
    let healthy = wait_healthy(FAULT, Duration::from_secs(30));
    let out = result?;
    undone?;
    healthy?;
    Ok(out)
}

/// The check of a trial: runner-fault and the peers, `--only mounts`.
pub(crate) fn fault_check(
    label: &str,
    known_hosts: Option<PathBuf>,
    policy: &str,
) -> Result<CheckRun, Failed> {
    let c = cluster()?;
    let kh = known_hosts.unwrap_or_else(|| c.path("known_hosts"));
    let nodes: Vec<&str> = std::iter::once(FAULT)
        .chain(PEERS.iter().copied())
        .collect();
    let config = c.write_config(label, &nodes, &kh, policy);
    let config = config.display().to_string();
    run_check(&["check", "--json", "--only", "mounts", "--config", &config])
}

static BASELINE: OnceLock<Result<Value, String>> = OnceLock::new();

/// The fault-free run of the same nodes, once.
pub(crate) fn baseline() -> Result<&'static Value, Failed> {
    BASELINE
        .get_or_init(|| {
            let run = fault_check("fault-baseline", None, "strict")
                .map_err(|e| e.message().unwrap_or("").to_owned())?;
            let doc = run
                .json()
                .map_err(|e| e.message().unwrap_or("").to_owned())?;
            let codes = findings(doc);
            if !codes.is_empty() || run.out.code != Some(0) {
                return Err(format!(
                    "the fault-free baseline must have no finding and exit 0: {codes:?}\n{}",
                    run.out.describe()
                ));
            }
            Ok(doc.clone())
        })
        .as_ref()
        .map_err(|e| Failed::from(e.clone()))
}

/// What must not change about a node between two runs (usage and timings may).
pub(crate) fn summary(doc: &Value, name: &str) -> Result<Value, Failed> {
    let n = node_json(doc, name)?;
    let codes: Vec<String> = findings(doc)
        .into_iter()
        .filter(|(_, ns)| ns.iter().any(|x| x == name))
        .map(|(c, _)| c)
        .collect();
    let m = &n["mount"];
    let a = &n["access"];
    Ok(json!({
        "reachable": n["reachable"], "error": n["error"]["kind"],
        "shared_dir": n["shared_dir"], "shared_dir_source": n["shared_dir_source"],
        "mount": [m["fstype"], m["source"], m["target"], m["network"]],
        "access": [a["read"], a["write"], a["error"]["kind"]],
        "usage": n["usage"]["total_bytes"].is_u64(),
        "layout": n["layout"], "codes": codes,
    }))
}

/// (b): every peer's result is the baseline's.
pub(crate) fn peers_unaffected(doc: &Value) -> Result<(), Failed> {
    let base = baseline()?;
    for p in PEERS {
        let (got, want) = (summary(doc, p)?, summary(base, p)?);
        ensure(got == want, || {
            format!("peer {p} changed under the fault on {FAULT}:\n got {got:#}\nwant {want:#}")
        })?;
    }
    Ok(())
}

/// (c): the whole check ended within connect + command timeout + 2 s.
pub(crate) fn within_bound(label: &str, run: &CheckRun) -> Result<(), Failed> {
    let secs = run.out.elapsed.as_secs_f64();
    eprintln!(
        "{label}: check took {secs:.2} s (bound {} s)",
        MOUNTS_BOUND.as_secs()
    );
    ensure(run.out.elapsed <= MOUNTS_BOUND, || {
        format!(
            "{label}: check took {secs:.2} s, above {} s",
            MOUNTS_BOUND.as_secs()
        )
    })
}

/// (a) for a node that could not be probed: exactly `code`, error.kind `code`, no probe
/// data, the detail naming `cause` (case-insensitive), exit 2.
pub(crate) fn refused_as(run: &CheckRun, code: &str, cause: &[&str]) -> Result<(), Failed> {
    let doc = run.json()?;
    let n = node_json(doc, FAULT)?;
    ensure(n["error"]["kind"] == code, || {
        format!("{FAULT}: error.kind should be {code}: {n:#}")
    })?;
    let detail = n["error"]["detail"].as_str().unwrap_or("").to_lowercase();
    ensure(cause.iter().any(|c| detail.contains(c)), || {
        format!("{FAULT}: error detail should name the cause ({cause:?}): {n:#}")
    })?;
    for k in ["mount", "access", "usage"] {
        ensure(n[k].is_null(), || {
            format!("{FAULT}: {k} must be null (no probe data): {n:#}")
        })?;
    }
    let got = summary(doc, FAULT)?;
    ensure(got["codes"] == json!([code]), || {
        format!("{FAULT}: findings should be exactly [{code}]: {got:#}")
    })?;
    ensure(run.out.code == Some(2), || {
        format!("exit code should be 2: {}", run.out.describe())
    })
}

/// The listening sshd's PID inside the node (its pid namespace), from its PidFile.
const SSHD_PID: &str = "$(cat /run/sshd.pid)";

fn restart_sshd() -> Result<(), Failed> {
    // As node-init.sh starts it (-D -e), logging into the node's log (init's stdout), in
    // the background so it does not hold this command's pipes; it writes /run/sshd.pid.
    in_node(
        FAULT,
        "kill -KILL $(cat /run/sshd.pid) 2>/dev/null; setsid /usr/sbin/sshd -D -e -f /etc/ssh/rvs/sshd_config </dev/null >>/proc/1/fd/1 2>&1 &",
    )
    .map(drop)
}

fn sshd_stopped() -> Result<(), Failed> {
    baseline()?;
    let run = with_fault(
        || in_node(FAULT, &format!("kill -KILL {SSHD_PID}")).map(drop),
        || fault_check("fault-sshd-stopped", None, "strict"),
        restart_sshd,
    )?;
    refused_as(&run, "unreachable", &["refused"])?;
    peers_unaffected(run.json()?)?;
    within_bound("sshd stopped", &run)
}

fn sshd_hung() -> Result<(), Failed> {
    baseline()?;
    let run = with_fault(
        || in_node(FAULT, &format!("kill -STOP {SSHD_PID}")).map(drop),
        || fault_check("fault-sshd-hung", None, "strict"),
        || in_node(FAULT, &format!("kill -CONT {SSHD_PID}")).map(drop),
    )?;
    refused_as(&run, "unreachable", &["banner"])?;
    peers_unaffected(run.json()?)?;
    within_bound("sshd hung", &run)
}

fn blackholed() -> Result<(), Failed> {
    baseline()?;
    let ns = format!("rvs-{FAULT}");
    let run = with_fault(
        || {
            cmd_ok(
                "ip",
                &[
                    "netns",
                    "exec",
                    &ns,
                    "nft",
                    "add",
                    "table",
                    "inet",
                    "rvs_fault",
                ],
            )?;
            cmd_ok(
                "ip",
                &[
                    "netns",
                    "exec",
                    &ns,
                    "nft",
                    "add chain inet rvs_fault input { type filter hook input priority 0; policy accept; }",
                ],
            )?;
            cmd_ok(
                "ip",
                &[
                    "netns",
                    "exec",
                    &ns,
                    "nft",
                    "add rule inet rvs_fault input tcp dport 22 drop",
                ],
            )
            .map(drop)
        },
        || fault_check("fault-blackholed", None, "strict"),
        || {
            cmd_ok(
                "ip",
                &[
                    "netns",
                    "exec",
                    &ns,
                    "nft",
                    "delete",
                    "table",
                    "inet",
                    "rvs_fault",
                ],
            )
            .map(drop)
        },
    )?;
    refused_as(&run, "unreachable", &["tcp"])?;
    peers_unaffected(run.json()?)?;
    within_bound("port blackholed", &run)
}
