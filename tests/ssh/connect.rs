//! Reaching a node: refused and silent ports, reconnects, ProxyJump, resolution.

use super::*;

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
        run_child("connect::no_ssh_client_child", &[("PATH", &bin_os)], None)
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

/// ProxyCommand is not run: the operator gets a note and rivershare connects directly.
#[tokio::test]
async fn proxy_command_is_noted_not_run() {
    let env = Env::new("ed25519");
    let marker = env.tmp.path().join("proxy-command-ran");
    std::fs::write(
        &env.ssh_config,
        format!(
            "Host pc-alias\n  HostName 127.0.0.1\n  Port {}\n  ProxyCommand touch {}\n",
            env.sshd.port,
            marker.display()
        ),
    )
    .expect("ssh_config");
    let n = node("runner-p", "pc-alias", None, vec![env.key.clone()]);
    let settings = env.settings(HostKeyPolicy::Strict);
    let ctx = SshContext::prepare(std::slice::from_ref(&n), &settings, false).await;
    assert_eq!(
        ctx.notes(),
        [
            "runner-p: ssh_config sets ProxyCommand for pc-alias, which rivershare does not run \
          (use ProxyJump); connecting directly"
        ]
    );
    let t = ctx.connect(&n).await.expect("direct connection");
    assert_runs(t.as_ref()).await;
    assert!(!marker.exists());
}
