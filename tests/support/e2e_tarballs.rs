//! Container tarballs on the real cluster (issue 4): the inventory's statuses and
//! findings in `check`, and `prune` (dry run, `--yes`, a file replaced between the
//! listing and the delete, the audit log).
//!
//! Each trial seeds the storage node's /export/kohakuriver-containers (which every
//! sshfs node mounts as its tarball folder), and empties it again at the end, also
//! on failure (a Drop guard), so the other trials see the folder as cluster.sh made it.

use std::collections::BTreeMap;

use libtest_mimic::{Failed, Trial};
use serde_json::Value;

use crate::support::Cluster;
use crate::{cluster, ensure};

#[path = "tarball_seed.rs"]
mod seed;
use seed::{
    ENTRIES, EXPECTED, HOST_DIR, IMPORTANT, NODES, STORAGE_DIR, Seeded, hex, superseded,
    wait_for_host_size,
};

type TrialFn = fn() -> Result<(), Failed>;

pub fn trials() -> Vec<Trial> {
    let list: Vec<(&str, TrialFn)> = vec![
        ("tarballs_inventory_statuses_and_findings", inventory_trial),
        (
            "tarballs_prune_dry_run_then_yes_skips_a_file_replaced_in_between",
            prune_trial,
        ),
    ];
    list.into_iter()
        .map(|(name, f)| Trial::test(name, f))
        .collect()
}

fn config(c: &Cluster) -> String {
    c.write_config("tarballs", NODES, &c.path("known_hosts"), "strict")
        .display()
        .to_string()
}

/// The state dir of the trial's rivershare runs (so the audit log is inside the statedir).
fn state_home(c: &Cluster) -> String {
    c.path("tarball-state").display().to_string()
}

fn json(out: &crate::support::RunOutput) -> Result<Value, Failed> {
    serde_json::from_str(out.stdout.trim())
        .map_err(|e| Failed::from(format!("not one JSON document ({e}): {}", out.describe())))
}

