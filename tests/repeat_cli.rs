//! `rivershare check --repeat N`, the warm re-sweep: N sweeps over the same
//! connections, seen from the outside. Real `sshd`s (tests/support/sshd.rs)
//! count the logins in their own logs; the real binary prints the report.
//! How long warm sweeps take against cold ones is printed for the reader,
//! never asserted (timings belong to the benchmark).

#[path = "support/cli.rs"]
mod cli;
#[path = "support/sshd.rs"]
mod sshd;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use cli::rivershare;
use sshd::{Sshd, keygen, run};

/// Two nodes, each behind its own private sshd, sharing one folder as SHARED_DIR
/// (so verification and the tarball inventory run over SSH too).
struct Cluster {
    tmp: tempfile::TempDir,
    sshds: Vec<Sshd>,
    config: PathBuf,
}

fn cluster() -> Cluster {
    cluster_with(|_| String::new())
}

/// As [`cluster`], with `extra(dir)` appended to each sshd's config (`dir` is
/// the test's temp folder).
fn cluster_with(extra: impl Fn(&Path) -> String) -> Cluster {
    let tmp = tempfile::tempdir().expect("tempdir");
    let share = tmp.path().join("share");
    for dir in ["kohakuriver-containers", "logs", "shared_data"] {
        std::fs::create_dir_all(share.join(dir)).expect("share layout");
    }
    let key = tmp.path().join("id_ed25519");
    let public = keygen(&key, "ed25519", "");
    let sshds: Vec<Sshd> = ["host", "runner-1"]
        .iter()
        .map(|name| {
            let sshd = Sshd::start(&tmp.path().join(format!("sshd-{name}")), &extra(tmp.path()));
            sshd.authorize(&public);
            sshd
        })
        .collect();
    let known_hosts = tmp.path().join("known_hosts");
    let known: String = sshds
        .iter()
        .map(|s| format!("{}\n", s.known_hosts_line()))
        .collect();
    std::fs::write(&known_hosts, known).expect("known_hosts");
    let ssh_config = tmp.path().join("ssh_config");
    std::fs::write(&ssh_config, "").expect("ssh_config");
    let user = run(Command::new("id").arg("-un")).trim().to_owned();
    let mut body = format!(
        "known_hosts = {:?}\nssh_config = {:?}\nmin_free_gib = 0\n",
        known_hosts.display().to_string(),
        ssh_config.display().to_string(),
    );
    for (sshd, (name, role)) in sshds.iter().zip([("host", "host"), ("runner-1", "runner")]) {
        body.push_str(&format!(
            "\n[[nodes]]\nname = {name:?}\nrole = {role:?}\naddress = \"127.0.0.1\"\n\
             port = {}\nuser = {user:?}\nidentity_files = [{:?}]\nshared_dir = {:?}\n",
            sshd.port,
            key.display().to_string(),
            share.display().to_string(),
        ));
    }
    let config = tmp.path().join("rivershare.toml");
    std::fs::write(&config, body).expect("config");
    Cluster { tmp, sshds, config }
}

impl Cluster {
    fn check(&self, args: &[&str]) -> Output {
        let config = self.config.display().to_string();
        let mut all = vec!["--config", config.as_str(), "check"];
        all.extend_from_slice(args);
        rivershare(&all, &self.tmp.path().join("home"))
    }

    /// "Accepted publickey" lines in each node's sshd log: one per login.
    fn logins(&self) -> Vec<usize> {
        self.sshds
            .iter()
            .map(|s| s.log_text().matches("Accepted publickey").count())
            .collect()
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "check --json: {e}\nstdout:\n{}\nstderr:\n{}",
            text(&out.stdout),
            text(&out.stderr)
        )
    })
}

fn sweeps(report: &Value) -> Vec<Value> {
    report["sweeps"]
        .as_array()
        .unwrap_or_else(|| panic!("sweeps is an array: {:#}", report["sweeps"]))
        .clone()
}

/// The `connections_opened` of every sweep.
fn connections_opened(sweeps: &[Value]) -> Vec<u64> {
    sweeps
        .iter()
        .map(|s| {
            s["connections_opened"]
                .as_u64()
                .expect("connections_opened")
        })
        .collect()
}

/// The `duration_ms` of every sweep, for the reader.
fn durations(sweeps: &[Value]) -> Vec<u64> {
    sweeps
        .iter()
        .map(|s| s["duration_ms"].as_u64().expect("duration_ms"))
        .collect()
}

