use std::time::{Duration, UNIX_EPOCH};

use serde_json::Value;

use super::CheckReport;
use crate::diagnose::{Policy, diagnose_with};
use crate::facts::Role;
use crate::testutil::healthy;
use crate::verify::matrix::fixtures::{Node, Sim, bench};

fn check(sim: &Sim, with_verify: bool) -> CheckReport {
    let nodes: Vec<_> = sim
        .names()
        .iter()
        .enumerate()
        .map(|(i, n)| healthy(n, if i == 0 { Role::Host } else { Role::Runner }))
        .collect();
    let verify = with_verify.then(|| sim.report());
    let policy = Policy {
        min_free_bytes: 20 << 30,
        slow_io_mbps: 50.0,
    };
    let findings = diagnose_with(&nodes, verify.as_ref(), None, policy);
    CheckReport::new(
        &nodes,
        findings,
        UNIX_EPOCH,
        Duration::from_millis(1200),
        "embedded".to_owned(),
        vec![],
        verify,
    )
}

fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

#[test]
fn the_verify_object_has_every_documented_key_and_round_trips() {
    let mut sim = Sim::new(&[
        ("host", Node::On("nfs")),
        ("runner-ro", Node::ReadOnly("nfs")),
        ("runner-local", Node::On("disk")),
    ]);
    sim.io_bench = Some(vec![bench("host", Some(120.5), Some(300.0))]);
    let report = check(&sim, true);
    let json: Value = serde_json::to_value(&report).expect("serialises");
    assert_eq!(json["schema"], "rivershare/check/v1");
    let verify = &json["verify"];
    assert_eq!(
        keys(verify),
        vec![
            "cleanup",
            "deadline_ms",
            "groups",
            "io_bench",
            "matrix",
            "run_id",
            "shared",
            "split",
            "writes"
        ]
    );
    assert_eq!(
        keys(&verify["matrix"][0]),
        vec![
            "detail",
            "error_kind",
            "reader",
            "status",
            "visible_after_ms",
            "writer"
        ]
    );
    assert_eq!(
        keys(&verify["writes"][0]),
        vec!["detail", "error_kind", "node", "status"]
    );
    assert_eq!(
        keys(&verify["io_bench"][0]),
        vec!["error", "node", "read_mbps", "write_mbps"]
    );
    assert_eq!(
        keys(&verify["cleanup"]),
        vec!["complete", "problems", "stale_runs_removed"]
    );
    assert_eq!(verify["matrix"].as_array().map(Vec::len), Some(9));
    assert_eq!(verify["matrix"][1]["status"], "ok");
    assert_eq!(verify["matrix"][3]["status"], "skipped");
    assert_eq!(verify["matrix"][3]["detail"], "read_only");
    assert_eq!(verify["matrix"][2]["status"], "missing");
    assert_eq!(
        verify["groups"],
        serde_json::json!([["host", "runner-ro"], ["runner-local"]])
    );
    assert_eq!(verify["shared"], serde_json::json!(["host", "runner-ro"]));
    assert_eq!(verify["split"], false);
    assert_eq!(verify["writes"][1]["status"], "skipped");

    let back: CheckReport = serde_json::from_value(json).expect("deserialises");
    assert_eq!(back, report);
}

#[test]
fn without_verification_the_key_is_null() {
    let sim = Sim::new(&[("host", Node::On("nfs"))]);
    let json: Value = serde_json::to_value(check(&sim, false)).expect("serialises");
    assert_eq!(json["verify"], Value::Null);
    assert!(json.as_object().expect("object").contains_key("verify"));
}

#[test]
fn tarball_keys_are_null_without_the_inventory_and_documented_with_it() {
    let sim = Sim::new(&[("host", Node::On("nfs"))]);
    let plain: Value = serde_json::to_value(check(&sim, false)).expect("serialises");
    for key in ["tarballs", "tarball_summary", "tarball_folder"] {
        assert!(
            plain.as_object().expect("object").contains_key(key),
            "{key}"
        );
        assert_eq!(plain[key], Value::Null, "{key}");
    }
    let report =
        check(&sim, false).with_tarballs(Some(crate::diagnose::tarball_fixture::inventory()));
    let json: Value = serde_json::to_value(&report).expect("serialises");
    assert_eq!(json["schema"], "rivershare/check/v1");
    let first = &json["tarballs"][0];
    for key in [
        "file",
        "name",
        "timestamp",
        "size_bytes",
        "mtime",
        "status",
        "prunable",
    ] {
        assert!(
            first.as_object().expect("object").contains_key(key),
            "{key}"
        );
    }
    assert_eq!(first["file"], "base-1700000300.tar");
    assert_eq!(first["status"], "latest");
    assert_eq!(first["prunable"], false);
    assert_eq!(json["tarballs"][1]["status"], "superseded");
    assert_eq!(json["tarballs"][1]["prunable"], true);
    assert_eq!(json["tarballs"][3]["status"], "in_progress");
    assert_eq!(json["tarballs"][4]["status"], "last_good");
    assert_eq!(
        keys(&json["tarball_summary"][0]),
        vec![
            "bytes",
            "latest_file",
            "name",
            "reclaimable_bytes",
            "versions"
        ]
    );
    assert_eq!(
        keys(&json["tarball_folder"]),
        vec!["dir", "error", "node", "visibility"]
    );
    let back: CheckReport = serde_json::from_value(json).expect("deserialises");
    assert_eq!(back, report);
}
