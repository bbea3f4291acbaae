//! The local transport: runs the probe script through `sh` on this machine.
//!
//! The script runs in its own process group so that a timeout can kill every
//! process it started (`sleep 100 &` included), not only the `sh` itself, with
//! `TMPDIR` a folder that is removed however the script ended, once its last
//! process is gone.

use std::process::Stdio;
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::io::AsyncReadExt;
use tokio::process::Command;

use super::{CommandOutput, OnStdout, Transport};
use crate::facts::{NodeError, NodeErrorKind};

/// Runs scripts with `sh -c` on this machine.
#[derive(Debug, Default, Clone, Copy)]
pub struct LocalTransport;

impl LocalTransport {
    pub fn new() -> Self {
        LocalTransport
    }
}

/// Largest amount of stdout or stderr kept, like the SSH transport.
const OUTPUT_CAP: usize = 8 * 1024 * 1024;

/// Read all of `r`, keeping the first [`OUTPUT_CAP`] bytes; `true` if more came.
/// Each kept piece goes to `on_read` the moment it is read, so what it saw is
/// exactly the returned bytes, even when the caller stops waiting (timeout).
async fn read_capped<R: tokio::io::AsyncRead + Unpin>(
    mut r: R,
    on_read: Option<OnStdout<'_>>,
) -> std::io::Result<(Vec<u8>, bool)> {
    let mut out = Vec::new();
    let mut truncated = false;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = r.read(&mut buf).await?;
        if n == 0 {
            return Ok((out, truncated));
        }
        truncated |= out.len() + n > OUTPUT_CAP;
        // Keep draining past the cap so the child never blocks on a full pipe.
        let room = OUTPUT_CAP.saturating_sub(out.len());
        let kept = &buf[..n.min(room)];
        if let Some(f) = on_read
            && !kept.is_empty()
        {
            f(kept);
        }
        out.extend_from_slice(kept);
    }
}

/// The script's process group and its scratch folder. Dropping it kills the
/// group: after the script ended (a background grandchild must not outlive the
/// probe), after a timeout, and when the caller stops waiting (a console closing
/// mid-sweep drops the future; `kill_on_drop` alone would kill only the `sh`).
/// Then it removes the folder, once no process of the group runs: a killed
/// process still finishing a syscall can make a file in the folder after it was
/// emptied, and the folder stayed (in 1 to 3 of 100 killed runs of a script
/// making files, before this waited).
struct ProcessGroup {
    pgid: Option<i32>,
    scratch: Option<tempfile::TempDir>,
}

/// How long a dropped group's folder waits for the group's processes (one stuck
/// on a hung mount can take long to die) before it is removed anyway.
const SCRATCH_WAIT: Duration = Duration::from_secs(30);

/// How long a run waits for its killed processes to be gone before it returns,
/// so the folder is removed before the caller goes on (and perhaps exits).
const SETTLE: Duration = Duration::from_millis(500);

/// The same wait when a run is dropped, on the dropping thread: killed
/// processes are gone within a millisecond or two, and a console that quits
/// mid-sweep exits right after, taking a waiting thread (and the folder's
/// removal) with it.
const DROP_SETTLE: Duration = Duration::from_millis(100);