#[test]
fn repeated_sweeps_reuse_one_login_per_node_and_report_the_last() {
    let cluster = cluster();
    let out = cluster.check(&["--json", "--repeat", "4"]);
    let report = json(&out);
    assert_eq!(
        out.status.code(),
        Some(report["exit_code"].as_i64().expect("exit_code") as i32),
        "the exit code is the report's; stderr:\n{}",
        text(&out.stderr)
    );
    // Four full sweeps (mounts, verification, tarballs) over SSH, one login per node.
    assert_eq!(
        cluster.logins(),
        vec![1, 1],
        "sshd logs count one login per node"
    );

    let sweeps = sweeps(&report);
    assert_eq!(sweeps.len(), 4, "{sweeps:?}");
    let warm: Vec<bool> = sweeps.iter().map(|s| s["warm"] == true).collect();
    assert_eq!(warm, vec![false, true, true, true]);
    let opened = connections_opened(&sweeps);
    assert_eq!(
        opened,
        vec![2, 0, 0, 0],
        "the cold sweep opens both, the rest none"
    );
    // Every re-sweep probes both nodes on a shell kept open there.
    let resident: Vec<u64> = sweeps
        .iter()
        .map(|s| s["resident_runs"].as_u64().expect("resident_runs"))
        .collect();
    assert_eq!(resident, vec![0, 2, 2, 2]);
    // The report is the last sweep's: its time and its exit code.
    let last = &sweeps[3];
    assert_eq!(report["duration_ms"], last["duration_ms"]);
    assert_eq!(report["exit_code"], last["exit_code"]);
    // Every sweep really probed both nodes over SSH: the last report has them reachable.
    for node in report["nodes"].as_array().expect("nodes") {
        assert_eq!(node["reachable"], true, "{node:#}");
        assert_eq!(node["error"], Value::Null, "{node:#}");
    }
    assert_eq!(report["verify"]["matrix"].as_array().map(Vec::len), Some(4));
    assert!(report["tarballs"].is_array(), "{:#}", report["tarballs"]);
    // With --json and stderr not a terminal, the sweep lines stay out of stderr.
    assert!(
        !text(&out.stderr).contains("sweep 1/4"),
        "{}",
        text(&out.stderr)
    );
    eprintln!(
        "check --repeat 4 (2 SSH nodes, full sweep) durations_ms: {:?}",
        durations(&sweeps)
    );
}

#[test]
fn human_output_prints_a_line_per_sweep_and_the_last_report() {
    let cluster = cluster();
    let out = cluster.check(&["--repeat", "3", "--only", "mounts", "--no-color"]);
    let stderr = text(&out.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with("sweep ")).collect();
    assert_eq!(lines.len(), 3, "{stderr}");
    for (line, (index, kind)) in lines.iter().zip([(1, "cold"), (2, "warm"), (3, "warm")]) {
        let rest = line
            .strip_prefix(&format!("sweep {index}/3: "))
            .unwrap_or_else(|| panic!("{line:?} is sweep {index}/3"));
        let ms = rest
            .strip_suffix(&format!(" ms ({kind})"))
            .unwrap_or_else(|| panic!("{line:?} ends with ms ({kind})"));
        ms.parse::<u64>()
            .unwrap_or_else(|e| panic!("{line:?}: {ms:?} is a number of ms: {e}"));
    }
    assert_eq!(cluster.logins(), vec![1, 1]);
    // One report on stdout (the last sweep's), not three.
    let stdout = text(&out.stdout);
    assert!(stdout.contains("runner-1"), "{stdout}");
    let once = cluster.check(&["--only", "mounts", "--no-color"]);
    assert_eq!(
        stdout.lines().count(),
        text(&once.stdout).lines().count(),
        "one report's worth of text:\n{stdout}"
    );
    assert_eq!(out.status.code(), once.status.code());
    eprintln!(
        "check --repeat 3 --only mounts (2 SSH nodes):\n{}",
        lines.join("\n")
    );
}

/// sshd's ForceCommand for the dropped-connection test: every command (of
/// either node) counts itself under a lock; the one numbered as `kill-at` says
/// kills its own sshd session process (the connection drops) instead of running.
const FORCE: &str = r#"d='@DIR@'
exec 9>>"$d/lock"; flock 9
n=$(( $(cat "$d/count" 2>/dev/null || echo 0) + 1 ))
echo "$n" > "$d/count"
exec 9>&-
if [ "$n" = "$(cat "$d/kill-at" 2>/dev/null)" ]; then
  p=$$
  while [ "$p" -gt 1 ]; do
    p=$(cut -d' ' -f4 "/proc/$p/stat")
    if [ "$(cat "/proc/$p/comm")" = sshd ]; then kill -KILL "$p"; exit 1; fi
  done
fi
exec /bin/sh -c "$SSH_ORIGINAL_COMMAND"
"#;

