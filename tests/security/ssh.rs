//! What rivershare asks of an SSH server and what it keeps of its secrets, seen
//! from the outside: the server's own log, the session's environment on the
//! node, the log file at trace level, the JSON report, the terminal.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::sshd::{Sshd, keygen, run};
use super::text;

/// An sshd that records each session's environment (`env` into `envs/`) before
/// running the client's command, and allows agent forwarding, so a request for
/// it would be granted and show in both places.
struct Node {
    tmp: tempfile::TempDir,
    sshd: Sshd,
    envs: PathBuf,
    known_hosts: PathBuf,
    ssh_config: PathBuf,
    share: PathBuf,
}

fn node() -> Node {
    let tmp = tempfile::tempdir().expect("tempdir");
    let envs = tmp.path().join("envs");
    let share = tmp.path().join("share");
    std::fs::create_dir_all(&envs).expect("envs");
    std::fs::create_dir_all(share.join("kohakuriver-containers")).expect("share");
    // sshd runs ForceCommand through the user's shell with -c; the original
    // command then runs as sshd would have run it.
    let force = format!(
        "AllowAgentForwarding yes\nForceCommand env > {}/env.$$; exec /bin/sh -c \"$SSH_ORIGINAL_COMMAND\"",
        envs.display()
    );
    let sshd = Sshd::start(&tmp.path().join("sshd"), &force);
    let known_hosts = tmp.path().join("known_hosts");
    std::fs::write(&known_hosts, format!("{}\n", sshd.known_hosts_line())).expect("known_hosts");
    let ssh_config = tmp.path().join("ssh_config");
    std::fs::write(&ssh_config, "").expect("ssh_config");
    Node {
        tmp,
        sshd,
        envs,
        known_hosts,
        ssh_config,
        share,
    }
}

impl Node {
    fn config(&self, key: &Path) -> PathBuf {
        let path = self.tmp.path().join("rivershare.toml");
        let user = run(Command::new("id").arg("-un")).trim().to_owned();
        std::fs::write(
            &path,
            format!(
                "known_hosts = {:?}\nssh_config = {:?}\nmin_free_gib = 0\n\n[[nodes]]\nname = \"runner-1\"\n\
                 role = \"host\"\naddress = \"127.0.0.1\"\nport = {}\nuser = {user:?}\n\
                 identity_files = [{:?}]\nshared_dir = {:?}\n",
                self.known_hosts.display().to_string(),
                self.ssh_config.display().to_string(),
                self.sshd.port,
                key.display().to_string(),
                self.share.display().to_string(),
            ),
        )
        .expect("config");
        path
    }

    /// Every session environment the node recorded.
    fn session_envs(&self) -> Vec<String> {
        std::fs::read_dir(&self.envs)
            .expect("envs")
            .map(|e| std::fs::read_to_string(e.expect("entry").path()).expect("env file"))
            .collect()
    }
}

struct Agent {
    child: Child,
    sock: PathBuf,
}

