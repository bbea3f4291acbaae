//! known_hosts: strict, accept-new, changed keys, hashed and `[host]:port` entries.

use super::*;

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

/// As OpenSSH: a host the user's file does not know is looked up in the
/// `GlobalKnownHostsFile`s (here set through ssh_config), whose verdict holds.
#[tokio::test]
async fn global_known_hosts_file_is_consulted() {
    let env = Env::new("ed25519");
    std::fs::write(&env.known_hosts, "").expect("empty user file");
    let global = env.tmp.path().join("ssh_known_hosts");
    std::fs::write(&global, format!("{}\n", env.sshd.known_hosts_line())).expect("global");
    std::fs::write(
        &env.ssh_config,
        format!("GlobalKnownHostsFile {}\n", global.display()),
    )
    .expect("ssh_config");
    let t = env
        .connect(HostKeyPolicy::Strict)
        .await
        .expect("known globally");
    assert_runs(t.as_ref()).await;
    assert_eq!(std::fs::read_to_string(&env.known_hosts).expect("read"), "");

    let other = keygen(&env.tmp.path().join("other_host"), "ed25519", "");
    let blob = other.split_whitespace().nth(1).expect("blob");
    let line = format!("[127.0.0.1]:{} ssh-ed25519 {blob}\n", env.sshd.port);
    std::fs::write(&global, line).expect("global");
    let err = env
        .connect(HostKeyPolicy::AcceptNew)
        .await
        .err()
        .expect("changed");
    assert_eq!(err.kind, NodeErrorKind::HostKeyChanged, "{err}");
    assert!(
        err.detail.contains(&format!("{} line 1", global.display())),
        "{err}"
    );
}