/// A session killed by the node between sweeps is reopened by the next one:
/// counted in `connections_opened` and in the sweep line, and every login
/// sshd logged is one the report counted.
#[test]
fn a_dropped_connection_is_reopened_and_counted() {
    // Every command counts itself; command number `kill-at` kills its own
    // sshd session process (the connection drops) instead of running.
    let cluster = cluster_with(|dir| {
        let script = dir.join("force.sh");
        std::fs::write(&script, FORCE.replace("@DIR@", &dir.display().to_string()))
            .expect("force.sh");
        format!("ForceCommand /bin/sh {}", script.display())
    });
    let dir = cluster.tmp.path();
    let count = || -> u64 {
        std::fs::read_to_string(dir.join("count"))
            .expect("count file")
            .trim()
            .parse()
            .expect("count")
    };
    // How many commands one sweep runs (both nodes share the counter).
    let once = cluster.check(&["--json", "--only", "mounts"]);
    json(&once);
    let per_sweep = count();
    std::fs::write(dir.join("count"), "0").expect("reset count");
    // The first command of the second sweep kills its session.
    std::fs::write(dir.join("kill-at"), format!("{}\n", per_sweep + 1)).expect("kill-at");
    let before: usize = cluster.logins().iter().sum();
    let out = cluster.check(&["--json", "--repeat", "3", "--only", "mounts"]);
    let report = json(&out);
    let sweeps = sweeps(&report);
    let opened = connections_opened(&sweeps);
    let logins: usize = cluster.logins().iter().sum::<usize>() - before;
    assert_eq!(opened[0], 2, "{sweeps:?}");
    assert_eq!(
        opened.iter().sum::<u64>(),
        logins as u64,
        "every login sshd logged is counted: {sweeps:?}"
    );
    assert_eq!(logins, 3, "one node reconnected once: {sweeps:?}");
    assert!(opened[1] + opened[2] == 1, "{sweeps:?}");
    // The last sweep is whole again.
    for node in report["nodes"].as_array().expect("nodes") {
        assert_eq!(node["error"], Value::Null, "{node:#}");
    }
    eprintln!(
        "check --repeat 3 with a session killed in sweep 2: {:?}; last sweep's hung steps: {}",
        durations(&sweeps),
        report["nodes"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|n| format!("{}: {}", n["name"], n["hung_steps"]))
            .collect::<Vec<_>>()
            .join(", ")
    );
}

#[test]
fn without_repeat_there_is_one_cold_sweep_and_no_sweep_line() {
    let cluster = cluster();
    let out = cluster.check(&["--json", "--only", "mounts"]);
    let report = json(&out);
    let sweeps = sweeps(&report);
    assert_eq!(sweeps.len(), 1, "{sweeps:?}");
    assert_eq!(sweeps[0]["warm"], false);
    assert_eq!(sweeps[0]["connections_opened"], 2);
    assert_eq!(sweeps[0]["duration_ms"], report["duration_ms"]);
    assert_eq!(sweeps[0]["exit_code"], report["exit_code"]);
    let human = cluster.check(&["--only", "mounts", "--no-color"]);
    assert!(
        !text(&human.stderr).contains("sweep 1/1"),
        "{}",
        text(&human.stderr)
    );
    assert_eq!(cluster.logins(), vec![2, 2], "two runs, two logins each");
}

#[test]
fn local_nodes_open_no_connection_and_repeat_zero_is_a_bad_command_line() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let config = local_config(tmp.path());
    let config = config.display().to_string();
    let home = tmp.path().join("home");
    let out = rivershare(
        &["--config", &config, "check", "--json", "--repeat", "2"],
        &home,
    );
    let report = json(&out);
    let all = sweeps(&report);
    assert_eq!(all.len(), 2, "{all:?}");
    assert_eq!(all[1]["warm"], true);
    for sweep in all {
        assert_eq!(sweep["connections_opened"], 0, "{sweep:#}");
    }

    for bad in ["0", "-1", "many"] {
        let out = rivershare(
            &["--config", &config, "check", &format!("--repeat={bad}")],
            &home,
        );
        assert_eq!(
            out.status.code(),
            Some(3),
            "--repeat {bad}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).contains("--repeat"),
            "--repeat {bad}: {}",
            text(&out.stderr)
        );
        assert!(out.stdout.is_empty(), "no report for --repeat {bad}");
    }
}

/// One local node on a plain folder.
fn local_config(dir: &Path) -> PathBuf {
    let share = dir.join("share");
    std::fs::create_dir_all(&share).expect("share");
    let path = dir.join("rivershare.toml");
    std::fs::write(
        &path,
        format!(
            "min_free_gib = 0\n\n[[nodes]]\nname = \"local\"\nrole = \"host\"\n\
             transport = \"local\"\nshared_dir = {:?}\n",
            share.display().to_string()
        ),
    )
    .expect("config");
    path
}
