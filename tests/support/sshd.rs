//! Private OpenSSH servers for tests: a real `/usr/sbin/sshd -D -E <log>` on 127.0.0.1
//! with a random free port, its own host key, authorized_keys and log, killed on drop.

#![allow(dead_code)]

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const SSHD: &str = "/usr/sbin/sshd";

/// Run a command, panicking with its stderr when it fails.
pub fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `ssh-keygen -t <kind>` into `path` (no passphrase unless given); returns the `.pub` line.
pub fn keygen(path: &Path, kind: &str, passphrase: &str) -> String {
    let mut cmd = Command::new("ssh-keygen");
    cmd.args([
        "-q",
        "-t",
        kind,
        "-N",
        passphrase,
        "-C",
        "rivershare-test",
        "-f",
    ])
    .arg(path);
    if kind == "rsa" {
        cmd.args(["-b", "2048"]);
    }
    run(&mut cmd);
    std::fs::read_to_string(format!("{}.pub", path.display())).expect("read .pub")
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind 127.0.0.1:0")
        .local_addr()
        .expect("local addr")
        .port()
}

pub struct Sshd {
    child: Child,
    pub port: u16,
    pub dir: PathBuf,
    /// `ssh-ed25519 AAAA... comment` of the server's host key.
    pub host_pub: String,
    pub log: PathBuf,
}

impl Sshd {
    /// Start an sshd whose state lives under `dir` (which must exist).
    /// `extra` is appended to sshd_config.
    pub fn start(dir: &Path, extra: &str) -> Sshd {
        assert!(
            Path::new(SSHD).exists(),
            "{SSHD} is missing: install openssh-server (the SSH tests need a real sshd)"
        );
        std::fs::create_dir_all("/run/sshd")
            .expect("mkdir /run/sshd (sshd's privsep dir; run as root)");
        std::fs::create_dir_all(dir).expect("sshd dir");
        let host_key = dir.join("host_ed25519");
        let host_pub = keygen(&host_key, "ed25519", "");
        let authorized = dir.join("authorized_keys");
        std::fs::write(&authorized, "").expect("authorized_keys");
        let log = dir.join("sshd.log");
        // Sessions get an empty HOME, so the login shell finds no ~/.bashrc: the
        // machine's own dotfiles (pyenv hooks and the like) stay out of stderr.
        let home = dir.join("home");
        std::fs::create_dir_all(&home).expect("session home");
        // DEBUG1 unless `extra` sets its own level (sshd keeps the first LogLevel it reads).
        let level = if extra.contains("LogLevel") {
            ""
        } else {
            "LogLevel DEBUG1\n"
        };
        // sshd keeps the first SetEnv line it reads: a `SetEnv` line of `extra`
        // joins the one below.
        let (set_env, extra): (Vec<&str>, Vec<&str>) =
            extra.lines().partition(|l| l.starts_with("SetEnv "));
        let more_env: String = set_env
            .iter()
            .map(|l| format!(" {}", &l["SetEnv ".len()..]))
            .collect();
        let extra = extra.join("\n");
        // A port can be taken between probing and binding: retry a few times.
        for _ in 0..5 {
            let port = free_port();
            let config = dir.join("sshd_config");
            std::fs::write(
                &config,
                format!(
                    "Port {port}\nListenAddress 127.0.0.1\nHostKey {}\nAuthorizedKeysFile {}\n\
                     PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n\
                     PidFile none\nStrictModes no\nPermitRootLogin yes\n{level}\
                     AllowTcpForwarding yes\nSetEnv HOME={}{more_env}\n{extra}\n",
                    host_key.display(),
                    authorized.display(),
                    home.display()
                ),
            )
            .expect("sshd_config");
            let mut child = Command::new(SSHD)
                .arg("-D")
                .arg("-E")
                .arg(&log)
                .arg("-f")
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn sshd");
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                if banner_ok(port) {
                    return Sshd {
                        child,
                        port,
                        dir: dir.to_path_buf(),
                        host_pub: host_pub.trim().to_string(),
                        log,
                    };
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!(
            "sshd did not start; log:\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    /// Allow `pub_line` to log in.
    pub fn authorize(&self, pub_line: &str) {
        let path = self.dir.join("authorized_keys");
        let mut s = std::fs::read_to_string(&path).expect("read authorized_keys");
        s.push_str(pub_line.trim());
        s.push('\n');
        std::fs::write(path, s).expect("write authorized_keys");
    }

    /// The known_hosts line OpenSSH would write for this server.
    pub fn known_hosts_line(&self) -> String {
        let mut parts = self.host_pub.split_whitespace();
        let kt = parts.next().expect("key type");
        let blob = parts.next().expect("key blob");
        format!("[127.0.0.1]:{} {kt} {blob}", self.port)
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Kill this sshd's per-connection children (each client's session
    /// process), which drops every client connection while the listener stays up.
    pub fn drop_connections(&self) -> usize {
        let me = self.child.id().to_string();
        let mut killed = 0;
        for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
                continue;
            };
            // Field 4 (after "pid (comm) state") is the parent pid.
            let Some(after) = stat.rsplit_once(')').map(|(_, a)| a) else {
                continue;
            };
            if after.split_whitespace().nth(1) == Some(me.as_str()) {
                let pid = entry.file_name().to_string_lossy().into_owned();
                if Command::new("kill")
                    .args(["-KILL", &pid])
                    .status()
                    .is_ok_and(|s| s.success())
                {
                    killed += 1;
                }
            }
        }
        killed
    }
}

fn banner_ok(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
    let mut buf = [0u8; 4];
    s.read_exact(&mut buf).is_ok() && &buf == b"SSH-"
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
