//! What the probe's temp files cost on a disk `/tmp` against `/dev/shm`, on this
//! machine: the real probe (KohakuRiver reads included) run by the local `sh`
//! the way a node runs it, over a local folder standing in for the share.
//!
//!   cargo bench --bench temp_base [-- RUNS]
//!
//! "first sweep" is the exec path's command (`transport::ssh::node_command`) with
//! `TMPDIR` set to the folder; "re-sweep" is the script as a resident shell's
//! requests (each in a subshell of one `sh`), with the resident shell's folder
//! (`RIVERSHARE_TMP`) there. Rounds alternate; the CPU is the children's
//! (user + system, from `/proc/self/stat`, which counts every process the probe
//! started), per run.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn children_cpu_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at state.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(13..15).map_or(0.0, |v| {
        v.iter().filter_map(|x| x.parse::<f64>().ok()).sum()
    });
    ticks * 10.0 // USER_HZ is 100 on Linux
}

/// A row: its name, the text `sh -c` runs, whether as a resident shell's
/// requests, and the environment.
type Case<'a> = (&'a str, &'a str, bool, Vec<(&'a str, &'a str)>);

/// A resident shell's `runs` requests: the script in a subshell each time.
const RESIDENT: &str = r#"i=0
while [ $i -lt "$RUNS" ]; do
  ( set --
  eval "$PROBE" ) </dev/null
  i=$((i + 1))
done"#;

/// Run `text` `runs` times with `env`: `sh -c text` each time, or once as a
/// resident shell's requests; CPU (children) and wall per run, ms.
fn measure(text: &str, resident: bool, env: &[(&str, &str)], runs: u32) -> (f64, f64) {
    let (cpu0, t0) = (children_cpu_ms(), Instant::now());
    let command = |script: &str| {
        let mut c = Command::new("sh");
        c.arg("-c")
            .arg(script)
            .env_remove("TMPDIR")
            .stdin(Stdio::null());
        c.stdout(Stdio::null())
            .stderr(Stdio::null())
            .current_dir("/");
        for (k, v) in env {
            c.env(k, v);
        }
        c
    };
    if resident {
        let _ = command(RESIDENT)
            .env("PROBE", text)
            .env("RUNS", runs.to_string())
            .status();
    } else {
        for _ in 0..runs {
            let _ = command(text).status();
        }
    }
    let n = f64::from(runs);
    (
        (children_cpu_ms() - cpu0) / n,
        t0.elapsed().as_secs_f64() * 1000.0 / n,
    )
}

fn main() {
    let runs: u32 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100);
    let base = std::env::current_dir()
        .expect("cwd")
        .join("target/temp-base-bench");
    let share = base.join("share");
    for d in ["kohakuriver-containers", "shared_data", "logs"] {
        std::fs::create_dir_all(share.join(d)).expect("share folders");
    }
    let script = rivershare::sweep::probe_script_with_discovery(
        share.to_str().expect("utf-8"),
        Duration::from_secs(8) / 3,
        true,
        rivershare::facts::Role::Runner,
    );
    let first = rivershare::transport::ssh::node_command(&script, Duration::from_secs(8));
    let resident_tmp = std::path::PathBuf::from("/tmp/rivershare-temp-base-bench");
    let resident_shm = std::path::PathBuf::from("/dev/shm/rivershare-temp-base-bench");
    for d in [&resident_tmp, &resident_shm] {
        std::fs::create_dir_all(d).expect("resident folder");
    }
    let (rt, rs) = (
        resident_tmp.to_str().expect("utf-8"),
        resident_shm.to_str().expect("utf-8"),
    );
    let cases: [Case; 4] = [
        ("first sweep, /tmp", &first, false, vec![("TMPDIR", "/tmp")]),
        (
            "first sweep, /dev/shm",
            &first,
            false,
            vec![("TMPDIR", "/dev/shm")],
        ),
        (
            "re-sweep, /tmp",
            &script,
            true,
            vec![("RIVERSHARE_TMP", rt)],
        ),
        (
            "re-sweep, /dev/shm",
            &script,
            true,
            vec![("RIVERSHARE_TMP", rs)],
        ),
    ];
    let mut results: Vec<Vec<(f64, f64)>> = vec![Vec::new(); cases.len()];
    for _ in 0..5 {
        for (i, (_, text, resident, env)) in cases.iter().enumerate() {
            results[i].push(measure(text, *resident, env, runs / 5));
        }
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let df = Command::new("df")
        .args(["-T", "/tmp", "/dev/shm"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    println!("{df}");
    for (i, (name, ..)) in cases.iter().enumerate() {
        let cpu = median(results[i].iter().map(|r| r.0).collect());
        let wall = median(results[i].iter().map(|r| r.1).collect());
        println!(
            "{name:24} cpu {cpu:5.1} ms  wall {wall:5.1} ms  (medians of 5 rounds of {})",
            runs / 5
        );
    }
    let _ = std::fs::remove_dir_all(&base);
    let _ = std::fs::remove_dir_all(&resident_tmp);
    let _ = std::fs::remove_dir_all(&resident_shm);
}
