//! The host key trials of `rivershare check`: strict unknown and changed keys, hashed
//! known_hosts, and accept-new, on the real test cluster.

use std::path::Path;

use libtest_mimic::Failed;

use crate::e2e::{HEALTHY_IN_FSTAB, expect_findings, findings, node_json};
use crate::support::Cluster;
use crate::{cluster, ensure, run_check, spec_node};

/// Strict policy with runner-01 missing from known_hosts (`changed == false`) or with
/// another key in its line (`changed == true`): only runner-01 is refused.
pub(crate) fn host_key_trial(changed: bool) -> Result<(), Failed> {
    let c = cluster()?;
    let label = if changed {
        "hostkey-changed"
    } else {
        "hostkey-unknown"
    };
    let target = spec_node("runner-01");
    let prefix = format!("{},{} ", target.address, target.name);
    let original = std::fs::read_to_string(c.path("known_hosts"))?;
    ensure(original.lines().any(|l| l.starts_with(&prefix)), || {
        format!("known_hosts has no line {prefix}")
    })?;
    let other_key = if changed {
        Some(fresh_public_key(&c.path(&format!("{label}-key")))?)
    } else {
        None
    };
    let mut text = String::new();
    for line in original.lines() {
        if line.starts_with(&prefix) {
            match &other_key {
                Some(key) => text.push_str(&format!("{prefix}{key}\n")),
                None => continue,
            }
        } else {
            text.push_str(line);
            text.push('\n');
        }
    }
    let kh = c.path(&format!("known_hosts.{label}"));
    std::fs::write(&kh, text)?;
    let config = c.write_config(label, &["host", "runner-01"], &kh, "strict");
    let run = run_check(&["check", "--json", "--config", &config.display().to_string()])?;
    let doc = run.json()?;
    let code = if changed {
        "host_key_changed"
    } else {
        "host_key_unknown"
    };
    let n = node_json(doc, "runner-01")?;
    ensure(n["error"]["kind"] == code, || {
        format!("runner-01 error.kind should be {code}: {n:#}")
    })?;
    ensure(n["mount"].is_null() && n["access"].is_null(), || {
        format!("runner-01 must not be probed: {n:#}")
    })?;
    let got = findings(doc);
    let want = vec![(code.to_string(), vec!["runner-01".to_string()])];
    ensure(got == want, || format!("findings {got:?}, want {want:?}"))?;
    ensure(run.out.code == Some(2), || {
        format!("exit code should be 2: {}", run.out.describe())
    })
}

/// A new ed25519 public key ("ssh-ed25519 AAAA..."), not any node's.
pub(crate) fn fresh_public_key(path: &Path) -> Result<String, Failed> {
    let _ = std::fs::remove_file(path);
    let out = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(path)
        .output()?;
    ensure(out.status.success(), || {
        format!("ssh-keygen failed: {out:?}")
    })?;
    let public = std::fs::read_to_string(path.with_extension("pub"))?;
    Ok(public
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" "))
}

pub(crate) fn hashed_known_hosts_trial() -> Result<(), Failed> {
    let c = cluster()?;
    let kh = c.path("known_hosts.hashed");
    std::fs::copy(c.path("known_hosts"), &kh)?;
    let out = std::process::Command::new("ssh-keygen")
        .arg("-H")
        .arg("-f")
        .arg(&kh)
        .output()?;
    ensure(out.status.success(), || {
        format!("ssh-keygen -H failed: {out:?}")
    })?;
    let text = std::fs::read_to_string(&kh)?;
    ensure(text.lines().all(|l| l.starts_with("|1|")), || {
        format!("known_hosts not hashed:\n{text}")
    })?;
    let config = c.write_config("hashed", HEALTHY_IN_FSTAB, &kh, "strict");
    let run = run_check(&["check", "--json", "--config", &config.display().to_string()])?;
    expect_findings("hashed known_hosts", &run, 0, &[])
}

/// accept-new with an empty known_hosts: every node is probed and its key recorded; then a
/// changed key in that file is still refused.
pub(crate) fn accept_new_trial() -> Result<(), Failed> {
    let c = cluster()?;
    let kh = c.path("known_hosts.accept-new");
    std::fs::write(&kh, "")?;
    let nodes = ["host", "runner-01"];
    let config = c.write_config("accept-new", &nodes, &kh, "accept-new");
    let config = config.display().to_string();
    let run = run_check(&["check", "--json", "--config", &config])?;
    expect_findings("accept-new, first contact", &run, 0, &[])?;
    let recorded = std::fs::read_to_string(&kh)?;
    for name in nodes {
        let key = host_public_key(c, name)?;
        ensure(recorded.contains(&key), || {
            format!("accept-new did not record {name}'s key:\n{recorded}")
        })?;
    }
    let other = fresh_public_key(&c.path("accept-new-key"))?;
    let other = other
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_string();
    let tampered = recorded.replace(&host_public_key(c, "runner-01")?, &other);
    std::fs::write(&kh, tampered)?;
    let run = run_check(&["check", "--json", "--config", &config])?;
    expect_findings(
        "accept-new, changed key",
        &run,
        2,
        &[("host_key_changed", &["runner-01"])],
    )
}

/// The base64 part of a node's host public key, as it appears in known_hosts.
pub(crate) fn host_public_key(c: &Cluster, name: &str) -> Result<String, Failed> {
    let public = std::fs::read_to_string(c.path(&format!("hostkeys/{name}.pub")))?;
    public
        .split_whitespace()
        .nth(1)
        .map(str::to_string)
        .ok_or_else(|| Failed::from(format!("hostkeys/{name}.pub is malformed")))
}
