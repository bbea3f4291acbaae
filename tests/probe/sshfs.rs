//! A real network filesystem: sshfs to a real sshd on loopback. Stopping the
//! sshfs daemon (SIGSTOP) makes a real hung mount; killing it makes a real
//! `Transport endpoint is not connected`. Only our own child processes are
//! signalled, by their PID.

use super::*;
use std::process::Child;

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
    cmd(
        "ssh-keygen",
        &[
            "-q",
            "-t",
            "ed25519",
            "-N",
            "",
            "-f",
            path.to_str().expect("utf-8"),
        ],
    );
}

fn mounted(target: &Path) -> bool {
    let want = target.to_str().expect("utf-8");
    std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap_or_default()
        .lines()
        .any(|l| l.split(' ').nth(4) == Some(want) && l.contains(" fuse.sshfs "))
}

#[test]
fn sshfs_healthy_then_hung_then_dead() {
    require_root();
    let tmp = tempfile::tempdir().expect("tempdir");
    let t = tmp.path();
    let (hk, ck) = (t.join("host_key"), t.join("client_key"));
    keygen(&hk);
    keygen(&ck);
    std::fs::copy(t.join("client_key.pub"), t.join("authorized_keys")).expect("auth keys");
    let export = t.join("export");
    let mnt = t.join("mnt");
    std::fs::create_dir(&export).expect("mkdir");
    std::fs::create_dir(&mnt).expect("mkdir");
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
    let _sshd = ChildGuard(sshd);
    let opts = format!(
        "IdentityFile={},StrictHostKeyChecking=no,UserKnownHostsFile=/dev/null,port={port},BatchMode=yes,ConnectTimeout=5",
        ck.display()
    );
    let remote = format!("root@127.0.0.1:{}", export.display());
    let deadline = Instant::now() + Duration::from_secs(10);
    // sshfs mounts before it connects and exits when the connection fails, so
    // wait for sshd to listen first.
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "sshd did not listen within 10 s");
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut sshfs = None;
    while sshfs.is_none() && Instant::now() < deadline {
        let child = Command::new("sshfs")
            .args(["-f", "-o", &opts, &remote])
            .arg(&mnt)
            .stderr(std::fs::File::create(t.join("sshfs.log")).expect("log"))
            .spawn()
            .expect("sshfs is installed");
        let g = ChildGuard(child);
        let up = Instant::now() + Duration::from_secs(3);
        while Instant::now() < up && !mounted(&mnt) {
            std::thread::sleep(Duration::from_millis(50));
        }
        // Mounted and answering: the connection is up.
        if mounted(&mnt) && std::fs::read_dir(&mnt).is_ok() {
            sshfs = Some(g);
        }
    }
    let sshfs = sshfs.expect("sshfs mounted within 10 s");
    let _unmount = Mounted::adopt(&mnt);
    let dir = mnt.to_str().expect("utf-8");

    let f = run_probe(dir, STEP, false, None).facts;
    let m = f.mount.as_ref().expect("mount");
    assert_eq!(
        (
            m.fstype.as_str(),
            m.source.as_str(),
            m.network,
            m.provider.as_str()
        ),
        ("fuse.sshfs", remote.as_str(), true, "sshfs")
    );
    assert!(m.is_mount_point);
    assert!(
        f.access
            .as_ref()
            .is_some_and(|a| a.read && a.write && a.error.is_none())
    );
    no_probe_leftovers(&export);

    // Hung: the FUSE daemon stops answering; every stat on the mount blocks.
    sshfs.signal("-STOP");
    // Someone else's process stuck on the share: the probe names it.
    let stuck = ChildGuard(
        Command::new("stat")
            .arg(mnt.join("stuck-here"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("stat runs"),
    );
    let step = Duration::from_secs(1);
    let r = run_probe(dir, step, false, None);
    assert!(!r.facts.hung_steps.is_empty(), "{}", r.raw);
    let stuck_entry = format!("{} stat (", stuck.0.id());
    assert!(
        r.facts
            .stuck_processes
            .iter()
            .any(|p| p.starts_with(&stuck_entry)),
        "{stuck_entry} not in {:?}\n{}",
        r.facts.stuck_processes,
        r.raw
    );
    drop(stuck);
    assert!(r.elapsed < Duration::from_secs(6), "took {:?}", r.elapsed);
    let e = r.facts.access.and_then(|a| a.error).expect("error");
    assert_eq!(e.kind, AccessErrorKind::Hung, "{e:?}");
    // The mount is still reported (findmnt, or mountinfo when findmnt hung too).
    assert!(r.facts.mount.is_some_and(|m| m.fstype == "fuse.sshfs"));

    // Dead: the daemon is gone, the mount stays: ENOTCONN.
    sshfs.signal("-KILL");
    std::thread::sleep(Duration::from_millis(200));
    let f = run_probe(dir, STEP, false, None).facts;
    assert!(f.hung_steps.is_empty(), "{:?}", f.hung_steps);
    let e = f.access.and_then(|a| a.error).expect("error");
    assert_eq!(e.kind, AccessErrorKind::StaleHandle, "{e:?}");
    assert!(f.exists, "a dead mount is not reported missing");
    drop(sshfs);
}
