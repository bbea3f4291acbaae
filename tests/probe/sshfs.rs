//! A real network filesystem: sshfs to a real sshd on loopback. Stopping the
//! sshfs daemon (SIGSTOP) makes a real hung mount; killing it makes a real
//! `Transport endpoint is not connected`. Only our own child processes are
//! signalled, by their PID.

use super::loop_sshfs::{ChildGuard, sshfs_mount};
use super::*;

#[test]
fn sshfs_healthy_then_hung_then_dead() {
    require_root();
    let tmp = tempfile::tempdir().expect("tempdir");
    let t = tmp.path();
    let export = t.join("export");
    let mnt = t.join("mnt");
    std::fs::create_dir(&export).expect("mkdir");
    let (_sshd, sshfs) = sshfs_mount(t, &export, &mnt);
    let remote = format!("root@127.0.0.1:{}", export.display());
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
    let stuck = StuckOn {
        child: Command::new("stat")
            .arg(mnt.join("stuck-here"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("stat runs"),
        daemon: &sshfs,
    };
    let step = Duration::from_secs(1);
    let r = run_probe(dir, step, false, None);
    assert!(!r.facts.hung_steps.is_empty(), "{}", r.raw);
    let stuck_entry = format!("{} stat (", stuck.child.id());
    assert!(
        r.facts
            .stuck_processes
            .iter()
            .any(|p| p.starts_with(&stuck_entry)),
        "{stuck_entry} not in {:?}\n{}",
        r.facts.stuck_processes,
        r.raw
    );
    assert!(r.elapsed < Duration::from_secs(6), "took {:?}", r.elapsed);
    let e = r.facts.access.and_then(|a| a.error).expect("error");
    assert_eq!(e.kind, AccessErrorKind::Hung, "{e:?}");
    // The mount is still reported (findmnt, or mountinfo when findmnt hung too).
    assert!(r.facts.mount.is_some_and(|m| m.fstype == "fuse.sshfs"));

    // Dead: the daemon is gone, the mount stays: ENOTCONN.
    sshfs.signal("-KILL");
    drop(stuck);
    std::thread::sleep(Duration::from_millis(200));
    let f = run_probe(dir, STEP, false, None).facts;
    assert!(f.hung_steps.is_empty(), "{:?}", f.hung_steps);
    let e = f.access.and_then(|a| a.error).expect("error");
    assert_eq!(e.kind, AccessErrorKind::StaleHandle, "{e:?}");
    assert!(f.exists, "a dead mount is not reported missing");
    drop(sshfs);
}

/// A process stuck on the sshfs mount of `daemon`. A FUSE request the daemon
/// read before it was stopped waits for its answer even after SIGKILL, so the
/// daemon is killed first, then the process reaped (waiting for it first, as a
/// plain guard does, hung this test).
struct StuckOn<'a> {
    child: std::process::Child,
    daemon: &'a ChildGuard,
}

impl Drop for StuckOn<'_> {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", &self.daemon.0.id().to_string()])
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
