//! SHARED_DIR discovery on the cluster: every KohakuRiver node has its own files
//! (nodes.tsv's `kohakuriver` column, written by cluster.sh): plain configs, a unit
//! passing --config with a RequiresMountsFor drop-in, the generated unit without
//! ordering, an unparsable config, an f-string SHARED_DIR, and runner-02 with no
//! shared_dir in rivershare.toml at all.

use libtest_mimic::{Failed, Trial};
use serde_json::Value;

use crate::e2e::node_json;
use crate::support::node_table;
use crate::{ensure, whole_cluster};

pub fn trials() -> Vec<Trial> {
    vec![
        Trial::test(
            "kohakuriver_shared_dir_source_per_node",
            shared_dir_source_trial,
        ),
        Trial::test("kohakuriver_unit_and_config_facts_in_json", facts_trial),
        Trial::test(
            "kohakuriver_findings_name_lines_paths_and_units",
            findings_trial,
        ),
    ]
}

/// Every finding with `code` in the document.
fn all_of<'a>(doc: &'a Value, code: &str) -> Vec<&'a Value> {
    doc["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["code"] == code)
        .collect()
}

/// The one finding with `code` in the document.
fn finding<'a>(doc: &'a Value, code: &str) -> Result<&'a Value, Failed> {
    let all = all_of(doc, code);
    match all.as_slice() {
        [one] => Ok(one),
        _ => Err(Failed::from(format!(
            "want exactly one {code} finding, got {}: {:#}",
            all.len(),
            doc["findings"]
        ))),
    }
}

fn strings(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_owned))
        .collect();
    out.sort();
    out
}

fn shared_dir_source_trial() -> Result<(), Failed> {
    let doc = whole_cluster()?.json()?;
    for spec in node_table().iter().filter(|n| n.role.is_some()) {
        let n = node_json(doc, &spec.name)?;
        let want = if spec.kohakuriver == "discover" {
            "kohakuriver"
        } else {
            "config"
        };
        ensure(n["shared_dir_source"] == want, || {
            format!(
                "node {}: shared_dir_source {} should be {want}",
                spec.name, n["shared_dir_source"]
            )
        })?;
        // The discovered folder is the one probed: runner-02's sshfs mount is there.
        ensure(n["shared_dir"] == spec.shared_dir.as_str(), || {
            format!(
                "node {}: shared_dir {} should be {}",
                spec.name, n["shared_dir"], spec.shared_dir
            )
        })?;
    }
    let r2 = node_json(doc, "runner-02")?;
    ensure(
        r2["mount"]["fstype"] == "fuse.sshfs" && r2["mount"]["target"] == "/data/share",
        || format!("runner-02 was probed at its discovered /data/share: {r2:#}"),
    )?;
    // Verification wrote and read at /data/share too: runner-02 shares storage.
    let shared = strings(&doc["verify"]["shared"]);
    ensure(shared.iter().any(|n| n == "runner-02"), || {
        format!("runner-02 should be in the shared group: {shared:?}")
    })
}

fn facts_trial() -> Result<(), Failed> {
    let doc = whole_cluster()?.json()?;
    let k = |name: &str| node_json(doc, name).map(|n| n["kohakuriver"].clone());
    // The unit's --config file was read (a second round trip), and its drop-in seen.
    let r1 = k("runner-01")?;
    ensure(r1["config_path"] == "/etc/kohakuriver/runner.py", || {
        format!("runner-01: {r1:#}")
    })?;
    ensure(r1["unit"]["name"] == "kohakuriver-runner", || {
        format!("runner-01: {r1:#}")
    })?;
    ensure(
        strings(&r1["unit"]["requires_mounts_for"]) == ["/mnt/cluster-share"],
        || format!("runner-01: {r1:#}"),
    )?;
    // No unit at all: the facts say so (and no unit_not_ordered follows).
    let r2 = k("runner-02")?;
    ensure(
        r2["unit"].is_null()
            && r2["config_path"] == "/root/.kohakuriver/runner_config.py"
            && r2["shared_dir"] == "/data/share",
        || format!("runner-02: {r2:#}"),
    )?;
    let host = k("host")?;
    ensure(
        host["config_path"] == "/root/.kohakuriver/host_config.py"
            && host["shared_dir"] == "/mnt/cluster-share"
            && host["problems"].as_array().is_some_and(Vec::is_empty),
        || format!("host: {host:#}"),
    )?;
    let local = k("runner-local")?;
    ensure(
        strings(&local["unit"]["ordered_after"]) == ["network.target"]
            && strings(&local["unit"]["requires_mounts_for"]).is_empty(),
        || format!("runner-local: {local:#}"),
    )?;
    // Unreachable nodes were not read.
    ensure(k("runner-down")?.is_null(), || {
        "runner-down: kohakuriver should be null".into()
    })
}

fn findings_trial() -> Result<(), Failed> {
    let doc = whole_cluster()?.json()?;
    // One finding per node: each names its own node in the fix.
    let unreadable = all_of(doc, "config_unreadable");
    let mut nodes: Vec<String> = unreadable
        .iter()
        .flat_map(|f| strings(&f["nodes"]))
        .collect();
    nodes.sort();
    ensure(nodes == ["runner-ro", "runner-tmpfs"], || {
        format!("config_unreadable nodes: {unreadable:#?}")
    })?;
    let evidence: Vec<String> = unreadable
        .iter()
        .flat_map(|f| strings(&f["evidence"]))
        .collect();
    let has = |want: &str| evidence.iter().any(|e| e.starts_with(want));
    ensure(
        has(
            "runner-tmpfs: line 4: /root/.kohakuriver/runner_config.py: unterminated string literal: Python refuses to load it; rivershare uses SHARED_DIR /mnt/cluster-share (set in rivershare's config)",
        ),
        || format!("config_unreadable evidence: {evidence:#?}"),
    )?;
    ensure(
        has(
            "runner-ro: line 4: SHARED_DIR in /root/.kohakuriver/runner_config.py is not a plain string (f\"{BASE}/cluster-share\")",
        ),
        || format!("config_unreadable evidence: {evidence:#?}"),
    )?;

    let f = finding(doc, "shared_dir_differs")?;
    ensure(strings(&f["nodes"]) == ["runner-02"], || {
        format!("shared_dir_differs nodes: {f:#}")
    })?;
    let evidence = strings(&f["evidence"]);
    ensure(
        evidence.iter().any(|e| e == "runner-02: /data/share")
            && evidence.iter().any(|e| {
                e.starts_with("host,") && e.ends_with(": /mnt/cluster-share   (the Host's)")
            }),
        || format!("shared_dir_differs evidence: {evidence:#?}"),
    )?;
    ensure(
        f["why"].as_str().is_some_and(|w| w.contains("task logs")),
        || format!("shared_dir_differs why: {}", f["why"]),
    )?;

    let f = finding(doc, "unit_not_ordered")?;
    ensure(strings(&f["nodes"]) == ["runner-local"], || {
        format!("unit_not_ordered nodes (runner-01/03 have the drop-in): {f:#}")
    })?;
    ensure(
        f["hint"]
            .as_str()
            .is_some_and(|h| h.contains("[Unit]\nRequiresMountsFor=/mnt/cluster-share")),
        || format!("unit_not_ordered hint: {}", f["hint"]),
    )
}
