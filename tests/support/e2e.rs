//! The `rivershare check` trials: the public JSON (schema rivershare/check/v1) per node,
//! the exit codes and the time bound, on the real cluster. The list of every trial is here.

use std::collections::BTreeSet;

use libtest_mimic::{Failed, Trial};
use serde_json::Value;

use crate::e2e_cli::{bad_config_trial, env_config_trial, human_trial};
use crate::e2e_keys::{accept_new_trial, hashed_known_hosts_trial, host_key_trial};
use crate::support::STORAGE_SOURCE;
use crate::{
    Access, CheckRun, EXPECTED, Expect, MOUNTS_BOUND, Mount, SEVERITY, WALL_BOUND,
    WHOLE_CLUSTER_ALLOWED, cluster, ensure, run_check, spec_node, whole_cluster,
};

type TrialFn = fn() -> Result<(), Failed>;

pub fn trials() -> Vec<Trial> {
    let mut t: Vec<Trial> = EXPECTED
        .iter()
        .map(|e| {
            let name = format!("check_json_node_{}", e.node.replace('-', "_"));
            Trial::test(name, move || node_trial(e))
        })
        .collect();
    let more: Vec<(&str, TrialFn)> = vec![
        ("check_json_schema_and_severities", schema_trial),
        ("check_whole_cluster_exit_code_2", whole_exit_trial),
        ("check_whole_cluster_within_time_bound", time_bound_trial),
        (
            "check_only_mounts_whole_cluster_within_probe_bound",
            mounts_bound_trial,
        ),
        ("check_fstab_listed_healthy_nodes_exit_0", || {
            focused("healthy-fstab", HEALTHY_IN_FSTAB, &[], 0, &[])
        }),
        ("check_only_mounts_healthy_nodes_exit_0", || {
            focused(
                "only-mounts",
                HEALTHY_IN_FSTAB,
                &["--only", "mounts"],
                0,
                &[],
            )
        }),
        (
            "check_healthy_nodes_exit_1_not_persistent_on_runner_02",
            || {
                let nodes = [HEALTHY_IN_FSTAB, &["runner-02"]].concat();
                focused(
                    "healthy",
                    &nodes,
                    &[],
                    1,
                    &[
                        ("not_persistent", &["runner-02"]),
                        ("shared_dir_differs", &["runner-02"]),
                    ],
                )
            },
        ),
        // Without verification, not_mounted is a warning; verification makes it critical
        // (e2e_verify.rs asserts that).
        (
            "check_only_mounts_healthy_plus_tmpfs_exit_1_not_mounted",
            || {
                let nodes = [HEALTHY_IN_FSTAB, &["runner-tmpfs"]].concat();
                focused(
                    "healthy-tmpfs",
                    &nodes,
                    &["--only", "mounts"],
                    1,
                    &[
                        ("config_unreadable", &["runner-tmpfs"]),
                        ("not_mounted", &["runner-tmpfs"]),
                    ],
                )
            },
        ),
        ("check_bad_config_exit_3_names_the_line", bad_config_trial),
        ("check_strict_unknown_host_key", || host_key_trial(false)),
        ("check_changed_host_key", || host_key_trial(true)),
        ("check_hashed_known_hosts_exit_0", hashed_known_hosts_trial),
        (
            "check_accept_new_records_keys_and_still_refuses_changed",
            accept_new_trial,
        ),
        ("check_config_from_rivershare_config_env", env_config_trial),
        ("check_human_output_lists_nodes_and_findings", human_trial),
    ];
    t.extend(more.into_iter().map(|(name, f)| Trial::test(name, f)));
    t
}

/// Healthy nodes whose share is in their fstab (runner-behind only through ProxyJump).
pub(crate) const HEALTHY_IN_FSTAB: &[&str] = &["host", "runner-01", "runner-03", "runner-behind"];

