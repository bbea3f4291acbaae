//! `cluster_nodes_look_as_intended`: proves the test cluster itself with the OpenSSH
//! client only (strict host key checking against the generated known_hosts), so the
//! `check` trials can trust what each node is.

use std::time::Duration;

use libtest_mimic::Failed;

use crate::support::{STORAGE_SOURCE, node_table};
use crate::{cluster, ensure};

const LAYOUT: [&str; 3] = ["kohakuriver-containers", "shared_data", "logs"];

pub fn cluster_nodes_look_as_intended() -> Result<(), Failed> {
    let c = cluster()?;
    let token = format!("rvs-token-{}", std::process::id());
    let mut problems = Vec::new();
    for n in node_table() {
        let dir = &n.shared_dir;
        let mut check = |ok: Result<(), String>| {
            if let Err(e) = ok {
                problems.push(format!("node {}: {e}", n.name));
            }
        };
        match n.kind.as_str() {
            "down" => {
                let out = c.ssh(&n.name, "true")?;
                check(expect(
                    out.code == Some(255) && out.stderr.contains("Connection refused"),
                    || format!("ssh should be refused, got {}", out.describe()),
                ));
                check(expect(out.elapsed < Duration::from_secs(2), || {
                    format!("refusal took {:.2} s", out.elapsed.as_secs_f64())
                }));
                continue;
            }
            "dropped" => {
                let out = c.ssh(&n.name, "true")?;
                check(expect(
                    out.code == Some(255) && out.stderr.contains("timed out"),
                    || format!("ssh should time out, got {}", out.describe()),
                ));
                continue;
            }
            _ => {}
        }
        // Every reachable node: its own hostname (uts ns) and its own root (overlay).
        check(
            c.ssh_ok(&n.name, "hostname")
                .and_then(|h| expect(h.trim() == n.name, || format!("hostname is {h:?}"))),
        );
        let mounts = |target: &str| {
            c.ssh_ok(
                &n.name,
                &format!("findmnt -n -o TARGET,FSTYPE,SOURCE,OPTIONS -T {target}"),
            )
            .map(|s| s.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        };
        match n.kind.as_str() {
            "storage" => check(
                c.ssh_ok(&n.name, "ls /export")
                    .and_then(|ls| has_layout(&ls)),
            ),
            "sshfs" | "sshfs-ro" | "sshfs-jump" | "sshfs-flaky" => {
                check(mounts(dir).and_then(|m| {
                    expect(
                        m.len() == 4
                            && m[0] == *dir
                            && m[1] == "fuse.sshfs"
                            && m[2] == STORAGE_SOURCE,
                        || {
                            format!(
                                "{dir} should be the sshfs mount point of {STORAGE_SOURCE}: {m:?}"
                            )
                        },
                    )?;
                    let ro = m[3].split(',').any(|o| o == "ro");
                    expect(ro == (n.kind == "sshfs-ro"), || {
                        format!("mount options {}", m[3])
                    })
                }));
                check(
                    c.ssh_ok(&n.name, &format!("ls {dir}"))
                        .and_then(|ls| has_layout(&ls)),
                );
                if n.kind == "sshfs-ro" {
                    let out = c.ssh(&n.name, &format!("touch {dir}/{token}"))?;
                    check(expect(
                        out.code != Some(0) && out.stderr.contains("Read-only file system"),
                        || format!("write should fail with EROFS: {}", out.describe()),
                    ));
                }
            }
            "sshfs-dead" | "sshfs-hung" => {
                // The mount table still answers; the mount itself does not.
                check(mounts(dir).and_then(|m| {
                    expect(m.len() == 4 && m[0] == *dir && m[1] == "fuse.sshfs", || {
                        format!("{dir} should still be listed as the sshfs mount point: {m:?}")
                    })
                }));
                let out = c.ssh(&n.name, &format!("timeout -k 1 2 stat {dir}"))?;
                check(if n.kind == "sshfs-dead" {
                    expect(
                        out.code == Some(1)
                            && out.stderr.contains("Transport endpoint is not connected"),
                        || format!("stat should fail with ENOTCONN: {}", out.describe()),
                    )
                } else {
                    expect(matches!(out.code, Some(124) | Some(137)), || {
                        format!(
                            "stat should hang until timeout kills it: {}",
                            out.describe()
                        )
                    })
                });
            }
            "localdir" => {
                check(mounts(dir).and_then(|m| {
                    expect(m.get(0..2) == Some(&["/".into(), "overlay".into()]), || {
                        format!("{dir} should sit on the overlay root: {m:?}")
                    })
                }));
                check(
                    c.ssh_ok(&n.name, &format!("ls {dir}"))
                        .and_then(|ls| has_layout(&ls)),
                );
            }
            "missing" => {
                let out = c.ssh(&n.name, &format!("test -e {dir}"))?;
                check(expect(out.code == Some(1), || {
                    format!("{dir} should not exist: {}", out.describe())
                }));
            }
            "tmpfs" => {
                check(mounts(dir).and_then(|m| {
                    expect(m.get(0..2) == Some(&[dir.clone(), "tmpfs".into()]), || {
                        format!("{dir} should be a tmpfs mount point: {m:?}")
                    })
                }));
                check(
                    c.ssh_ok(&n.name, &format!("ls {dir}"))
                        .and_then(|ls| has_layout(&ls)),
                );
            }
            "dropped" | "down" => unreachable!(),
            other => check(Err(format!("unknown kind {other} in nodes.tsv"))),
        }
        if n.kind == "sshfs-jump" {
            // Reached above through `ProxyJump host`; directly, port 22 swallows the operator.
            let out = c.ssh_with(&["-o", "ProxyJump=none"], &n.name, "true")?;
            check(expect(
                out.code == Some(255) && out.stderr.contains("timed out"),
                || {
                    format!(
                        "a direct connection should time out, got {}",
                        out.describe()
                    )
                },
            ));
        }
        // fstab lists the share exactly where nodes.tsv says so.
        if n.kind != "storage" {
            check(c.ssh_ok(&n.name, "cat /etc/fstab").and_then(|fstab| {
                let listed = fstab
                    .lines()
                    .any(|l| !l.starts_with('#') && l.split_whitespace().nth(1) == Some(dir));
                expect(listed == n.fstab, || {
                    format!("fstab lists {dir}: {listed}, want {}:\n{fstab}", n.fstab)
                })
            }));
        }
    }

    // The storage is really shared: written on host, read on runner-01, runner-02 (another
    // path) and runner-ro, and on the export itself; and each node has its own root.
    let shared = |node: &str| crate::spec_node(node).shared_dir;
    c.ssh_ok(
        "host",
        &format!(
            "echo {token} > {}/{token} && echo {token} > /root/{token}",
            shared("host")
        ),
    )?;
    for reader in [
        "runner-01",
        "runner-02",
        "runner-03",
        "runner-behind",
        "runner-ro",
    ] {
        let got = c.ssh_ok(reader, &format!("cat {}/{token}", shared(reader)))?;
        if got.trim() != token {
            problems.push(format!(
                "node {reader}: read {got:?} from the share, want {token}"
            ));
        }
    }
    let got = c.ssh_ok(
        "storage",
        &format!("cat /export/{token} && rm /export/{token}"),
    )?;
    ensure(got.trim() == token, || {
        format!("storage: /export/{token} holds {got:?}")
    })?;
    let out = c.ssh("runner-01", &format!("test -e /root/{token}"))?;
    if out.code != Some(1) {
        problems.push(format!(
            "runner-01 sees host's /root/{token}: roots are not separate"
        ));
    }
    ensure(problems.is_empty(), || problems.join("\n"))
}

fn expect(cond: bool, msg: impl FnOnce() -> String) -> Result<(), String> {
    if cond { Ok(()) } else { Err(msg()) }
}

fn has_layout(ls: &str) -> Result<(), String> {
    let names: Vec<&str> = ls.split_whitespace().collect();
    let missing: Vec<&str> = LAYOUT
        .iter()
        .copied()
        .filter(|d| !names.contains(d))
        .collect();
    expect(missing.is_empty(), || {
        format!("layout folders missing: {missing:?} (ls: {names:?})")
    })
}
