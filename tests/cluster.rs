//! End-to-end tests of `rivershare check` against a real multi-node cluster on this
//! machine (network namespaces, overlay roots, real sshd, real sshfs): see
//! docs/test-cluster.md. Needs root. If the cluster cannot come up, every trial FAILS.
//!
//! One cluster serves the whole run: it comes up at the first trial that needs it and
//! goes down when the run ends (Drop guard, also on panic). The whole-cluster
//! `check --json` runs once and is shared by the per-node trials.

#[path = "support/cluster.rs"]
mod support;

use std::sync::OnceLock;
use std::time::Duration;

use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::Value;
use support::{COMMAND_TIMEOUT_SECS, CONNECT_TIMEOUT_SECS, Cluster, RunOutput, node};

#[path = "support/e2e.rs"]
mod e2e;
#[path = "support/e2e_cli.rs"]
mod e2e_cli;
#[path = "support/e2e_faults.rs"]
mod e2e_faults;
#[path = "support/e2e_faults_keys.rs"]
mod e2e_faults_keys;
#[path = "support/e2e_faults_more.rs"]
mod e2e_faults_more;
#[path = "support/e2e_keys.rs"]
mod e2e_keys;
#[path = "support/e2e_kohakuriver.rs"]
mod e2e_kohakuriver;
#[path = "support/e2e_tarballs.rs"]
mod e2e_tarballs;
#[path = "support/e2e_usage.rs"]
mod e2e_usage;
#[path = "support/e2e_verify.rs"]
mod e2e_verify;
#[path = "support/look.rs"]
mod look;

/// Expected `mount` of a node in the JSON.
pub enum Mount {
    /// An object: fstype, network, and target (`None`: the target is the node's shared_dir).
    Fs {
        fstype: &'static str,
        network: bool,
        target: Option<&'static str>,
    },
    Null,
    /// The spec does not say (a missing path).
    Any,
}

/// Expected `access` of a node in the JSON.
pub enum Access {
    /// An object with these read and write flags and this `error.kind` (`None`: null).
    Is {
        read: bool,
        write: bool,
        error: Option<&'static str>,
    },
    Null,
    /// The spec does not say (a missing path, a hung mount).
    Any,
}

/// What `check --json` must say about one node of the whole cluster. THE expected table.
pub struct Expect {
    pub node: &'static str,
    /// Codes whose finding must list this node.
    pub required: &'static [&'static str],
    /// Codes that may also list it (the spec leaves them to judgement), beyond `required`.
    pub allowed: &'static [&'static str],
    /// `None`: reachable, `error` null. `Some(kind)`: not reachable, `error.kind` is kind.
    pub error: Option<&'static str>,
    pub mount: Mount,
    pub access: Access,
    /// `Some(true)`: usage has total_bytes > 0; `Some(false)`: usage is null; `None`: any.
    pub usage: Option<bool>,
    /// `Some(b)`: every layout folder's flag is b.
    pub layout: Option<bool>,
}