/// The node object named `name` in a check document.
pub(crate) fn node_json<'a>(doc: &'a Value, name: &str) -> Result<&'a Value, Failed> {
    doc["nodes"]
        .as_array()
        .and_then(|ns| ns.iter().find(|n| n["name"] == name))
        .ok_or_else(|| Failed::from(format!("no node {name} in nodes[]: {doc:#}")))
}

/// The codes of every finding that lists `name`.
fn codes_for(doc: &Value, name: &str) -> BTreeSet<String> {
    findings(doc)
        .into_iter()
        .filter(|(_, nodes)| nodes.iter().any(|n| n == name))
        .map(|(code, _)| code)
        .collect()
}

/// (code, sorted nodes) of every finding.
pub(crate) fn findings(doc: &Value) -> Vec<(String, Vec<String>)> {
    let mut v: Vec<(String, Vec<String>)> = doc["findings"]
        .as_array()
        .map(|fs| {
            fs.iter()
                .map(|f| {
                    let mut nodes: Vec<String> = f["nodes"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|n| n.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default();
                    nodes.sort();
                    (f["code"].as_str().unwrap_or("<no code>").to_string(), nodes)
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn node_trial(e: &'static Expect) -> Result<(), Failed> {
    let doc = whole_cluster()?.json()?;
    let n = node_json(doc, e.node)?;
    let spec = spec_node(e.node);
    let ctx = |what: &str| format!("node {}: {what}\n{n:#}", e.node);
    ensure(n["role"] == spec.role.as_deref().unwrap_or("?"), || {
        ctx("role")
    })?;
    ensure(n["address"] == spec.address.as_str(), || ctx("address"))?;
    ensure(n["shared_dir"] == spec.shared_dir.as_str(), || {
        ctx("shared_dir")
    })?;
    // A `discover` node has no shared_dir in rivershare.toml: its own KohakuRiver config gives it.
    let source = if spec.kohakuriver == "discover" {
        "kohakuriver"
    } else {
        "config"
    };
    ensure(n["shared_dir_source"] == source, || {
        ctx(&format!("shared_dir_source should be {source}"))
    })?;
    match e.error {
        None => {
            ensure(n["reachable"] == true, || ctx("reachable should be true"))?;
            ensure(n["error"].is_null(), || ctx("error should be null"))?;
        }
        Some(kind) => {
            ensure(n["reachable"] == false, || ctx("reachable should be false"))?;
            ensure(n["error"]["kind"] == kind, || {
                ctx(&format!("error.kind should be {kind}"))
            })?;
            ensure(n["usage"].is_null(), || ctx("usage should be null"))?;
        }
    }
    match &e.mount {
        Mount::Fs {
            fstype,
            network,
            target,
        } => {
            let m = &n["mount"];
            ensure(m["fstype"] == *fstype, || {
                ctx(&format!("mount.fstype should be {fstype}"))
            })?;
            ensure(m["network"] == *network, || {
                ctx(&format!("mount.network should be {network}"))
            })?;
            let want_target: &str = match target {
                Some(t) => t,
                None => &spec.shared_dir,
            };
            ensure(m["target"] == want_target, || {
                ctx(&format!("mount.target should be {want_target}"))
            })?;
            if *fstype == "fuse.sshfs" {
                ensure(m["source"] == STORAGE_SOURCE, || {
                    ctx(&format!("mount.source should be {STORAGE_SOURCE}"))
                })?;
            }
            ensure(m["options"].is_array(), || {
                ctx("mount.options should be a list")
            })?;
        }
        Mount::Null => ensure(n["mount"].is_null(), || ctx("mount should be null"))?,
        Mount::Any => {}
    }
    match &e.access {
        Access::Is { read, write, error } => {
            let a = &n["access"];
            ensure(a["read"] == *read, || {
                ctx(&format!("access.read should be {read}"))
            })?;
            ensure(a["write"] == *write, || {
                ctx(&format!("access.write should be {write}"))
            })?;
            match error {
                None => ensure(a["error"].is_null(), || ctx("access.error should be null"))?,
                Some(k) => ensure(a["error"]["kind"] == *k, || {
                    ctx(&format!("access.error.kind should be {k}"))
                })?,
            }
        }
        Access::Null => ensure(n["access"].is_null(), || ctx("access should be null"))?,
        Access::Any => {}
    }
    match e.usage {
        Some(true) => {
            let usage = &n["usage"];
            let total = usage["total_bytes"].as_u64().unwrap_or(0);
            ensure(
                total > 0 && usage["avail_bytes"].as_u64().is_some_and(|a| a <= total),
                || ctx("usage should have total_bytes > 0 and avail_bytes <= total_bytes"),
            )?;
        }
        Some(false) => ensure(n["usage"].is_null(), || ctx("usage should be null"))?,
        None => {}
    }
    if let Some(present) = e.layout {
        for d in ["kohakuriver-containers", "shared_data", "logs"] {
            ensure(n["layout"][d] == present, || {
                ctx(&format!("layout.{d} should be {present}"))
            })?;
        }
    }
    let codes = codes_for(doc, e.node);
    let required: BTreeSet<String> = e.required.iter().map(|s| s.to_string()).collect();
    let allowed: BTreeSet<String> = e
        .required
        .iter()
        .chain(e.allowed)
        .chain(WHOLE_CLUSTER_ALLOWED)
        .map(|s| s.to_string())
        .collect();
    ensure(required.is_subset(&codes), || {
        format!(
            "node {}: findings {codes:?} lack {:?}",
            e.node,
            required.difference(&codes).collect::<Vec<_>>()
        )
    })?;
    ensure(codes.is_subset(&allowed), || {
        format!(
            "node {}: unexpected findings {:?} (allowed {allowed:?})",
            e.node,
            codes.difference(&allowed).collect::<Vec<_>>()
        )
    })
}

fn schema_trial() -> Result<(), Failed> {
    let doc = whole_cluster()?.json()?;
    ensure(doc["schema"] == "rivershare/check/v1", || {
        format!("schema: {}", doc["schema"])
    })?;
    ensure(doc["started_at"].is_string(), || {
        "started_at should be a string".into()
    })?;
    ensure(doc["duration_ms"].is_number(), || {
        "duration_ms should be a number".into()
    })?;
    let names: Vec<&str> = doc["nodes"]
        .as_array()
        .map(|a| a.iter().filter_map(|n| n["name"].as_str()).collect())
        .unwrap_or_default();
    let want: Vec<&str> = EXPECTED.iter().map(|e| e.node).collect();
    ensure(names == want, || {
        format!("nodes[] should be {want:?} in config order, got {names:?}")
    })?;
    for n in doc["nodes"].as_array().into_iter().flatten() {
        for key in [
            "name",
            "role",
            "address",
            "shared_dir",
            "shared_dir_source",
            "reachable",
            "rtt_ms",
            "error",
            "mount",
            "access",
            "usage",
            "layout",
        ] {
            ensure(n.get(key).is_some(), || {
                format!("node {}: key {key} missing", n["name"])
            })?;
        }
    }
    for f in doc["findings"].as_array().into_iter().flatten() {
        let code = f["code"].as_str().unwrap_or("");
        let want = SEVERITY.iter().find(|(c, _)| *c == code).map(|(_, s)| *s);
        ensure(want.is_some(), || {
            format!("unknown finding code {code:?}: {f:#}")
        })?;
        ensure(f["severity"] == want.unwrap_or(""), || {
            format!(
                "finding {code}: severity {} should be {want:?}",
                f["severity"]
            )
        })?;
        for key in ["title", "hint"] {
            ensure(
                f[key].as_str().is_some_and(|s| !s.trim().is_empty()),
                || format!("finding {code}: {key} should be a non-empty string"),
            )?;
        }
        ensure(f["commands"].is_array(), || {
            format!("finding {code}: commands should be a list")
        })?;
        ensure(f["nodes"].as_array().is_some_and(|a| !a.is_empty()), || {
            format!("finding {code}: nodes should be a non-empty list")
        })?;
    }
    Ok(())
}

fn whole_exit_trial() -> Result<(), Failed> {
    let run = whole_cluster()?;
    let doc = run.json()?;
    ensure(run.out.code == Some(2), || {
        format!("exit code should be 2: {}", run.out.describe())
    })?;
    ensure(doc["exit_code"] == 2, || {
        format!("exit_code field should be 2, got {}", doc["exit_code"])
    })
}

fn time_bound_trial() -> Result<(), Failed> {
    let run = whole_cluster()?;
    let secs = run.out.elapsed.as_secs_f64();
    let reported = run.json.as_ref().and_then(|d| d["duration_ms"].as_u64());
    eprintln!(
        "full check wall time {secs:.2} s, duration_ms {reported:?}, bound {} s",
        WALL_BOUND.as_secs()
    );
    ensure(run.out.elapsed <= WALL_BOUND, || {
        format!(
            "full check took {secs:.2} s, above the bound {} s",
            WALL_BOUND.as_secs()
        )
    })?;
    ensure(
        reported.is_some_and(|ms| ms as u128 <= WALL_BOUND.as_millis()),
        || format!("duration_ms {reported:?} should be reported and within the bound"),
    )
}

/// Without verification, the whole cluster (hung, dropped and refusing nodes included)
/// is judged within connect + command timeout.
fn mounts_bound_trial() -> Result<(), Failed> {
    let c = cluster()?;
    let config = c.path("rivershare.toml").display().to_string();
    let run = run_check(&["check", "--json", "--only", "mounts", "--config", &config])?;
    let secs = run.out.elapsed.as_secs_f64();
    eprintln!(
        "check --only mounts wall time {secs:.2} s, bound {} s",
        MOUNTS_BOUND.as_secs()
    );
    ensure(run.json()?["verify"].is_null(), || {
        "--only mounts runs no verification".to_owned()
    })?;
    ensure(run.out.elapsed <= MOUNTS_BOUND, || {
        format!(
            "check --only mounts took {secs:.2} s, above {} s",
            MOUNTS_BOUND.as_secs()
        )
    })
}

/// A config of only `nodes`; the exit code and the exact list of findings are known.
fn focused(
    label: &str,
    nodes: &[&str],
    extra_args: &[&str],
    exit: i32,
    want: &[(&str, &[&str])],
) -> Result<(), Failed> {
    let c = cluster()?;
    let config = c.write_config(label, nodes, &c.path("known_hosts"), "strict");
    let config = config.display().to_string();
    let mut args = vec!["check", "--json", "--config", config.as_str()];
    args.extend_from_slice(extra_args);
    let run = run_check(&args)?;
    expect_findings(label, &run, exit, want)
}

/// The run's exit code, its `exit_code` field and its exact list of (code, nodes).
pub(crate) fn expect_findings(
    label: &str,
    run: &CheckRun,
    exit: i32,
    want: &[(&str, &[&str])],
) -> Result<(), Failed> {
    let doc = run.json()?;
    let got = findings(doc);
    let mut want: Vec<(String, Vec<String>)> = want
        .iter()
        .map(|(code, ns)| (code.to_string(), ns.iter().map(|s| s.to_string()).collect()))
        .collect();
    want.sort();
    ensure(got == want, || {
        format!("{label}: findings {got:?}, want {want:?}\n{doc:#}")
    })?;
    ensure(run.out.code == Some(exit), || {
        format!(
            "{label}: exit code should be {exit}: {}",
            run.out.describe()
        )
    })?;
    ensure(doc["exit_code"] == exit, || {
        format!("{label}: exit_code field should be {exit}")
    })
}
