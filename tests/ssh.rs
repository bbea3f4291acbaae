//! The transports against real programs: `sh` for the local transport, real
//! OpenSSH `sshd` processes (private, on 127.0.0.1, random ports) for SSH.
//! Every test has its own temp dir and ports, so they all run in parallel.

mod support {
    pub mod sshd;
}

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
use support::sshd::{Sshd, free_port, keygen, run};
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

#[tokio::test]
async fn ed25519_key_runs_a_script() {
    let env = Env::new("ed25519");
    let t = env.connect(HostKeyPolicy::Strict).await.expect("connect");
    assert_runs(t.as_ref()).await;
    // stdin is empty (EOF at once), so a read does not hang.
    let out = t.run("cat; echo done", CMD).await.expect("cat");
    assert_eq!(out.stdout, b"done\n");
    assert!(t.rtt().is_some_and(|r| r < Duration::from_secs(1)));
    assert_eq!(
        t.describe(),
        format!("ssh {}@127.0.0.1:{}", local_user(), env.sshd.port)
    );
}

#[tokio::test]
async fn rsa_key_uses_rsa_sha2() {
    let env = Env::with_sshd("rsa", "PubkeyAcceptedAlgorithms rsa-sha2-512,rsa-sha2-256");
    let t = env
        .connect(HostKeyPolicy::Strict)
        .await
        .expect("connect with RSA key");
    assert_runs(t.as_ref()).await;
    let log = env.sshd.log_text();
    assert!(log.contains("Accepted publickey"), "{log}");
    assert!(
        log.contains("pkalg rsa-sha2-"),
        "sshd log shows no rsa-sha2 signature:\n{log}"
    );
}

#[tokio::test]
async fn auth_failed_names_the_keys_tried() {
    let env = Env::new("ed25519");
    let stranger = env.tmp.path().join("id_stranger");
    keygen(&stranger, "ed25519", "");
    let mut n = env.node();
    n.identity_files = vec![stranger.clone()];
    let ctx = SshContext::prepare(
        std::slice::from_ref(&n),
        &env.settings(HostKeyPolicy::Strict),
        false,
    )
    .await;
    let err = ctx.connect(&n).await.err().expect("refused");
    assert_eq!(err.kind, NodeErrorKind::AuthFailed, "{err}");
    assert!(
        err.detail.contains(&stranger.display().to_string()),
        "{err}"
    );
    assert!(
        err.detail.contains(&format!("127.0.0.1:{}", env.sshd.port)),
        "{err}"
    );
}

#[tokio::test]
async fn unknown_host_under_strict_is_refused() {
    let env = Env::new("ed25519");
    std::fs::write(&env.known_hosts, "").expect("empty known_hosts");
    let err = env
        .connect(HostKeyPolicy::Strict)
        .await
        .err()
        .expect("refused");
    assert_eq!(err.kind, NodeErrorKind::HostKeyUnknown, "{err}");
    assert!(err.detail.contains("SHA256:"), "{err}");
    // Refused before authentication: sshd never saw a key offered.
    assert!(!env.sshd.log_text().contains("Accepted publickey"));
}

#[tokio::test]
async fn accept_new_records_the_key_then_strict_works() {
    let env = Env::new("ed25519");
    let kh = env.tmp.path().join("fresh/.ssh/known_hosts");
    let mut settings = env.settings(HostKeyPolicy::AcceptNew);
    settings.known_hosts = kh.clone();
    let n = env.node();
    let ctx = SshContext::prepare(std::slice::from_ref(&n), &settings, false).await;
    ctx.connect(&n).await.expect("accept-new connects");
    let text = std::fs::read_to_string(&kh).expect("known_hosts written");
    assert_eq!(text, format!("{}\n", env.sshd.known_hosts_line()));
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).expect("stat").permissions().mode() & 0o777;
    assert_eq!(mode(&kh), 0o600);
    assert_eq!(mode(kh.parent().expect("dir")), 0o700);

    settings.host_key_policy = HostKeyPolicy::Strict;
    let ctx = SshContext::prepare(std::slice::from_ref(&n), &settings, false).await;
    let t = ctx.connect(&n).await.expect("strict after accept-new");
    assert_runs(t.as_ref()).await;
    assert_eq!(
        std::fs::read_to_string(&kh).expect("read"),
        text,
        "no second entry"
    );
}