/// Why each node expects what it does:
/// - host, runner-01: sshfs from the storage node, listed in their /etc/fstab: no finding.
/// - runner-02: same storage at /data/share, NOT in fstab: not_persistent. rivershare.toml
///   names no shared_dir for it: /data/share comes from its own runner_config.py
///   (shared_dir_source kohakuriver), and differs from the Host's: shared_dir_differs.
/// - runner-01, runner-03: their kohakuriver-runner unit passes --config and has a
///   RequiresMountsFor drop-in: no KohakuRiver finding.
/// - runner-03: identical to runner-01 (so the human output can fold them into one line).
/// - runner-behind: like runner-01, but its port 22 drops the operator: reachable only through
///   `ProxyJump host` from ssh_config (a direct-tcpip channel through host's sshd).
/// - runner-local: a plain directory on the node's root (overlay), with the layout: not_mounted
///   and not_shared: verification sees its token nowhere else (so not_mounted is critical).
///   Its kohakuriver-runner unit is the generated one, without mount ordering: unit_not_ordered.
///   Not in fstab either,
///   but "persistence" of an unmounted path is a judgement call, so not_persistent is allowed.
/// - runner-ro: sshfs -o ro, listed in fstab: read_only, access.write false. Its
///   runner_config.py sets SHARED_DIR to an f-string (line 4): config_unreadable.
/// - runner-missing: the path does not exist: path_missing (layout, mount and persistence
///   findings about a missing path are allowed).
/// - runner-tmpfs: tmpfs at the path, listed in fstab, with the layout: not_mounted and
///   not_shared (its token is on its own tmpfs). Its runner_config.py has an unterminated
///   string on line 4: config_unreadable.
/// - runner-flaky: healthy unless a verification trial arms it (then its sshfs freezes).
/// - runner-fault: healthy; the fault trials (e2e_faults.rs) break it at run time and undo it.
/// - runner-down: netns answers, no sshd (connection refused): unreachable.
/// - runner-dropped: sshd runs but nft drops port 22 (connect timeout): unreachable.
/// - runner-stale: its sshfs daemon was killed after mounting: ENOTCONN on every access:
///   stale_handle (the folders cannot be listed, so layout_missing is allowed).
/// - runner-hung: its sshfs daemon is stopped (SIGSTOP): stat, df and writes block while
///   findmnt answers: storage_hung, within the time bound.
#[rustfmt::skip]
pub const EXPECTED: &[Expect] = &[
    Expect { node: "host", required: &[], allowed: &[], error: None,
             mount: SSHFS, access: RW, usage: Some(true), layout: Some(true) },
    Expect { node: "runner-01", required: &[], allowed: &[], error: None,
             mount: SSHFS, access: RW, usage: Some(true), layout: Some(true) },
    Expect { node: "runner-02", required: &["not_persistent", "shared_dir_differs"], allowed: &[], error: None,
             mount: SSHFS, access: RW, usage: Some(true), layout: Some(true) },
    Expect { node: "runner-03", required: &[], allowed: &[], error: None,
             mount: SSHFS, access: RW, usage: Some(true), layout: Some(true) },
    Expect { node: "runner-behind", required: &[], allowed: &[], error: None,
             mount: SSHFS, access: RW, usage: Some(true), layout: Some(true) },
    Expect { node: "runner-local", required: &["not_mounted", "not_shared", "unit_not_ordered"], allowed: &["not_persistent"], error: None,
             mount: Mount::Fs { fstype: "overlay", network: false, target: Some("/") },
             access: RW, usage: Some(true), layout: Some(true) },
    Expect { node: "runner-ro", required: &["read_only", "config_unreadable", "mount_options"], allowed: &[], error: None,
             mount: SSHFS, access: Access::Is { read: true, write: false, error: Some("read_only") },
             usage: Some(true), layout: Some(true) },
    Expect { node: "runner-missing", required: &["path_missing"],
             allowed: &["layout_missing", "not_mounted", "not_persistent"], error: None,
             mount: Mount::Any, access: Access::Any, usage: None, layout: Some(false) },
    Expect { node: "runner-tmpfs", required: &["not_mounted", "not_shared", "config_unreadable"], allowed: &[], error: None,
             mount: Mount::Fs { fstype: "tmpfs", network: false, target: None },
             access: RW, usage: Some(true), layout: Some(true) },
    Expect { node: "runner-down", required: &["unreachable"], allowed: &[], error: Some("unreachable"),
             mount: Mount::Null, access: Access::Null, usage: Some(false), layout: None },
    Expect { node: "runner-dropped", required: &["unreachable"], allowed: &[], error: Some("unreachable"),
             mount: Mount::Null, access: Access::Null, usage: Some(false), layout: None },
    Expect { node: "runner-stale", required: &["stale_handle"], allowed: &["layout_missing"], error: None,
             mount: SSHFS, access: Access::Is { read: false, write: false, error: Some("stale_handle") },
             usage: None, layout: None },
    Expect { node: "runner-hung", required: &["storage_hung"], allowed: &["layout_missing"], error: None,
             mount: SSHFS, access: Access::Any, usage: None, layout: None },
    Expect { node: "runner-flaky", required: &[], allowed: &[], error: None,
             mount: SSHFS, access: RW, usage: Some(true), layout: Some(true) },
    Expect { node: "runner-fault", required: &[], allowed: &[], error: None,
             mount: SSHFS, access: RW, usage: Some(true), layout: Some(true) },
];

const SSHFS: Mount = Mount::Fs {
    fstype: "fuse.sshfs",
    network: true,
    target: None,
};
const RW: Access = Access::Is {
    read: true,
    write: true,
    error: None,
};

/// In the whole-cluster run, sources really differ (sshfs vs tmpfs vs the overlay root);
/// whether source_mismatch compares local filesystems too is a judgement call, so it may
/// list any node there. The focused configs below assert exact finding lists instead.
pub const WHOLE_CLUSTER_ALLOWED: &[&str] = &["source_mismatch"];

/// Every finding code and its severity in the whole-cluster run. not_mounted is critical
/// there: verification shows both nodes that have it (runner-local, runner-tmpfs) are not shared.
pub const SEVERITY: &[(&str, &str)] = &[
    ("unreachable", "critical"),
    ("auth_failed", "critical"),
    ("host_key_unknown", "critical"),
    ("host_key_changed", "critical"),
    ("path_missing", "critical"),
    ("not_mounted", "critical"),
    ("not_shared", "critical"),
    ("read_only", "critical"),
    ("permission_denied", "critical"),
    ("stale_handle", "critical"),
    ("storage_hung", "critical"),
    ("source_mismatch", "warning"),
    ("low_space", "warning"),
    ("layout_missing", "warning"),
    ("not_persistent", "warning"),
    ("config_unreadable", "warning"),
    ("shared_dir_differs", "warning"),
    ("unit_not_ordered", "warning"),
    ("mount_options", "warning"),
    ("credentials_in_fstab", "warning"),
    ("layout_mode", "warning"),
];

