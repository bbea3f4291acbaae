//! The transports against real programs: `sh` for the local transport, real
//! OpenSSH `sshd` processes (private, on 127.0.0.1, random ports) for SSH.
//! Every test has its own temp dir and ports, so they all run in parallel.
//!
//! This file holds the shared helpers; the cases live in `tests/ssh/*.rs`.

#[path = "support/sshd.rs"]
mod sshd;

#[path = "ssh/auth.rs"]
mod auth;
#[path = "ssh/channels.rs"]
mod channels;
#[path = "ssh/connect.rs"]
mod connect;
#[path = "ssh/host_keys.rs"]
mod host_keys;
#[path = "ssh/kex.rs"]
mod kex;
#[path = "ssh/local.rs"]
mod local;
#[path = "ssh/resident.rs"]
mod resident;
#[path = "ssh/streaming.rs"]
mod streaming;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rivershare::config::{HostKeyPolicy, Node, SshSettings, TransportKind};
use rivershare::facts::{NodeErrorKind, Role, SharedDirSource};
use rivershare::transport::Transport;
use rivershare::transport::local::LocalTransport;
use rivershare::transport::ssh::{SshContext, SshTransport};
use sshd::{Sshd, free_port, keygen, run};
use tempfile::TempDir;

const CMD: Duration = Duration::from_secs(20);

fn local_user() -> String {
    run(Command::new("id").arg("-un")).trim().to_string()
}

fn node(name: &str, address: &str, port: Option<u16>, ids: Vec<PathBuf>) -> Node {
    Node {
        name: name.to_string(),
        role: Role::Runner,
        address: address.to_string(),
        user: Some(local_user()),
        port,
        identity_files: ids,
        shared_dir: "/mnt/cluster-share".to_string(),
        shared_dir_source: SharedDirSource::Default,
        transport: TransportKind::Ssh,
    }
}

/// One sshd, one authorized client key, a known_hosts that knows the server,
/// and an empty ssh_config (passed as `-F`, so the machine's own config stays out).
struct Env {
    tmp: TempDir,
    sshd: Sshd,
    key: PathBuf,
    known_hosts: PathBuf,
    ssh_config: PathBuf,
}

impl Env {
    fn new(key_kind: &str) -> Env {
        Self::with_sshd(key_kind, "")
    }

    fn with_sshd(key_kind: &str, extra: &str) -> Env {
        let tmp = tempfile::tempdir().expect("tempdir");
        let sshd = Sshd::start(&tmp.path().join("sshd"), extra);
        let key = tmp.path().join(format!("id_{key_kind}"));
        sshd.authorize(&keygen(&key, key_kind, ""));
        let known_hosts = tmp.path().join("known_hosts");
        std::fs::write(&known_hosts, format!("{}\n", sshd.known_hosts_line()))
            .expect("known_hosts");
        let ssh_config = tmp.path().join("ssh_config");
        std::fs::write(&ssh_config, "").expect("ssh_config");
        Env {
            tmp,
            sshd,
            key,
            known_hosts,
            ssh_config,
        }
    }

    fn settings(&self, policy: HostKeyPolicy) -> SshSettings {
        SshSettings {
            ssh_config: Some(self.ssh_config.clone()),
            known_hosts: self.known_hosts.clone(),
            host_key_policy: policy,
            connect_timeout: Duration::from_secs(5),
        }
    }

    fn node(&self) -> Node {
        node(
            "runner-1",
            "127.0.0.1",
            Some(self.sshd.port),
            vec![self.key.clone()],
        )
    }

    async fn connect(
        &self,
        policy: HostKeyPolicy,
    ) -> Result<Arc<SshTransport>, rivershare::facts::NodeError> {
        let n = self.node();
        let ctx =
            SshContext::prepare(std::slice::from_ref(&n), &self.settings(policy), false).await;
        ctx.connect(&n).await
    }
}

async fn assert_runs(t: &dyn Transport) {
    let out = t
        .run(
            "printf 'out %s\\n' \"it's\"; printf 'err\\n' >&2; exit 3",
            CMD,
        )
        .await
        .expect("script runs");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "out it's\n");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "err\n");
    assert_eq!(out.exit_status, Some(3));
}

/// Run the ignored test `name` in a child test process with `envs` set, optionally
/// under `script` (a pseudo-terminal) feeding `tty_input` once `wait_for` shows up.
fn run_child(name: &str, envs: &[(&str, &std::ffi::OsStr)], tty: Option<(&str, &str)>) -> String {
    let exe = std::env::current_exe().expect("test binary");
    let mut cmd = match tty {
        None => {
            let mut c = Command::new(&exe);
            c.args(["--exact", name, "--ignored", "--nocapture"]);
            c
        }
        Some(_) => {
            let line = format!(
                "{} --exact {name} --ignored --nocapture --test-threads=1",
                rivershare::shell::sh_quote(&exe.display().to_string())
            );
            let mut c = Command::new("script");
            c.args(["-qec", &line, "/dev/null"]);
            c
        }
    };
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn child test");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut seen = String::new();
    if let Some((wait_for, input)) = tty {
        use std::io::{Read, Write};
        let mut buf = [0u8; 4096];
        while !seen.contains(wait_for) {
            let n = stdout.read(&mut buf).expect("read child output");
            if n == 0 {
                break;
            }
            seen.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
        stdin
            .write_all(input.as_bytes())
            .expect("type into the tty");
    }
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).expect("read child output");
    drop(stdin);
    let out = child.wait_with_output().expect("child exits");
    let text = format!("{seen}{rest}{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        out.status.success() && text.contains("1 passed"),
        "child test {name} failed:\n{text}"
    );
    text
}
