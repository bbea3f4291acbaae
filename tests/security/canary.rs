//! A SHARED_DIR with every shell-special character (spaces, both quotes, `$()`,
//! backticks, `;`, newlines, a component starting with `-`, a fake framing
//! line) stays data through every script rivershare runs: the probe, the
//! verification (write, read, speed test, clean-up), the tarball listing and a
//! real prune, over SSH (a real sshd) and the local transport at once. A
//! canary command planted in the path must never run, and the report must still
//! be right: both nodes probed, verified to share the folder, the prune done.
//! (The probe alone: tests/probe.rs `hostile_path_is_data_not_code`; the debug
//! commands: tests/engine_local.rs `a_hostile_shared_dir_stays_data_in_debug_commands`.)

use std::process::Command;

use super::sshd::{Sshd, keygen, run};
use super::{age, rivershare, text};

#[test]
fn a_hostile_shared_dir_runs_nothing_through_check_io_bench_and_prune() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).expect("home");
    let canary = tmp.path().join("canary");
    let c = canary.display();
    let name =
        format!("-n it's \"q\" $(touch {c}) `touch {c}` ;touch {c};\n@@rivershare end\n-x $HOME");
    let share = tmp.path().join(&name);
    let tars = share.join("kohakuriver-containers");
    std::fs::create_dir_all(&tars).expect("hostile dir");
    for (i, days) in [(1, 2), (2, 1)] {
        let p = tars.join(format!("env-170000000{i}.tar"));
        std::fs::write(&p, b"tarball").expect("tarball");
        age(&p, days * 86_400);
    }

    let sshd = Sshd::start(&tmp.path().join("sshd"), "");
    let key = tmp.path().join("id_ed25519");
    sshd.authorize(&keygen(&key, "ed25519", ""));
    let known_hosts = tmp.path().join("known_hosts");
    std::fs::write(&known_hosts, format!("{}\n", sshd.known_hosts_line())).expect("kh");
    let ssh_config = tmp.path().join("ssh_config");
    std::fs::write(&ssh_config, "").expect("ssh_config");
    let user = run(Command::new("id").arg("-un")).trim().to_owned();
    let dir = share.display().to_string();
    let config = tmp.path().join("c.toml");
    std::fs::write(
        &config,
        format!(
            "known_hosts = {kh:?}\nssh_config = {sc:?}\nmin_free_gib = 0\ncommand_timeout_secs = 30\n\n\
             [[nodes]]\nname = \"local-1\"\nrole = \"host\"\ntransport = \"local\"\nshared_dir = {dir:?}\n\n\
             [[nodes]]\nname = \"ssh-1\"\nrole = \"runner\"\naddress = \"127.0.0.1\"\nport = {port}\n\
             user = {user:?}\nidentity_files = [{key:?}]\nshared_dir = {dir:?}\n",
            kh = known_hosts.display().to_string(),
            sc = ssh_config.display().to_string(),
            port = sshd.port,
            key = key.display().to_string(),
        ),
    )
    .expect("config");
    let c = config.to_str().expect("utf-8");

    let out = rivershare(&["--config", c, "check", "--json", "--io-bench"], &home);
    assert!(!canary.exists(), "the path ran as code in check");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", text(&out.stderr)));
    for node in report["nodes"].as_array().expect("nodes") {
        assert_eq!(node["reachable"], true, "{node:#}");
        assert_eq!(node["shared_dir"], dir.as_str(), "{node:#}");
        assert_eq!(node["access"]["read"], true, "{node:#}");
        assert_eq!(node["access"]["write"], true, "{node:#}");
    }
    assert_eq!(
        report["verify"]["shared"],
        serde_json::json!(["local-1", "ssh-1"]),
        "{:#}",
        report["verify"]
    );
    assert_eq!(report["verify"]["cleanup"]["complete"], true);
    let files: Vec<&str> = report["tarballs"]
        .as_array()
        .expect("tarballs")
        .iter()
        .map(|t| t["file"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(files, ["env-1700000001.tar", "env-1700000002.tar"]);

    let out = rivershare(&["--config", c, "prune", "--yes"], &home);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!canary.exists(), "the path ran as code in prune");
    assert!(!tars.join("env-1700000001.tar").exists(), "pruned");
    assert!(tars.join("env-1700000002.tar").exists(), "the latest stays");
    let audit = std::fs::read_to_string(home.join(".state/rivershare/audit.log")).expect("audit");
    assert_eq!(audit.lines().count(), 1, "{audit}");
    assert!(audit.contains("\\n@@rivershare end\\n"), "escaped: {audit}");
}