/// The wall-time bound of `check --only mounts`: connect timeout + command timeout + 2 s slack.
pub const MOUNTS_BOUND: Duration =
    Duration::from_secs(CONNECT_TIMEOUT_SECS + COMMAND_TIMEOUT_SECS + 2);

/// The verification deadline of the test configs (rivershare's default).
pub const VERIFY_DEADLINE_SECS: u64 = 5;

/// The README's bound of a full check: the mount probe (connect + command), then the
/// verification's write (command), read (deadline + command) and clean-up (command)
/// phases, plus 2 s slack.
pub const WALL_BOUND: Duration =
    Duration::from_secs(CONNECT_TIMEOUT_SECS + COMMAND_TIMEOUT_SECS * 4 + VERIFY_DEADLINE_SECS + 2);

static CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();

/// The shared cluster, brought up on first use. Its failure fails every trial that needs it.
pub fn cluster() -> Result<&'static Cluster, Failed> {
    CLUSTER
        .get_or_init(Cluster::up)
        .as_ref()
        .map_err(|e| Failed::from(format!("the test cluster did not come up: {e}")))
}

/// One `rivershare check` run and its parsed JSON (when it printed any).
pub struct CheckRun {
    pub out: RunOutput,
    pub json: Option<Value>,
}

impl CheckRun {
    pub fn json(&self) -> Result<&Value, Failed> {
        self.json.as_ref().ok_or_else(|| {
            Failed::from(format!(
                "check printed no JSON document: {}",
                self.out.describe()
            ))
        })
    }
}

pub fn run_check(args: &[&str]) -> Result<CheckRun, Failed> {
    let c = cluster()?;
    let out = c.rivershare(args)?;
    let json = serde_json::from_str::<Value>(out.stdout.trim()).ok();
    Ok(CheckRun { out, json })
}

static WHOLE: OnceLock<Result<CheckRun, String>> = OnceLock::new();

/// `check --json` over the whole cluster, run once and shared.
pub fn whole_cluster() -> Result<&'static CheckRun, Failed> {
    WHOLE
        .get_or_init(|| {
            let c = cluster().map_err(|e| e.message().unwrap_or("").to_string())?;
            let config = c.path("rivershare.toml").display().to_string();
            let run = run_check(&["check", "--json", "--config", &config])
                .map_err(|e| e.message().unwrap_or("").to_string())?;
            Ok(run)
        })
        .as_ref()
        .map_err(|e| Failed::from(e.clone()))
}

/// Takes the cluster down at the end of the run whatever happened before (Drop also runs
/// while unwinding). A OnceLock in a static is never dropped by itself.
struct DownGuard {
    keep_statedir: bool,
}

impl Drop for DownGuard {
    fn drop(&mut self) {
        let Some(Ok(c)) = CLUSTER.get() else { return };
        match c.down() {
            Ok(out) => {
                eprintln!("test cluster down in {:.2} s", out.elapsed.as_secs_f64());
                if self.keep_statedir {
                    eprintln!("test cluster: statedir kept at {}", c.statedir.display());
                } else if let Err(e) = c.remove_statedir() {
                    eprintln!("test cluster: {e}");
                }
            }
            Err(e) => eprintln!("test cluster: {e} (statedir {})", c.statedir.display()),
        }
    }
}

fn main() {
    let mut args = Arguments::from_args();
    // The trials share one cluster and the wall-time trial measures real time on a
    // 2-core machine: run them one at a time unless asked otherwise.
    if args.test_threads.is_none() {
        args.test_threads = Some(1);
    }
    let mut trials = vec![Trial::test(
        "cluster_nodes_look_as_intended",
        look::cluster_nodes_look_as_intended,
    )];
    trials.extend(e2e::trials());
    trials.extend(e2e_verify::trials());
    trials.extend(e2e_tarballs::trials());
    trials.extend(e2e_kohakuriver::trials());
    trials.extend(e2e_usage::trials());
    // Last: they break runner-fault (and undo it), so the shared runs above never see it broken.
    trials.extend(e2e_faults::trials());
    let mut guard = DownGuard {
        keep_statedir: false,
    };
    let conclusion = libtest_mimic::run(&args, trials);
    if let Some(Ok(c)) = CLUSTER.get() {
        eprintln!("test cluster: {}", c.up_output.stdout.trim());
    }
    guard.keep_statedir =
        conclusion.has_failed() || std::env::var_os("RVS_KEEP_STATEDIR").is_some();
    drop(guard);
    conclusion.exit();
}

/// Shared by the trial modules.
pub fn ensure(cond: bool, msg: impl FnOnce() -> String) -> Result<(), Failed> {
    if cond {
        Ok(())
    } else {
        Err(Failed::from(msg()))
    }
}

pub fn spec_node(name: &str) -> support::NodeSpec {
    node(name)
}