fn finding_nodes(doc: &Value, code: &str) -> Vec<String> {
    doc["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["code"] == code)
        .flat_map(|f| f["nodes"].as_array().cloned().unwrap_or_default())
        .filter_map(|n| n.as_str().map(str::to_owned))
        .collect()
}

fn inventory_trial() -> Result<(), Failed> {
    let c = cluster()?;
    // The shared whole-cluster check runs first, so it never sees the seeded folder;
    // on the folder cluster.sh made (empty), the inventory adds no finding.
    let whole = crate::whole_cluster()?.json()?;
    let tarball_codes: Vec<&Value> = whole["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| {
            f["code"]
                .as_str()
                .is_some_and(|c| c.starts_with("tarball_"))
        })
        .collect();
    ensure(tarball_codes.is_empty(), || {
        format!("the empty tarball folder gives no finding: {tarball_codes:?}")
    })?;
    ensure(whole["tarballs"] == serde_json::json!([]), || {
        format!(
            "whole cluster: tarballs {} (folder {})",
            whole["tarballs"], whole["tarball_folder"]
        )
    })?;
    eprintln!(
        "whole-cluster check with the inventory: {} ms",
        whole["duration_ms"]
    );
    let seeded = Seeded::new(c)?;
    let config = config(c);
    let out = c.rivershare_env(
        &["check", "--json", "--config", &config],
        &[("XDG_STATE_HOME", &state_home(c))],
    )?;
    let doc = json(&out)?;
    let what = || out.describe();
    ensure(doc["schema"] == "rivershare/check/v1", what)?;
    ensure(doc["tarball_folder"]["node"] == "host", || {
        format!("listed on the Host: {:#}", doc["tarball_folder"])
    })?;
    ensure(doc["tarball_folder"]["dir"] == HOST_DIR, || {
        format!("the Host's folder: {:#}", doc["tarball_folder"])
    })?;
    let entries = doc["tarballs"].as_array().cloned().unwrap_or_default();
    let by_file: BTreeMap<String, &Value> = entries
        .iter()
        .filter_map(|e| Some((e["file"].as_str()?.to_owned(), e)))
        .collect();
    for (file, status) in EXPECTED {
        let e = by_file
            .get(*file)
            .ok_or_else(|| Failed::from(format!("{file} missing from tarballs: {}", what())))?;
        ensure(e["status"] == *status, || {
            format!("{file}: status {} expected {status}", e["status"])
        })?;
        ensure(e["prunable"] == (*status == "superseded"), || {
            format!("{file}: prunable {} (status {status})", e["prunable"])
        })?;
        for key in ["name", "timestamp", "size_bytes", "mtime"] {
            ensure(e.get(key).is_some(), || format!("{file}: no `{key}`: {e}"))?;
        }
    }
    let growing = by_file
        .get(&seeded.growing)
        .ok_or_else(|| Failed::from(format!("{} missing: {}", seeded.growing, what())))?;
    ensure(growing["status"] == "in_progress", || {
        format!("the file being written: {growing}")
    })?;
    ensure(
        by_file["alpha-1700000000.tar"]["size_bytes"] == 3000,
        || format!("sizes: {}", by_file["alpha-1700000000.tar"]),
    )?;
    ensure(
        by_file["alpha-1700000000.tar"]["mtime"] == 1_700_000_000,
        || format!("mtimes: {}", by_file["alpha-1700000000.tar"]),
    )?;
    let odd: Vec<&Value> = entries
        .iter()
        .filter(|e| e["file_hex"].is_string())
        .collect();
    ensure(
        odd.len() == 1
            && odd[0]["status"] == "unrecognized"
            && odd[0]["prunable"] == false
            && odd[0]["file_hex"].as_str().is_some_and(|h| {
                h.replace([' ', ':'], "").to_lowercase() == hex("bad") + "ff6e616d652e746172"
            }),
        || format!("the non-UTF-8 .tar: {odd:?}"),
    )?;
    ensure(!by_file.contains_key("notes.txt"), || {
        "a non-tar file is not a tarball".to_owned()
    })?;
    ensure(entries.len() == ENTRIES - 1, || {
        format!(
            "{} tarballs listed, expected {}: {entries:?}",
            entries.len(),
            ENTRIES - 1
        )
    })?;

    let alpha = doc["tarball_summary"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["name"] == "alpha"))
        .ok_or_else(|| Failed::from(format!("no alpha summary: {}", what())))?;
    ensure(
        alpha["versions"] == 3
            && alpha["bytes"] == 9300
            && alpha["reclaimable_bytes"] == 6100
            && alpha["latest_file"] == "alpha-1700000200.tar",
        || format!("alpha summary: {alpha}"),
    )?;

    ensure(finding_nodes(&doc, "tarball_name_case") == ["host"], || {
        format!("tarball_name_case on host: {:#}", doc["findings"])
    })?;
    for code in [
        "tarball_superseded",
        "tarball_in_progress",
        "tarball_unrecognized",
    ] {
        ensure(!finding_nodes(&doc, code).is_empty(), || {
            format!("{code} expected: {:#}", doc["findings"])
        })?;
    }
    // runner-local's own SHARED_DIR holds none of the files: "Tarball not found".
    let not_visible = finding_nodes(&doc, "tarball_not_visible");
    ensure(not_visible == ["runner-local"], || {
        format!(
            "tarball_not_visible only on runner-local: {:#}",
            doc["findings"]
        )
    })?;
    let severity = |code: &str| {
        doc["findings"]
            .as_array()
            .and_then(|fs| fs.iter().find(|f| f["code"] == code))
            .map(|f| f["severity"].clone())
    };
    ensure(
        severity("tarball_not_visible") == Some("critical".into()),
        what,
    )?;
    ensure(
        severity("tarball_name_case") == Some("warning".into()),
        what,
    )?;
    ensure(severity("tarball_superseded") == Some("info".into()), what)?;

    let human = c.rivershare_env(
        &["check", "--only", "mounts,tarballs", "--config", &config],
        &[("XDG_STATE_HOME", &state_home(c))],
    )?;
    for text in [
        format!("Container tarballs in host:{HOST_DIR}"),
        "tarball_name_case".to_owned(),
        "runner-local cannot see".to_owned(),
        "alpha-1700000200.tar".to_owned(),
    ] {
        ensure(human.stdout.contains(&text), || {
            format!("human output should contain {text:?}: {}", human.describe())
        })?;
    }
    drop(seeded);
    Ok(())
}

