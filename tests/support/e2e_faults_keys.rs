//! The host key fault trials on runner-fault (see e2e_faults.rs for the rules): a changed
//! key is refused with no probe data and no connection kept; an unknown key is refused
//! under strict and recorded under accept-new.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use libtest_mimic::Failed;

use crate::e2e_faults::{
    FAULT, PEERS, baseline, fault_check, node_pids, peers_unaffected, refused_as, summary,
    within_bound,
};
use crate::e2e_keys::{fresh_public_key, host_public_key};
use crate::{cluster, ensure, run_check, spec_node};

/// known_hosts with runner-fault's line changed (`Some(key)`) or removed (`None`).
fn known_hosts_variant(label: &str, key: Option<&str>) -> Result<std::path::PathBuf, Failed> {
    let c = cluster()?;
    let spec = spec_node(FAULT);
    let prefix = format!("{},{} ", spec.address, spec.name);
    let original = std::fs::read_to_string(c.path("known_hosts"))?;
    ensure(original.lines().any(|l| l.starts_with(&prefix)), || {
        format!("known_hosts has no line {prefix}")
    })?;
    let mut text = String::new();
    for line in original.lines() {
        match (line.starts_with(&prefix), key) {
            (true, Some(k)) => text.push_str(&format!("{prefix}{k}\n")),
            (true, None) => {}
            (false, _) => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    let path = c.path(&format!("known_hosts.{label}"));
    std::fs::write(&path, text)?;
    Ok(path)
}

/// sshd processes on runner-fault (the listener and one per connection).
fn sshd_pids() -> Result<BTreeSet<u32>, Failed> {
    Ok(node_pids(FAULT)?
        .into_iter()
        .filter(|p| {
            std::fs::read_to_string(format!("/proc/{p}/comm")).is_ok_and(|c| c.trim() == "sshd")
        })
        .collect())
}

/// sshd processes on runner-fault that were not in `before`: the sessions of this
/// trial's connections. An earlier trial's session may still be winding down (a link
/// cut mid-sweep ends only when sshd notices), and is not this trial's to judge.
fn new_sshd_sessions(before: &BTreeSet<u32>) -> Result<usize, Failed> {
    Ok(sshd_pids()?.difference(before).count())
}

pub(crate) fn host_key_changed() -> Result<(), Failed> {
    baseline()?;
    let c = cluster()?;
    let key = fresh_public_key(&c.path("fault-hostkey-key"))?;
    let kh = known_hosts_variant("fault-hostkey-changed", Some(&key))?;
    // runner-hung keeps the check running (its probe waits on step timeouts) while we
    // look at runner-fault: the refused connection must be gone by then.
    let nodes: Vec<&str> = [FAULT]
        .iter()
        .chain(PEERS)
        .chain(&["runner-hung"])
        .copied()
        .collect();
    let config = c.write_config("fault-hostkey-changed", &nodes, &kh, "strict");
    let log = c.path(&format!("logs/{FAULT}.log"));
    let log_before = std::fs::read_to_string(&log)?.len();
    let sshd_before = sshd_pids()?;
    let config = config.display().to_string();
    let check = std::thread::spawn(move || {
        run_check(&["check", "--json", "--only", "mounts", "--config", &config])
            .map_err(|e| e.message().unwrap_or("").to_owned())
    });
    let t0 = Instant::now();
    let mut observed = None;
    while !check.is_finished() && t0.elapsed() < Duration::from_secs(20) {
        let text = std::fs::read_to_string(&log)?;
        let new = &text[log_before.min(text.len())..];
        let closed = [
            "Connection closed by 10.250.0.1",
            "Connection reset by 10.250.0.1",
            "Disconnected from",
        ]
        .iter()
        .any(|m| new.contains(m));
        if closed && new_sshd_sessions(&sshd_before)? == 0 && !check.is_finished() {
            observed = Some(t0.elapsed());
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let run = check
        .join()
        .map_err(|_| Failed::from("the check thread panicked"))?
        .map_err(Failed::from)?;
    let text = std::fs::read_to_string(&log)?;
    let new = &text[log_before.min(text.len())..];
    ensure(observed.is_some(), || {
        format!(
            "while the check still ran, {FAULT}'s refused connection should be closed and no sshd session left; sshd log:\n{new}"
        )
    })?;
    eprintln!(
        "host key changed: connection closed, no session left at {:.2} s (check still running)",
        observed.unwrap_or_default().as_secs_f64()
    );
    ensure(!new.contains("Accepted publickey"), || {
        format!("rivershare authenticated to {FAULT} despite the changed host key:\n{new}")
    })?;
    refused_as(&run, "host_key_changed", &["changed"])?;
    peers_unaffected(run.json()?)?;
    within_bound("host key changed", &run)
}

pub(crate) fn host_key_unknown() -> Result<(), Failed> {
    baseline()?;
    let c = cluster()?;
    let kh = known_hosts_variant("fault-hostkey-unknown", None)?;
    let run = fault_check("fault-hostkey-strict", Some(kh.clone()), "strict")?;
    refused_as(&run, "host_key_unknown", &["not in"])?;
    peers_unaffected(run.json()?)?;
    within_bound("host key unknown, strict", &run)?;
    // accept-new: the same file, the key is recorded and runner-fault probed as usual.
    let run = fault_check("fault-hostkey-accept-new", Some(kh.clone()), "accept-new")?;
    let doc = run.json()?;
    let (got, want) = (summary(doc, FAULT)?, summary(baseline()?, FAULT)?);
    ensure(got == want, || {
        format!(
            "accept-new: {FAULT} should be probed as in the baseline:\n got {got:#}\nwant {want:#}"
        )
    })?;
    let recorded = std::fs::read_to_string(&kh)?;
    let key = host_public_key(c, FAULT)?;
    ensure(recorded.contains(&key), || {
        format!("accept-new did not record {FAULT}'s key:\n{recorded}")
    })?;
    peers_unaffected(doc)?;
    within_bound("host key unknown, accept-new", &run)
}