#[tokio::test]
async fn changed_key_is_refused_under_every_policy() {
    let env = Env::new("ed25519");
    let other = keygen(&env.tmp.path().join("other_host"), "ed25519", "");
    let mut parts = other.split_whitespace();
    let (kt, blob) = (parts.next().expect("kt"), parts.next().expect("blob"));
    let text = format!("# comment\n\n[127.0.0.1]:{} {kt} {blob}\n", env.sshd.port);
    std::fs::write(&env.known_hosts, &text).expect("known_hosts");
    for policy in [HostKeyPolicy::Strict, HostKeyPolicy::AcceptNew] {
        let err = env.connect(policy).await.err().expect("refused");
        assert_eq!(err.kind, NodeErrorKind::HostKeyChanged, "{err}");
        assert!(err.detail.contains("SHA256:"), "{err}");
        assert!(err.detail.contains("line 3"), "{err}");
    }
    assert_eq!(
        std::fs::read_to_string(&env.known_hosts).expect("read"),
        text
    );
}

#[tokio::test]
async fn hashed_known_hosts_entry_works() {
    let env = Env::new("ed25519");
    run(Command::new("ssh-keygen")
        .arg("-H")
        .arg("-f")
        .arg(&env.known_hosts));
    let text = std::fs::read_to_string(&env.known_hosts).expect("read");
    assert!(text.starts_with("|1|"), "not hashed: {text}");
    let t = env
        .connect(HostKeyPolicy::Strict)
        .await
        .expect("hashed entry matches");
    assert_runs(t.as_ref()).await;
}

#[tokio::test]
async fn bracketed_host_port_entry_is_required_off_port_22() {
    let env = Env::new("ed25519");
    // A bare `127.0.0.1` entry is for port 22 only: OpenSSH would not use it here.
    let bare = env.sshd.known_hosts_line().replacen(
        &format!("[127.0.0.1]:{}", env.sshd.port),
        "127.0.0.1",
        1,
    );
    std::fs::write(&env.known_hosts, format!("{bare}\n")).expect("write");
    let err = env
        .connect(HostKeyPolicy::Strict)
        .await
        .err()
        .expect("unknown");
    assert_eq!(err.kind, NodeErrorKind::HostKeyUnknown, "{err}");
    std::fs::write(
        &env.known_hosts,
        format!("{bare}\n{}\n", env.sshd.known_hosts_line()),
    )
    .expect("write");
    env.connect(HostKeyPolicy::Strict)
        .await
        .expect("[host]:port entry matches");
}

#[tokio::test]
async fn closed_port_is_unreachable() {
    let env = Env::new("ed25519");
    let port = free_port();
    let n = node("runner-9", "127.0.0.1", Some(port), vec![env.key.clone()]);
    // Spawned on other tasks, as the sweep does: both futures must be Send.
    let (nodes, settings) = (vec![n.clone()], env.settings(HostKeyPolicy::Strict));
    let ctx = tokio::spawn(async move { SshContext::prepare(&nodes, &settings, false).await })
        .await
        .expect("prepare task");
    let ctx = Arc::new(ctx);
    let err = tokio::spawn(async move { ctx.connect(&n).await.err() })
        .await
        .expect("connect task")
        .expect("unreachable");
    assert_eq!(err.kind, NodeErrorKind::Unreachable);
    assert_eq!(err.detail, format!("127.0.0.1:{port}: connection refused"));
    fn shareable<T: Send + Sync>() {}
    shareable::<SshContext>();
    shareable::<SshTransport>();
    shareable::<LocalTransport>();
}

