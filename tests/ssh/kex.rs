//! Key exchange: rivershare offers curve25519-sha256 first (the cheapest modern
//! exchange, and a fan-out's connect time is mostly key exchange), and every
//! other modern exchange russh knows stays allowed. Seen in the server's log.
//! Connect times are printed for the reader, never asserted.

use super::*;

/// Connect once, run one command, and return how long the connect took.
async fn connect_and_run(env: &Env) -> Duration {
    let n = env.node();
    // Finite-field Diffie-Hellman is slow in an unoptimised test build: give
    // the handshake room (this is no timing test).
    let mut settings = env.settings(HostKeyPolicy::Strict);
    settings.connect_timeout = Duration::from_secs(60);
    let ctx = SshContext::prepare(std::slice::from_ref(&n), &settings, false).await;
    let started = Instant::now();
    let t = ctx.connect(&n).await.expect("connect");
    let took = started.elapsed();
    let out = t.run("echo kex", CMD).await.expect("runs");
    assert_eq!(out.stdout, b"kex\n");
    took
}

/// The exchange sshd says it agreed on (`kex: algorithm: <name>` at DEBUG1).
fn negotiated(log: &str) -> Vec<String> {
    log.lines()
        .filter_map(|l| l.split_once("kex: algorithm: "))
        // `curve25519-sha256 [preauth]`
        .filter_map(|(_, rest)| rest.split_whitespace().next().map(str::to_owned))
        .collect()
}

/// The client's key-exchange proposal as sshd logged it (`KEX algorithms:`
/// of the peer's KEXINIT, logged at DEBUG2).
fn client_proposal(log: &str) -> Vec<String> {
    let after = log
        .split_once("peer client KEXINIT proposal")
        .unwrap_or_else(|| panic!("no client KEXINIT in the sshd log:\n{log}"))
        .1;
    let line = after
        .lines()
        .find_map(|l| l.split_once("KEX algorithms: "))
        .and_then(|(_, rest)| rest.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| panic!("no KEX algorithms line:\n{log}"));
    line.split(',').map(str::to_owned).collect()
}

#[tokio::test]
async fn curve25519_is_offered_first_and_negotiated() {
    // At DEBUG2 sshd logs the client's own proposal, in the client's order.
    let env = Env::with_sshd("ed25519", "LogLevel DEBUG2");
    let took = connect_and_run(&env).await;
    let log = env.sshd.log_text();
    assert_eq!(negotiated(&log), vec!["curve25519-sha256"], "{log}");
    let offered = client_proposal(&log);
    assert_eq!(
        offered[..3],
        [
            "curve25519-sha256",
            "curve25519-sha256@libssh.org",
            "mlkem768x25519-sha256"
        ],
        "{offered:?}"
    );
    for still in [
        "diffie-hellman-group-exchange-sha256",
        "diffie-hellman-group16-sha512",
        "ext-info-c",
        "kex-strict-c-v00@openssh.com",
    ] {
        assert!(offered.iter().any(|a| a == still), "{still} in {offered:?}");
    }
    eprintln!("connect with curve25519-sha256: {took:?}");
}

#[tokio::test]
async fn a_server_that_allows_only_another_exchange_still_connects() {
    // This OpenSSH (9.2) has no mlkem768x25519 and russh has no sntrup761: the
    // other modern exchanges both sides know are the Diffie-Hellman groups.
    // (diffie-hellman-group-exchange-sha256 connects too, but its 8192-bit
    // group takes about 25 s in a debug build.)
    for kex in [
        "diffie-hellman-group16-sha512",
        "diffie-hellman-group14-sha256",
        "curve25519-sha256@libssh.org",
    ] {
        let env = Env::with_sshd("ed25519", &format!("KexAlgorithms {kex}"));
        let took = connect_and_run(&env).await;
        let log = env.sshd.log_text();
        assert_eq!(negotiated(&log), vec![kex.to_owned()], "{log}");
        eprintln!("connect with {kex}: {took:?}");
    }
}
