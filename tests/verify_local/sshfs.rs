//! A real network filesystem that hangs mid-verification: node S mounts A's
//! directory over sshfs (to a real sshd on loopback), writes its token, and its
//! sshfs daemon is stopped (SIGSTOP) just before S starts reading. Only our own
//! child processes are signalled, by their PID.

use super::*;
use std::process::Child;
use std::sync::Mutex;

/// A child process that is continued and killed when the test ends.
struct ChildGuard(Child);

impl ChildGuard {
    fn signal(&self, sig: &str) {
        cmd("kill", &[sig, &self.0.id().to_string()]);
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-CONT", &self.0.id().to_string()])
            .status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

fn keygen(path: &Path) {
    let p = path.to_str().expect("utf-8");
    cmd("ssh-keygen", &["-q", "-t", "ed25519", "-N", "", "-f", p]);
}

fn mounted(target: &Path) -> bool {
    let want = target.to_str().expect("utf-8");
    std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap_or_default()
        .lines()
        .any(|l| l.split(' ').nth(4) == Some(want) && l.contains(" fuse.sshfs "))
}

/// sshd on a free loopback port, and `export` mounted at `mnt` with sshfs.
fn sshfs_mount(t: &Path, export: &Path, mnt: &Path) -> (ChildGuard, ChildGuard) {
    let (hk, ck) = (t.join("host_key"), t.join("client_key"));
    keygen(&hk);
    keygen(&ck);
    std::fs::copy(t.join("client_key.pub"), t.join("authorized_keys")).expect("auth keys");
    std::fs::create_dir_all(mnt).expect("mnt");
    std::fs::create_dir_all("/run/sshd").expect("sshd privsep dir");
    let port = free_port();
    let cfg = t.join("sshd_config");
    std::fs::write(
        &cfg,
        format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {hk}\nAuthorizedKeysFile {ak}\n\
             PermitRootLogin prohibit-password\nPasswordAuthentication no\n\
             KbdInteractiveAuthentication no\nStrictModes no\nUsePAM no\n\
             PidFile {t}/sshd.pid\nSubsystem sftp internal-sftp\n",
            hk = hk.display(),
            ak = t.join("authorized_keys").display(),
            t = t.display()
        ),
    )
    .expect("sshd_config");
    let sshd = Command::new("/usr/sbin/sshd")
        .args(["-D", "-e", "-f"])
        .arg(&cfg)
        .stderr(std::fs::File::create(t.join("sshd.log")).expect("log"))
        .spawn()
        .expect("sshd from openssh-server is installed");
    let sshd = ChildGuard(sshd);
    let opts = format!(
        "IdentityFile={},StrictHostKeyChecking=no,UserKnownHostsFile=/dev/null,port={port},BatchMode=yes,ConnectTimeout=5",
        ck.display()
    );
    let remote = format!("root@127.0.0.1:{}", export.display());
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "sshd did not listen within 10 s");
        std::thread::sleep(Duration::from_millis(20));
    }
    while Instant::now() < deadline {
        let child = Command::new("sshfs")
            .args(["-f", "-o", &opts, &remote])
            .arg(mnt)
            .stderr(std::fs::File::create(t.join("sshfs.log")).expect("log"))
            .spawn()
            .expect("sshfs is installed");
        let g = ChildGuard(child);
        let up = Instant::now() + Duration::from_secs(3);
        while Instant::now() < up && !mounted(mnt) {
            std::thread::sleep(Duration::from_millis(50));
        }
        if mounted(mnt) && std::fs::read_dir(mnt).is_ok() {
            return (sshd, g);
        }
    }
    panic!("sshfs did not mount within 10 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_that_hangs_mid_verification() {
    require_root();
    let tmp = tempfile::tempdir().expect("tempdir");
    let t = tmp.path();
    let export = t.join("export");
    std::fs::create_dir(&export).expect("export");
    let mnt = t.join("mnt");
    let (_sshd, sshfs) = sshfs_mount(t, &export, &mnt);
    let _unmount = Mounted::adopt(&mnt);

    let cfg = config(&[("A", &export), ("B", &export), ("S", &mnt)], "");
    let fleet = Fleet::prepare(cfg, false).await;
    let facts = fleet.probe_mounts(&|_| {}).await;
    let s_facts = facts[2].probe.as_ref().expect("S probed");
    assert!(
        s_facts.hung_steps.is_empty() && s_facts.is_dir,
        "{s_facts:?}"
    );

    let marks: Mutex<Vec<(VerifyPhase, Instant)>> = Mutex::new(Vec::new());
    let on_progress = |p: Progress| {
        if let Progress::Verifying { node, phase } = p {
            if node == "S" && phase == VerifyPhase::Read {
                // S wrote its token through sshfs; now its storage stops answering.
                sshfs.signal("-STOP");
            }
            marks.lock().expect("marks").push((phase, Instant::now()));
        }
    };
    let deadline = Duration::from_millis(1500);
    let start = Instant::now();
    let r = fleet
        .verify(
            Some(&facts),
            VerifyOptions {
                deadline,
                io_bench: false,
            },
            &on_progress,
        )
        .await;
    let elapsed = start.elapsed();
    let marks = marks.into_inner().expect("marks");
    let first = |ph: VerifyPhase| {
        marks
            .iter()
            .find(|(p, _)| *p == ph)
            .map(|(_, at)| *at)
            .expect("phase seen")
    };
    let read_phase = first(VerifyPhase::Cleanup) - first(VerifyPhase::Read);
    eprintln!("hung sshfs: read phase {read_phase:?}, whole verify {elapsed:?}");

    assert!(
        r.writes.iter().all(|w| w.status == WriteStatus::Ok),
        "{:?}",
        r.writes
    );
    // The others read everyone's token, S's included (written before the hang).
    for w in ["A", "B", "S"] {
        for rd in ["A", "B"] {
            assert_eq!(cell(&r, w, rd).0, CellStatus::Ok, "{w} -> {rd}");
        }
    }
    for w in ["A", "B", "S"] {
        let c = r
            .matrix
            .iter()
            .find(|c| c.writer == w && c.reader == "S")
            .expect("cell");
        assert_eq!(
            (c.status, c.error_kind),
            (
                CellStatus::Error,
                Some(rivershare::facts::AccessErrorKind::Hung)
            ),
            "{c:?}"
        );
    }
    // Step timeout = command_timeout / 3 = 2 s; one hung cat plus the 1 s kill.
    assert!(
        read_phase < deadline + Duration::from_secs(4),
        "read phase {read_phase:?}"
    );
    assert!(elapsed < Duration::from_secs(12), "{elapsed:?}");
    // S could not confirm removing its token: reported, not hidden.
    assert!(!r.cleanup.complete);
    assert!(
        r.cleanup
            .problems
            .iter()
            .any(|p| p.starts_with("node S: removing the token timed out")),
        "{:?}",
        r.cleanup.problems
    );
    // The nodes that still answer remove S's token from the shared export by exact
    // path in the final pass, so the share is left clean all the same.
    let left = walk(&export);
    assert!(
        left.is_empty(),
        "verification left files on the export: {left:?}"
    );
    drop(_unmount);
}