/// Wait (blocking) up to `limit` for group `pgid` to have no running process;
/// whether it got there.
fn settles_within(pgid: i32, limit: Duration) -> bool {
    let until = Instant::now() + limit;
    while group_running(pgid) {
        if Instant::now() >= until {
            return false;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    true
}

impl ProcessGroup {
    /// Kill the group; the group id when any process of it was left.
    fn kill(&self) -> Option<i32> {
        // The child is the leader of its own group (process_group(0)), so its
        // pid is the group id. ESRCH: nobody left.
        self.pgid.filter(|&pgid| {
            killpg(Pid::from_raw(pgid), Signal::SIGKILL)
                .inspect_err(|e| tracing::debug!("killpg {pgid}: {e}"))
                .is_ok()
        })
    }

    /// Kill the group and wait up to [`SETTLE`] for its processes to be gone;
    /// the folder goes with `self`.
    async fn finish(self) {
        if let Some(pgid) = self.kill() {
            let until = Instant::now() + SETTLE;
            while group_running(pgid) && Instant::now() < until {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        let killed = self.kill();
        let Some(dir) = self.scratch.take() else {
            return;
        };
        let Some(pgid) = killed.filter(|&pgid| !settles_within(pgid, DROP_SETTLE)) else {
            return drop(dir);
        };
        // Still there (stuck on a hung mount): off this thread, so a dropped run's
        // caller (a console closing) does not wait for it.
        let waiter = std::thread::Builder::new()
            .name("rivershare-scratch".into())
            .spawn(move || {
                settles_within(pgid, SCRATCH_WAIT);
                drop(dir);
            });
        // Had the thread not started, its closure, the folder with it, is gone.
        if let Err(e) = waiter {
            tracing::debug!("scratch folder of group {pgid}: no thread to wait: {e}");
        }
    }
}

/// Whether a process of group `pgid` still runs. A zombie does not: it makes
/// no more files, and the script's `sh` stays one until tokio reaps it.
fn group_running(pgid: i32) -> bool {
    if killpg(Pid::from_raw(pgid), None).is_err() {
        return false;
    }
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return false;
    };
    procs.filter_map(Result::ok).any(|p| {
        let stat = std::fs::read_to_string(p.path().join("stat")).unwrap_or_default();
        // After the command name, which may hold anything: state, ppid, pgrp.
        let mut fields = stat
            .rsplit_once(')')
            .map_or("", |(_, r)| r)
            .split_whitespace();
        let (state, pgrp) = (fields.next(), fields.nth(1));
        state.is_some_and(|s| s != "Z") && pgrp.and_then(|g| g.parse().ok()) == Some(pgid)
    })
}

async fn run_local(
    script: &str,
    timeout: Duration,
    on_stdout: Option<OnStdout<'_>>,
) -> Result<CommandOutput, NodeError> {
    let started = Instant::now();
    // The script's temp files go in a folder of ours, removed with its process
    // group (`ProcessGroup`): a script killed below (its timeout, or the caller
    // giving up) cannot remove them.
    let scratch = tempfile::Builder::new()
        .prefix("rivershare-local.")
        .tempdir_in(scratch_base())
        .ok();
    let mut command = Command::new("sh");
    if let Some(dir) = &scratch {
        command.env("TMPDIR", dir.path());
    }
    let mut child = command
        .arg("-c")
        .arg(script)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| {
            NodeError::new(NodeErrorKind::Local, format!("local: cannot start sh: {e}"))
        })?;
    let group = ProcessGroup {
        pgid: child.id().and_then(|p| i32::try_from(p).ok()),
        scratch,
    };
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let work = async {
        let out = async {
            match stdout {
                Some(s) => read_capped(s, on_stdout).await,
                None => Ok((Vec::new(), false)),
            }
        };
        let err = async {
            match stderr {
                Some(s) => read_capped(s, None).await,
                None => Ok((Vec::new(), false)),
            }
        };
        let (out, err, status) = tokio::join!(out, err, child.wait());
        (out, err, status)
    };
    let outcome = tokio::time::timeout(timeout, work).await;
    // Whatever happened, the group goes (a background grandchild too), and its
    // folder with it.
    group.finish().await;
    match outcome {
        Ok((out, err, status)) => {
            let status = status.map_err(|e| {
                NodeError::new(NodeErrorKind::Local, format!("local: waiting for sh: {e}"))
            })?;
            let io = |e: std::io::Error| {
                NodeError::new(NodeErrorKind::Local, format!("local: reading output: {e}"))
            };
            let (stdout, out_trunc) = out.map_err(io)?;
            let (mut stderr, err_trunc) = err.map_err(io)?;
            // Same note as the SSH transport, so a parser sees why output ends early.
            for (trunc, name) in [(out_trunc, "stdout"), (err_trunc, "stderr")] {
                if trunc {
                    tracing::warn!("local: {name} truncated at {OUTPUT_CAP} bytes");
                    stderr.extend_from_slice(
                        format!("\n[rivershare: {name} truncated at 8 MiB]\n").as_bytes(),
                    );
                }
            }
            Ok(CommandOutput {
                stdout,
                stderr,
                exit_status: status.code().and_then(|c| u32::try_from(c).ok()),
                elapsed: started.elapsed(),
            })
        }
        Err(_) => Err(NodeError::new(
            NodeErrorKind::CommandTimeout,
            format!(
                "local: script did not finish within {} s (process group killed)",
                timeout.as_secs_f64()
            ),
        )),
    }
}

impl Transport for LocalTransport {
    fn run<'a>(
        &'a self,
        script: &'a str,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<CommandOutput, NodeError>> {
        Box::pin(run_local(script, timeout, None))
    }

    fn run_streaming<'a>(
        &'a self,
        script: &'a str,
        timeout: Duration,
        on_stdout: &'a (dyn Fn(&[u8]) + Send + Sync),
    ) -> BoxFuture<'a, Result<CommandOutput, NodeError>> {
        Box::pin(run_local(script, timeout, Some(on_stdout)))
    }

    fn rtt(&self) -> Option<Duration> {
        None
    }

    fn describe(&self) -> String {
        "local".to_string()
    }
}

/// Where the scratch folder goes, chosen as a remote script chooses its temp
/// base (`crate::framing::TEMP_BASE`): `$TMPDIR` when set, else `/dev/shm` when
/// it is a sticky folder we may write (a tmpfs: no journal writes for the files
/// every step makes), else the system's temp folder.
fn scratch_base() -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    if std::env::var_os("TMPDIR").is_some_and(|t| !t.is_empty()) {
        return std::env::temp_dir();
    }
    let shm = std::path::Path::new("/dev/shm");
    let usable = std::fs::metadata(shm)
        .is_ok_and(|m| m.is_dir() && m.permissions().mode() & 0o1000 != 0)
        && nix::unistd::access(shm, nix::unistd::AccessFlags::W_OK).is_ok();
    if usable {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    }
}