fn prune_trial() -> Result<(), Failed> {
    let c = cluster()?;
    crate::whole_cluster()?;
    let seeded = Seeded::new(c)?;
    let config = config(c);
    let state = state_home(c);
    let audit = c.path("tarball-state").join("rivershare/audit.log");
    let _ = std::fs::remove_file(&audit);
    let env = [("XDG_STATE_HOME", state.as_str())];
    let before = seeded.state()?;
    let mut want: Vec<&str> = superseded();
    want.sort_unstable();

    // 1. The dry run lists exactly the superseded files and deletes nothing.
    let dry = c.rivershare_env(&["prune", "--json", "--config", &config], &env)?;
    let doc = json(&dry)?;
    ensure(dry.code == Some(0) && doc["dry_run"] == true, || {
        dry.describe()
    })?;
    // Saved, as an operator would, to delete exactly this reviewed list later.
    let plan = c.path("tarball-plan.json");
    std::fs::write(&plan, &dry.stdout)?;
    let plan = plan.display().to_string();
    let mut listed: Vec<String> = results(&doc, "would_delete");
    listed.sort_unstable();
    ensure(listed == want, || {
        format!(
            "dry run should list {want:?}, listed {listed:?}: {}",
            dry.describe()
        )
    })?;
    let freed: u64 = [3000, 3100, 2000, 1690, 500].iter().sum();
    ensure(doc["freed_bytes"] == freed, || {
        format!("freed_bytes: {}", doc["freed_bytes"])
    })?;
    ensure(seeded.state()? == before, || {
        "a dry run changed the folder".to_owned()
    })?;
    ensure(!audit.exists(), || {
        "a dry run wrote the audit log".to_owned()
    })?;
    let human = c.rivershare_env(&["prune", "--config", &config], &env)?;
    ensure(
        human.code == Some(0)
            && human.stdout.contains("5 files would be deleted")
            && want.iter().all(|f| human.stdout.contains(f)),
        || format!("human dry run: {}", human.describe()),
    )?;

    // 2. Between the listing and the delete, one planned file is replaced by a new
    // file of the same name (new inode, size and mtime).
    let replaced = "alpha-1700000000.tar";
    c.ssh_ok(
        "storage",
        &format!("cd {STORAGE_DIR} && head -c 4444 /dev/urandom > .swap && mv -f .swap {replaced}"),
    )?;
    wait_for_host_size(c, replaced, 4444)?;
    let before_yes = seeded.state()?;

    // 3. --yes with the saved dry run deletes the others and skips the replaced one
    // (it is not the file the dry run saw): exit 1.
    let yes = c.rivershare_env(
        &[
            "prune", "--yes", "--plan", &plan, "--json", "--config", &config,
        ],
        &env,
    )?;
    let doc = json(&yes)?;
    ensure(yes.code == Some(1) && doc["exit_code"] == 1, || {
        format!("a skipped file makes exit 1: {}", yes.describe())
    })?;
    let mut deleted = results(&doc, "deleted");
    deleted.sort_unstable();
    let rest: Vec<&str> = want.iter().copied().filter(|f| *f != replaced).collect();
    ensure(deleted == rest, || {
        format!("deleted {deleted:?}, expected {rest:?}")
    })?;
    ensure(results(&doc, "skipped") == [replaced], || {
        format!("{replaced} must be skipped: {}", yes.describe())
    })?;
    let after = seeded.state()?;
    let mut expected_after = before_yes.clone();
    for f in &rest {
        expected_after.remove(&hex(f));
    }
    ensure(after == expected_after, || {
        format!(
            "exactly the deleted files are gone, the rest intact:\nexpected {expected_after:#?}\nfound {after:#?}"
        )
    })?;
    ensure(after.get("important") == before.get("important"), || {
        "the symlink's target changed".to_owned()
    })?;
    ensure(
        after.get(&hex("link-1700000400.tar")) == Some(&format!("L {IMPORTANT}")),
        || format!("the symlink is intact: {after:?}"),
    )?;

    // 4. The audit log has one line per deletion: time, user, node, path, size, mtime.
    let log = std::fs::read_to_string(&audit)
        .map_err(|e| Failed::from(format!("audit log {}: {e}", audit.display())))?;
    let lines: Vec<&str> = log.lines().collect();
    ensure(lines.len() == rest.len(), || {
        format!("audit log lines: {log}")
    })?;
    for f in &rest {
        ensure(
            lines.iter().any(|l| {
                l.contains(&format!("path=\"{HOST_DIR}/{f}\""))
                    && l.contains(" node=host ")
                    && l.contains(" user=")
                    && l.contains(" size=")
                    && l.contains(" mtime=20")
                    && l.starts_with("20")
                    && l.split(' ').next().is_some_and(|t| t.ends_with('Z'))
            }),
            || format!("no audit line for {f}: {log}"),
        )?;
    }

    // 5. A plain --yes lists afresh: the replacement is itself a superseded version,
    // so it goes, and everything asked for went: exit 0.
    let again = c.rivershare_env(&["prune", "--yes", "--json", "--config", &config], &env)?;
    let doc = json(&again)?;
    ensure(again.code == Some(0), || again.describe())?;
    ensure(results(&doc, "deleted") == [replaced], || again.describe())?;
    let last = seeded.state()?;
    ensure(
        !last.contains_key(&hex(replaced)) && last.len() == after.len() - 1,
        || format!("only {replaced} went: {last:?}"),
    )?;
    let log = std::fs::read_to_string(&audit)?;
    ensure(log.lines().count() == rest.len() + 1, || {
        format!("audit log: {log}")
    })?;
    drop(seeded);
    Ok(())
}

fn results(doc: &Value, outcome: &str) -> Vec<String> {
    doc["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["outcome"] == outcome)
        .filter_map(|r| r["file"].as_str().map(str::to_owned))
        .collect()
}