#[tokio::test]
async fn silent_listener_times_out_within_connect_timeout() {
    let env = Env::new("ed25519");
    // The kernel completes the TCP handshake; nobody ever sends a banner.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let mut settings = env.settings(HostKeyPolicy::Strict);
    settings.connect_timeout = Duration::from_secs(2);
    let n = node("runner-8", "127.0.0.1", Some(port), vec![env.key.clone()]);
    let ctx = SshContext::prepare(std::slice::from_ref(&n), &settings, false).await;
    let started = Instant::now();
    let err = ctx.connect(&n).await.err().expect("times out");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(3),
        "{took:?}"
    );
    assert_eq!(err.kind, NodeErrorKind::Unreachable);
    assert_eq!(
        err.detail,
        format!("127.0.0.1:{port}: no SSH banner within 2 s")
    );
    drop(listener);
}

#[tokio::test]
async fn command_timeout_keeps_the_connection_usable() {
    let env = Env::new("ed25519");
    let t = env.connect(HostKeyPolicy::Strict).await.expect("connect");
    let pidfile = env.tmp.path().join("pid");
    let q = rivershare::shell::sh_quote(&pidfile.display().to_string());
    let started = Instant::now();
    let err = t
        .run(
            &format!("echo $$ > {q}; exec sleep 30"),
            Duration::from_secs(1),
        )
        .await
        .expect_err("timeout");
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(err.kind, NodeErrorKind::CommandTimeout, "{err}");
    let out = t
        .run("echo still here", CMD)
        .await
        .expect("connection still up");
    assert_eq!(out.stdout, b"still here\n");
    // The node-side `timeout` kills the script soon after our deadline (sshd does
    // not deliver signal requests to root sessions).
    let pid = std::fs::read_to_string(&pidfile).expect("pid written");
    let proc_dir = PathBuf::from(format!("/proc/{}", pid.trim()));
    let until = Instant::now() + Duration::from_secs(5);
    while proc_dir.exists() && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        !proc_dir.exists(),
        "remote sleep {} outlived the timeout",
        pid.trim()
    );
}

#[tokio::test]
async fn twenty_runs_share_one_connection_at_most_eight_at_once() {
    let env = Env::new("ed25519");
    let t = env.connect(HostKeyPolicy::Strict).await.expect("connect");
    let (active, done) = (env.tmp.path().join("active"), env.tmp.path().join("done"));
    std::fs::create_dir(&active).expect("mkdir");
    std::fs::create_dir(&done).expect("mkdir");
    let q = |p: &Path| rivershare::shell::sh_quote(&p.display().to_string());
    // Each script marks itself active, then waits (up to 5 s) until as many are
    // active as could be (8, or fewer near the end), recording the most it saw;
    // then it unmarks itself and counts itself done. A cap above 8 would show a 9.
    let script = format!(
        r#"a={}; d={}; touch "$a/$$"; max=0; i=0
while [ $i -lt 50 ]; do
  n=$(ls "$a" | wc -l); [ "$n" -gt "$max" ] && max=$n
  want=$((20 - $(ls "$d" | wc -l))); [ "$want" -gt 8 ] && want=8
  [ "$n" -ge "$want" ] && break
  sleep 0.1; i=$((i + 1))
done
sleep 0.2; n=$(ls "$a" | wc -l); [ "$n" -gt "$max" ] && max=$n
rm "$a/$$"; touch "$d/$$"; echo "$max""#,
        q(&active),
        q(&done)
    );
    let runs = (0..20).map(|_| t.run(&script, Duration::from_secs(60)));
    let outs = futures::future::join_all(runs).await;
    let counts: Vec<usize> = outs
        .into_iter()
        .map(|o| {
            let o = o.expect("every run succeeds");
            assert_eq!(o.exit_status, Some(0));
            String::from_utf8_lossy(&o.stdout)
                .trim()
                .parse()
                .expect("count")
        })
        .collect();
    let max = counts.iter().copied().max().expect("20 counts");
    assert!(max <= 8, "{max} scripts ran at once: {counts:?}");
    assert_eq!(max, 8, "8 channels were never busy at once: {counts:?}");
    // One TCP connection: sshd accepted exactly one publickey login.
    assert_eq!(env.sshd.log_text().matches("Accepted publickey").count(), 1);
}

