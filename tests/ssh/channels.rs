//! Running scripts: timeouts, the 8-channel cap, server session limits, output caps.

use super::*;

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

/// While a script runs, a channel is opened for the next run, which starts on
/// it with its exec (no channel open to wait for: a round trip fewer). Every
/// run still gets its own output, on the one connection.
#[tokio::test]
async fn the_next_run_starts_on_a_channel_opened_ahead() {
    let env = Env::new("ed25519");
    let t = env.connect(HostKeyPolicy::Strict).await.expect("connect");
    let out = t.run("sleep 0.5; echo first", CMD).await.expect("first");
    assert_eq!(out.stdout, b"first\n");
    assert_eq!(t.spare_channels_used(), 0, "the first run opened its own");
    // Each script runs far longer than a channel open on loopback takes.
    for i in 0..4 {
        let out = t
            .run(&format!("sleep 0.5; echo run {i}"), CMD)
            .await
            .expect("run");
        assert_eq!(out.stdout, format!("run {i}\n").as_bytes());
    }
    assert_eq!(t.spare_channels_used(), 4);
    assert_eq!(env.sshd.log_text().matches("Accepted publickey").count(), 1);
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
