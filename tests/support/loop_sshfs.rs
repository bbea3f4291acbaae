//! A real network filesystem on this machine: `sshfs` to a private `sshd` on a
//! free loopback port. Tests stop its daemon (SIGSTOP) for a hung mount, or kill
//! it for a dead one (`Transport endpoint is not connected`). Only our own child
//! processes are ever signalled, by their PID.

use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// A child process that is continued and killed when the test ends.
pub struct ChildGuard(pub Child);

impl ChildGuard {
    /// `kill SIG PID` (e.g. `-STOP`, `-CONT`, `-KILL`); the test fails if kill does.
    pub fn signal(&self, sig: &str) {
        run("kill", &[sig, &self.0.id().to_string()]);
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

fn run(program: &str, args: &[&str]) {
    let st = Command::new(program)
        .args(args)
        .status()
        .unwrap_or_else(|e| panic!("{program} {args:?}: {e}"));
    assert!(st.success(), "{program} {args:?} failed: {st}");
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

fn keygen(path: &Path) {
    let p = path.to_str().expect("utf-8");
    run("ssh-keygen", &["-q", "-t", "ed25519", "-N", "", "-f", p]);
}

fn mounted(target: &Path) -> bool {
    let want = target.to_str().expect("utf-8");
    std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap_or_default()
        .lines()
        .any(|l| l.split(' ').nth(4) == Some(want) && l.contains(" fuse.sshfs "))
}

/// sshd on a free loopback port (keys, config and logs in `t`), and `export`
/// mounted at `mnt` (created when missing) with sshfs, answering. Returns the
/// guards of (sshd, sshfs); the caller unmounts `mnt` (after the guards drop).
pub fn sshfs_mount(t: &Path, export: &Path, mnt: &Path) -> (ChildGuard, ChildGuard) {
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
    // sshfs mounts before it connects and exits when the connection fails, so
    // wait for sshd to listen first.
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
        // Mounted and answering: the connection is up.
        if mounted(mnt) && std::fs::read_dir(mnt).is_ok() {
            return (sshd, g);
        }
    }
    panic!("sshfs did not mount within 10 s");
}