#[tokio::test]
async fn dropped_connection_reconnects_on_next_run() {
    let env = Env::new("ed25519");
    let t = env.connect(HostKeyPolicy::Strict).await.expect("connect");
    assert_runs(t.as_ref()).await;
    assert!(
        env.sshd.drop_connections() >= 1,
        "no sshd session process to kill"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let out = t.run("echo again", CMD).await.expect("reconnected");
    assert_eq!(out.stdout, b"again\n");
    assert_eq!(env.sshd.log_text().matches("Accepted publickey").count(), 2);
}

#[tokio::test]
async fn encrypted_key_without_tty_is_skipped_with_a_note() {
    let env = Env::new("ed25519");
    let locked = env.tmp.path().join("id_locked");
    env.sshd
        .authorize(&keygen(&locked, "ed25519", "secret passphrase"));
    let mut n = env.node();
    n.identity_files = vec![locked.clone()];
    let ctx = SshContext::prepare(
        std::slice::from_ref(&n),
        &env.settings(HostKeyPolicy::Strict),
        false,
    )
    .await;
    assert_eq!(
        ctx.notes(),
        [format!(
            "skipped encrypted key {}: no TTY to ask its passphrase",
            locked.display()
        )]
    );
    let err = ctx.connect(&n).await.err().expect("no usable key");
    assert_eq!(err.kind, NodeErrorKind::AuthFailed, "{err}");
    assert!(
        err.detail.ends_with(&format!(
            "not offered: {} (encrypted key: no TTY to ask its passphrase)",
            locked.display()
        )),
        "{err}"
    );
}

#[tokio::test]
async fn proxy_jump_through_a_second_sshd() {
    jump_scenario().await;
}

/// A node reached through ProxyJump, both named by ssh_config aliases.
async fn jump_scenario() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let key = tmp.path().join("id_ed25519");
    let public = keygen(&key, "ed25519", "");
    let jump = Sshd::start(&tmp.path().join("jump"), "");
    let target = Sshd::start(&tmp.path().join("target"), "");
    jump.authorize(&public);
    target.authorize(&public);
    let kh = tmp.path().join("known_hosts");
    std::fs::write(
        &kh,
        format!(
            "{}\n{}\n",
            jump.known_hosts_line(),
            target.known_hosts_line()
        ),
    )
    .expect("kh");
    let cfg = tmp.path().join("ssh_config");
    std::fs::write(
        &cfg,
        format!(
            "Host target-alias\n  HostName 127.0.0.1\n  Port {}\n  ProxyJump bastion\n\
             Host bastion\n  HostName 127.0.0.1\n  Port {}\n\
             Host *\n  IdentityFile {}\n",
            target.port,
            jump.port,
            key.display()
        ),
    )
    .expect("ssh_config");
    let settings = SshSettings {
        ssh_config: Some(cfg),
        known_hosts: kh.clone(),
        host_key_policy: HostKeyPolicy::Strict,
        connect_timeout: Duration::from_secs(5),
    };
    let n = node("runner-j", "target-alias", None, vec![]);
    let ctx = SshContext::prepare(std::slice::from_ref(&n), &settings, false).await;
    let t = ctx
        .connect(&n)
        .await
        .expect("connect through the jump host");
    assert_runs(t.as_ref()).await;
    assert!(
        t.describe()
            .contains(&format!("via 127.0.0.1:{}", jump.port)),
        "{}",
        t.describe()
    );
    let jlog = jump.log_text();
    assert!(
        jlog.contains(&format!("target 127.0.0.1 port {}", target.port)),
        "jump sshd did not forward:\n{jlog}"
    );

    // The jump host's key is verified too.
    std::fs::write(&kh, format!("{}\n", target.known_hosts_line())).expect("kh");
    let ctx = SshContext::prepare(std::slice::from_ref(&n), &settings, false).await;
    let err = ctx.connect(&n).await.err().expect("jump host unknown");
    assert_eq!(err.kind, NodeErrorKind::HostKeyUnknown, "{err}");
    assert!(err.detail.starts_with("jump host bastion"), "{err}");
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

/// ssh-agent authentication runs in a child test process, because the agent is
/// found through `SSH_AUTH_SOCK` and a test cannot change its own environment safely.
#[tokio::test]
async fn agent_auth() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let sock = tmp.path().join("agent.sock");
    let mut agent = Command::new("ssh-agent")
        .arg("-D")
        .arg("-a")
        .arg(&sock)
        .stdout(Stdio::null())
        .spawn()
        .expect("ssh-agent must be installed (openssh-client)");
    let deadline = Instant::now() + Duration::from_secs(5);
    while !sock.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let result = std::panic::catch_unwind(|| {
        run_child(
            "agent_auth_child",
            &[("SSH_AUTH_SOCK", sock.as_os_str())],
            None,
        )
    });
    let _ = agent.kill();
    let _ = agent.wait();
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

#[tokio::test]
#[ignore = "run by agent_auth with SSH_AUTH_SOCK set"]
async fn agent_auth_child() {
    assert!(
        std::env::var_os("SSH_AUTH_SOCK").is_some(),
        "run through agent_auth"
    );
    let env = Env::new("ed25519");
    let agent_key = env.tmp.path().join("id_agent");
    env.sshd.authorize(&keygen(&agent_key, "ed25519", ""));
    run(Command::new("ssh-add").arg("-q").arg(&agent_key));
    // Only the agent holds this key now.
    std::fs::remove_file(&agent_key).expect("rm key");
    let mut n = env.node();
    n.identity_files = vec![];
    let ctx = SshContext::prepare(
        std::slice::from_ref(&n),
        &env.settings(HostKeyPolicy::Strict),
        false,
    )
    .await;
    let t = ctx.connect(&n).await.expect("agent key accepted");
    assert_runs(t.as_ref()).await;
}

#[tokio::test]
async fn local_runs_sh_with_exact_output() {
    let t = LocalTransport::new();
    assert_runs(&t).await;
    assert_eq!(t.describe(), "local");
    assert!(t.rtt().is_none());
}

#[tokio::test]
async fn local_timeout_kills_the_whole_process_group() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let pidfile = tmp.path().join("pid");
    let q = rivershare::shell::sh_quote(&pidfile.display().to_string());
    let t = LocalTransport::new();
    let started = Instant::now();
    let err = t
        .run(
            &format!("sleep 100 & echo $! > {q}; sleep 100"),
            Duration::from_secs(1),
        )
        .await
        .expect_err("timeout");
    assert!(started.elapsed() < Duration::from_millis(1500));
    assert_eq!(err.kind, NodeErrorKind::CommandTimeout);
    let pid = std::fs::read_to_string(&pidfile).expect("pid written");
    std::thread::sleep(Duration::from_millis(200));
    // Gone, or a zombie waiting for init to reap it: either way not running.
    let state = std::fs::read_to_string(format!("/proc/{}/stat", pid.trim()))
        .map(|s| {
            s.rsplit_once(')')
                .map(|(_, a)| a.trim().chars().next())
                .unwrap_or_default()
        })
        .unwrap_or(None);
    assert!(
        matches!(state, None | Some('Z')),
        "grandchild sleep still {state:?}"
    );
}

