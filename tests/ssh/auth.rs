//! Authentication: key types, agent, encrypted keys, refusals.

use super::*;

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

/// On a TTY, an encrypted key asks its passphrase once in `prepare`, however
/// many nodes use it. The child runs under `script`, which gives it a pty.
#[tokio::test]
async fn encrypted_key_asks_its_passphrase_once_on_a_tty() {
    let text = tokio::task::spawn_blocking(|| {
        run_child(
            "auth::passphrase_tty_child",
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
            "auth::agent_auth_child",
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

/// sshd hangs up after `MaxAuthTries` refusals; that is still `auth_failed`.
#[tokio::test]
async fn too_many_refused_keys_is_auth_failed() {
    let env = Env::with_sshd("ed25519", "MaxAuthTries 2");
    let mut n = env.node();
    n.identity_files = (0..4)
        .map(|i| {
            let p = env.tmp.path().join(format!("id_stranger{i}"));
            keygen(&p, "ed25519", "");
            p
        })
        .collect();
    let settings = env.settings(HostKeyPolicy::Strict);
    let ctx = SshContext::prepare(std::slice::from_ref(&n), &settings, false).await;
    let err = ctx.connect(&n).await.err().expect("refused");
    assert_eq!(err.kind, NodeErrorKind::AuthFailed, "{err}");
    assert!(err.detail.contains("id_stranger0"), "{err}");
    assert!(
        err.detail.contains("the server then closed the connection"),
        "{err}"
    );
}