impl Agent {
    fn start(dir: &Path) -> Agent {
        let sock = dir.join("agent.sock");
        let child = Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&sock)
            .stdout(Stdio::null())
            .spawn()
            .expect("ssh-agent must be installed (openssh-client)");
        let deadline = Instant::now() + Duration::from_secs(5);
        while !sock.exists() {
            assert!(Instant::now() < deadline, "ssh-agent did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Agent { child, sock }
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn report_node(stdout: &[u8]) -> serde_json::Value {
    let report: serde_json::Value = serde_json::from_slice(stdout)
        .unwrap_or_else(|e| panic!("check --json: {e}: {}", text(stdout)));
    report["nodes"][0].clone()
}

/// With an ssh-agent holding the node's key (so rivershare uses the agent),
/// a full `check` never asks for agent forwarding: sshd logs no
/// `auth-agent-req@openssh.com` and no session on the node has SSH_AUTH_SOCK.
/// OpenSSH's `ssh -A` on the same server does both, so the test can fail.
#[test]
fn agent_forwarding_is_never_requested() {
    let n = node();
    let key = n.tmp.path().join("id_ed25519");
    n.sshd.authorize(&keygen(&key, "ed25519", ""));
    let agent = Agent::start(n.tmp.path());
    run(Command::new("ssh-add")
        .arg("-q")
        .arg(&key)
        .env("SSH_AUTH_SOCK", &agent.sock));
    let config = n.config(&key);
    let out = Command::new(env!("CARGO_BIN_EXE_rivershare"))
        .args([
            "--config",
            config.to_str().expect("utf-8"),
            "check",
            "--json",
        ])
        .env("HOME", n.tmp.path())
        .env("XDG_STATE_HOME", n.tmp.path().join("state"))
        .env("SSH_AUTH_SOCK", &agent.sock)
        .env_remove("RIVERSHARE_CONFIG")
        .output()
        .expect("rivershare runs");
    let node = report_node(&out.stdout);
    assert_eq!(node["reachable"], true, "{node}\n{}", text(&out.stderr));
    let log = n.sshd.log_text();
    assert!(
        log.contains("Accepted publickey"),
        "rivershare logged in: {log}"
    );
    assert!(
        log.contains("req exec"),
        "sshd logs each channel request at this level: {log}"
    );
    assert!(
        !log.contains("auth-agent-req"),
        "rivershare asked for agent forwarding: {log}"
    );
    let envs = n.session_envs();
    assert!(!envs.is_empty(), "the node recorded rivershare's sessions");
    for env in &envs {
        assert!(env.contains("SSH_CONNECTION="), "{env}");
        assert!(!env.contains("SSH_AUTH_SOCK"), "a forwarded agent: {env}");
    }

    // The control: OpenSSH with -A asks, and the node gets an agent socket.
    for f in std::fs::read_dir(&n.envs).expect("envs") {
        std::fs::remove_file(f.expect("entry").path()).expect("rm");
    }
    let out = Command::new("ssh")
        .args(["-A", "-F", "/dev/null", "-o", "BatchMode=yes"])
        .arg("-o")
        .arg(format!("UserKnownHostsFile={}", n.known_hosts.display()))
        .args(["-p", &n.sshd.port.to_string(), "127.0.0.1", "true"])
        .env("SSH_AUTH_SOCK", &agent.sock)
        .output()
        .expect("ssh runs");
    assert!(out.status.success(), "ssh -A: {}", text(&out.stderr));
    assert!(n.sshd.log_text().contains("auth-agent-req@openssh.com"));
    assert!(
        n.session_envs()
            .iter()
            .any(|e| e.contains("SSH_AUTH_SOCK=")),
        "{:?}",
        n.session_envs()
    );
}

const PASSPHRASE: &str = "correct horse 7a1e battery";

/// An encrypted key's passphrase is asked on the terminal (rpassword, echo off)
/// and used, but never written anywhere: not in the log at
/// `RIVERSHARE_LOG=trace`, not in `check --json`, not echoed on the terminal.
#[test]
fn a_key_passphrase_never_reaches_the_log_the_json_or_the_screen() {
    let n = node();
    let key = n.tmp.path().join("id_locked");
    n.sshd.authorize(&keygen(&key, "ed25519", PASSPHRASE));
    let config = n.config(&key);
    let log = n.tmp.path().join("trace.log");
    let json = n.tmp.path().join("report.json");
    // Under `script` stdin and stderr are a pty, so rivershare may ask; stdout
    // goes to the JSON file.
    let line = format!(
        "env -u SSH_AUTH_SOCK -u RIVERSHARE_CONFIG RIVERSHARE_LOG=trace HOME={home} \
         {bin} --log-file {log} --config {config} check --json > {json}; echo EXIT=$?",
        home = rivershare::shell::sh_quote(&n.tmp.path().display().to_string()),
        bin = rivershare::shell::sh_quote(env!("CARGO_BIN_EXE_rivershare")),
        log = rivershare::shell::sh_quote(&log.display().to_string()),
        config = rivershare::shell::sh_quote(&config.display().to_string()),
        json = rivershare::shell::sh_quote(&json.display().to_string()),
    );
    let mut child = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script (util-linux) runs");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut seen = String::new();
    let mut buf = [0u8; 4096];
    while !seen.contains("Enter passphrase for key") {
        let got = stdout.read(&mut buf).expect("read the terminal");
        assert!(got > 0, "no passphrase prompt: {seen}");
        seen.push_str(&String::from_utf8_lossy(&buf[..got]));
    }
    stdin
        .write_all(format!("{PASSPHRASE}\n").as_bytes())
        .expect("type the passphrase");
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).expect("read the terminal");
    drop(stdin);
    let status = child.wait().expect("script exits");
    let screen = format!("{seen}{rest}");
    assert!(status.success(), "{screen}");
    assert!(!screen.contains("EXIT=3"), "{screen}");

    let report = std::fs::read_to_string(&json).expect("the JSON report");
    let node = report_node(report.as_bytes());
    assert_eq!(
        node["reachable"], true,
        "the typed passphrase decrypted the key: {node}"
    );
    assert!(n.sshd.log_text().contains("Accepted publickey"));
    let logged = std::fs::read_to_string(&log).expect("the log file");
    assert!(
        logged.contains("TRACE"),
        "the log is at trace level: {logged}"
    );
    // Any 10-character piece of it would be a leak too.
    for (what, haystack) in [("log", &logged), ("JSON", &report), ("terminal", &screen)] {
        for piece in PASSPHRASE.as_bytes().windows(10) {
            let piece = std::str::from_utf8(piece).expect("ascii");
            assert!(
                !haystack.contains(piece),
                "{what} holds {piece:?} of the passphrase"
            );
        }
    }
}