/// On a TTY, an encrypted key asks its passphrase once in `prepare`, however
/// many nodes use it. The child runs under `script`, which gives it a pty.
#[tokio::test]
async fn encrypted_key_asks_its_passphrase_once_on_a_tty() {
    let text = tokio::task::spawn_blocking(|| {
        run_child(
            "passphrase_tty_child",
            &[],
            Some(("Enter passphrase for key", "secret passphrase\n")),
        )
    })
    .await
    .expect("join");
    assert_eq!(
        text.matches("Enter passphrase for key").count(),
        1,
        "{text}"
    );
}

#[tokio::test]
#[ignore = "run by encrypted_key_asks_its_passphrase_once_on_a_tty under a pty"]
async fn passphrase_tty_child() {
    let env = Env::new("ed25519");
    let locked = env.tmp.path().join("id_locked");
    env.sshd
        .authorize(&keygen(&locked, "ed25519", "secret passphrase"));
    let mut a = env.node();
    a.identity_files = vec![locked.clone()];
    let mut b = a.clone();
    b.name = "runner-2".to_string();
    let nodes = [a, b];
    let ctx = SshContext::prepare(&nodes, &env.settings(HostKeyPolicy::Strict), true).await;
    assert!(ctx.notes().is_empty(), "{:?}", ctx.notes());
    for n in &nodes {
        let t = ctx.connect(n).await.expect("decrypted key accepted");
        assert_runs(t.as_ref()).await;
    }
}

