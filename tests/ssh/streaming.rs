//! `run_streaming` for real: each piece of stdout reaches the callback while the
//! script still runs, and what streamed before a timeout is not lost.

use std::sync::Mutex;

use super::*;

/// Prints a line, sleeps, prints another: the first line must arrive while
/// the script sleeps, long before it ends.
const PRINT_SLEEP_PRINT: &str = "printf 'first\\n'; sleep 2; printf 'second\\n'";

/// Pieces of stdout with the time each arrived, since `t0`.
type Seen = Mutex<Vec<(Duration, Vec<u8>)>>;

async fn assert_streams(t: &dyn Transport) {
    let seen: Seen = Mutex::new(Vec::new());
    let t0 = Instant::now();
    let record = |b: &[u8]| seen.lock().expect("lock").push((t0.elapsed(), b.to_vec()));
    let out = t
        .run_streaming(PRINT_SLEEP_PRINT, CMD, &record)
        .await
        .expect("script runs");
    let total = t0.elapsed();
    let seen = seen.into_inner().expect("lock");
    let all: Vec<u8> = seen.iter().flat_map(|(_, b)| b.clone()).collect();
    assert_eq!(all, out.stdout, "the callback saw exactly the stdout");
    assert_eq!(out.stdout, b"first\nsecond\n");
    let first = seen
        .iter()
        .find(|(_, b)| b.starts_with(b"first"))
        .map(|(at, _)| *at)
        .expect("a piece starting with the first line");
    assert!(total >= Duration::from_secs(2), "{total:?}");
    // The first line came while the script slept its 2 s, not at the end.
    assert!(
        first + Duration::from_millis(1500) < total,
        "first line at {first:?}, script done at {total:?}: not streamed"
    );
}

async fn assert_keeps_what_streamed_before_a_timeout(t: &dyn Transport) {
    let seen = Mutex::new(Vec::<u8>::new());
    let record = |b: &[u8]| seen.lock().expect("lock").extend_from_slice(b);
    let started = Instant::now();
    let err = t
        .run_streaming(
            "printf 'counted 1\\n'; printf 'counted 2\\n'; exec sleep 30",
            Duration::from_secs(1),
            &record,
        )
        .await
        .expect_err("the script outlives its limit");
    assert_eq!(err.kind, NodeErrorKind::CommandTimeout, "{err}");
    assert!(started.elapsed() < Duration::from_secs(3), "{err}");
    assert_eq!(
        String::from_utf8_lossy(&seen.into_inner().expect("lock")),
        "counted 1\ncounted 2\n"
    );
}

#[tokio::test]
async fn local_streams_stdout_as_it_comes() {
    assert_streams(&LocalTransport::new()).await;
}

#[tokio::test]
async fn local_keeps_what_streamed_before_a_timeout() {
    assert_keeps_what_streamed_before_a_timeout(&LocalTransport::new()).await;
}

#[tokio::test]
async fn ssh_streams_stdout_as_it_comes() {
    let env = Env::new("ed25519");
    let t = env.connect(HostKeyPolicy::Strict).await.expect("connect");
    assert_streams(t.as_ref()).await;
    // `run` is unchanged on the same connection.
    assert_runs(t.as_ref()).await;
}

#[tokio::test]
async fn ssh_keeps_what_streamed_before_a_timeout() {
    let env = Env::new("ed25519");
    let t = env.connect(HostKeyPolicy::Strict).await.expect("connect");
    assert_keeps_what_streamed_before_a_timeout(t.as_ref()).await;
}

/// `du -x -B1 -s -- path`, the reference.
fn du(path: &Path) -> u64 {
    let out = Command::new("du")
        .args(["-x", "-B1", "-s", "--"])
        .arg(path)
        .output()
        .expect("du runs");
    String::from_utf8_lossy(&out.stdout)
        .split('\t')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("du prints a size")
}

/// The disk-usage walk's scripts over a real sshd (quoted twice by the SSH
/// transport): exact sizes, and the progress counter sees every entry finish
/// as the output streams in.
#[tokio::test]
async fn ssh_streams_the_disk_usage_walk() {
    use rivershare::usage::parse::{WalkProgress, parse_listing, parse_walk};
    use rivershare::usage::script;
    let env = Env::new("ed25519");
    let t = env.connect(HostKeyPolicy::Strict).await.expect("connect");
    let share = env.tmp.path().join("share it's");
    for (dir, bytes) in [
        ("logs/7001", 3_000),
        ("shared_data/a", 40_000),
        ("x $(y)", 9_000),
    ] {
        std::fs::create_dir_all(share.join(dir)).expect("mkdir");
        std::fs::write(share.join(dir).join("f"), vec![5u8; bytes]).expect("write");
    }
    let d = share.to_str().expect("utf-8");
    let step = Duration::from_secs(3);
    let listed = t
        .run(&script::listing(d, step), CMD)
        .await
        .expect("listing runs");
    let names: Vec<Vec<u8>> = parse_listing(&listed.stdout)
        .expect("listing parses")
        .entries
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(names.len(), 3);
    let budget = Duration::from_secs(10);
    let progress = Mutex::new((WalkProgress::new(), Vec::new()));
    let on_stdout = |b: &[u8]| {
        let mut p = progress.lock().expect("lock");
        if p.0.feed(b) {
            let done = p.0.done();
            p.1.push(done);
        }
    };
    let out = t
        .run_streaming(
            &script::walk(d, &names, budget, step),
            script::walk_limit(&names, budget, step),
            &on_stdout,
        )
        .await
        .expect("walk runs");
    let w = parse_walk(&out.stdout, d, &names, 10);
    assert_eq!(w.error, None, "{}", String::from_utf8_lossy(&out.stdout));
    for e in &w.entries {
        assert!(e.complete, "{e:?}");
        assert_eq!(e.bytes, du(&share.join(&e.path)), "{}", e.path);
    }
    assert_eq!(
        w.entries
            .iter()
            .find(|e| e.path == "logs")
            .and_then(|e| e.task_folders),
        Some(1)
    );
    let (p, dones) = progress.into_inner().expect("lock");
    assert_eq!(p.done(), 3);
    assert_eq!(dones.last(), Some(&3));
}