/// Without the `ssh` client, ssh_config is parsed by rivershare itself: the child
/// runs with a PATH that has ssh-keygen and id but no ssh.
#[tokio::test]
async fn without_ssh_client_the_config_parser_resolves_aliases() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let bin = tmp.path().join("bin");
    std::fs::create_dir(&bin).expect("bin");
    for tool in ["ssh-keygen", "id"] {
        let real = run(Command::new("sh").args(["-c", &format!("command -v {tool}")]));
        std::os::unix::fs::symlink(real.trim(), bin.join(tool)).expect("symlink");
    }
    let bin_os = bin.into_os_string();
    tokio::task::spawn_blocking(move || {
        run_child("no_ssh_client_child", &[("PATH", &bin_os)], None)
    })
    .await
    .expect("join");
}

#[tokio::test]
#[ignore = "run by without_ssh_client_the_config_parser_resolves_aliases"]
async fn no_ssh_client_child() {
    let missing = Command::new("ssh").arg("-V").output();
    assert!(
        missing.is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound),
        "ssh must not be on PATH here"
    );
    jump_scenario().await;
}

/// Output beyond 8 MiB is cut, and stderr says so, on both transports.
#[tokio::test]
async fn output_is_capped_at_8_mib_with_a_note() {
    let env = Env::new("ed25519");
    let ssh = env.connect(HostKeyPolicy::Strict).await.expect("connect");
    let local = LocalTransport::new();
    let script = "head -c 10000000 /dev/zero; echo done >&2";
    for t in [ssh.as_ref() as &dyn Transport, &local] {
        let out = t.run(script, CMD).await.expect("runs");
        assert_eq!(out.stdout.len(), 8 * 1024 * 1024, "{}", t.describe());
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "done\n\n[rivershare: stdout truncated at 8 MiB]\n"
        );
        assert_eq!(out.exit_status, Some(0));
    }
}

/// A server that allows fewer sessions than our 8 (sshd `MaxSessions 2`) refuses
/// the extra channel opens; runs wait and retry instead of failing.
#[tokio::test]
async fn server_session_limit_below_eight_is_waited_for() {
    let env = Env::with_sshd("ed25519", "MaxSessions 2");
    let t = env.connect(HostKeyPolicy::Strict).await.expect("connect");
    let runs = (0..6).map(|_| t.run("sleep 0.3; echo ok", CMD));
    let outs = futures::future::join_all(runs).await;
    for o in outs {
        assert_eq!(o.expect("run succeeds after retrying").stdout, b"ok\n");
    }
    assert!(
        env.sshd.log_text().contains("no more sessions"),
        "the limit was never hit"
    );
}
