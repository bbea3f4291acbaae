//! A shell kept open on a node for the scripts that bound themselves.
//!
//! Every exec costs the node an sshd session (a fork of sshd, the login shell),
//! the wrapper's `sh` and `timeout`, and the script's own `sh`: on a re-sweep
//! that is about half the node's CPU for the probe (profiled on the 32-node
//! bench cluster, where the CPU is what a warm sweep waits for). A resident
//! shell is one `sh -s` per connection, started by a node's second
//! self-bounded run on the channel that run would have used, reading one
//! request at a time from its stdin: each request is the script in a subshell
//! (a fork, no exec), followed by a marker line with a per-request nonce on
//! stdout and on stderr, so the client knows where the script's output ends.
//!
//! The shell keeps a private temp folder for its requests (`$RIVERSHARE_TMP`,
//! see [`OWNER`]), so a probe on it needs no `mktemp` and no `rm -rf` either.
//!
//! Only a script that bounds itself may run here (every command of it that may
//! hang has its own `timeout`): a request gets no `timeout` wrapper of its own.
//! The shell itself runs under `timeout -k 1` for [`LIFETIME`] and is retired
//! before that; it also ends when its channel or connection closes (EOF on its
//! stdin). A request that runs out of time, a shell that went away and anything
//! unexpected retire it; the caller then runs the script on a channel of its
//! own, so a script sent here must be safe to run again.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use russh::client;
use russh::{Channel, ChannelMsg};
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::timeout_at;

use super::exec::OUTPUT_CAP;
use super::jump::Connection;
use crate::facts::NodeError;
use crate::transport::CommandOutput;

/// How long a resident shell may live on the node (its `timeout` gives it a
/// second more, as every exec's does: 3600 s).
pub(crate) const LIFETIME: Duration = Duration::from_secs(3599);

/// The shell that owns a resident shell's private folder: it makes the folder,
/// runs `sh -s` (the resident shell, reading the requests) with
/// `RIVERSHARE_TMP` naming it, and removes it however that shell ends: EOF,
/// a signal, or SIGPIPE on a marker after its channel closed. The prelude of
/// `crate::framing` uses the folder instead of a `mktemp` and an `rm -rf` per
/// run. A `timeout` signals the whole process group: this shell's trap runs once
/// `sh -s` is gone.
const OWNER: &str = r#"@TEMP_BASE@
W=$(mktemp -d "$WT/rivershare.XXXXXX" 2>/dev/null) ||
  W=$(mktemp -d /tmp/rivershare.XXXXXX 2>/dev/null) || W=
trap '[ -z "$W" ] || rm -rf "$W"; exit 129' HUP
trap '[ -z "$W" ] || rm -rf "$W"; exit 130' INT
trap '[ -z "$W" ] || rm -rf "$W"; exit 143' TERM
RIVERSHARE_TMP=$W sh -s rivershare-resident
rc=$?
[ -z "$W" ] || rm -rf "$W"
exit $rc"#;

/// The exec that starts a resident shell: [`OWNER`] as every script runs (under
/// the node's `timeout -k 1`, for the shell's [`LIFETIME`], when it has one).
pub(crate) fn start_command(bounded: bool) -> String {
    let owner = OWNER.replace("@TEMP_BASE@", crate::framing::TEMP_BASE.trim());
    super::exec::remote_command(&owner, LIFETIME, bounded)
}

/// One request's text: the script in a subshell with stdin closed and no
/// positional parameters (the shell's `$1` names it in the process table), then
/// the markers that end its stdout (with the exit status) and its stderr.
pub(crate) fn request_text(script: &str, nonce: &str) -> String {
    format!(
        "(\nset --\n{script}\n) </dev/null\nprintf '@@rivershare resident {nonce} %s\\n' \"$?\"\nprintf '@@rivershare resident {nonce}\\n' >&2\n"
    )
}

/// A fresh nonce for one request: 16 random bytes in hex.
fn nonce() -> String {
    use ring::rand::{SecureRandom, SystemRandom};
    let mut bytes = [0u8; 16];
    if SystemRandom::new().fill(&mut bytes).is_err() {
        // Unforgeable is not needed against the script (whose output never starts a
        // line with the marker text), only unique per request: time and a counter do.
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let c = COUNT.fetch_add(1, Ordering::Relaxed) as u128;
        bytes = (t ^ (c << 96)).to_le_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A resident shell: its channel, and the channel permit it holds for life.
/// Dropping it retires it (see its `Drop`).
pub(crate) struct Resident {
    conn: Weak<Connection>,
    /// Taken by `Drop`.
    channel: Option<Channel<client::Msg>>,
    _permit: OwnedSemaphorePermit,
    started: Instant,
}

/// Why a request gave no output.
pub(crate) enum RequestError {
    /// The shell is gone or misbehaved: nothing it printed is to be trusted; run
    /// the script elsewhere.
    Gone(String),
    /// The script did not finish by the deadline.
    TimedOut,
}

impl Resident {
    /// A resident shell on `channel`, whose start command has been sent.
    pub(crate) fn new(
        conn: &Arc<Connection>,
        channel: Channel<client::Msg>,
        permit: OwnedSemaphorePermit,
    ) -> Self {
        Self {
            conn: Arc::downgrade(conn),
            channel: Some(channel),
            _permit: permit,
            started: Instant::now(),
        }
    }

    /// Usable for a request on `conn` that may take up to `limit`: same
    /// connection, and retired well before its `timeout` ends it.
    pub(crate) fn fits(&self, conn: &Arc<Connection>, limit: Duration) -> bool {
        Weak::ptr_eq(&self.conn, &Arc::downgrade(conn))
            && self.started.elapsed() + limit + Duration::from_secs(10) < LIFETIME
    }

    /// Run `script` as one request, until its markers or `deadline`.
    pub(crate) async fn request(
        &mut self,
        script: &str,
        started: Instant,
        deadline: tokio::time::Instant,
    ) -> Result<CommandOutput, RequestError> {
        let nonce = nonce();
        let text = request_text(script, &nonce);
        let out_marker = format!("@@rivershare resident {nonce} ");
        let err_marker = format!("@@rivershare resident {nonce}\n");
        let Some(channel) = self.channel.as_mut() else {
            return Err(RequestError::Gone("retired".into()));
        };
        let collect = async {
            channel
                .data(text.as_bytes())
                .await
                .map_err(|e| RequestError::Gone(format!("send: {e}")))?;
            let (mut out, mut err) = (Vec::new(), Vec::new());
            let (mut status, mut err_end) = (None, None);
            while status.is_none() || err_end.is_none() {
                match channel.wait().await {
                    Some(ChannelMsg::Data { data }) => {
                        out.extend_from_slice(&data);
                        status = status.or_else(|| status_after(&out, out_marker.as_bytes()));
                    }
                    Some(ChannelMsg::ExtendedData { data, ext: 1 }) => {
                        err.extend_from_slice(&data);
                        err_end = err_end.or_else(|| find(&err, err_marker.as_bytes()));
                    }
                    Some(ChannelMsg::WindowAdjusted { .. } | ChannelMsg::Success) => {}
                    Some(other) => {
                        return Err(RequestError::Gone(format!("the shell ended ({other:?})")));
                    }
                    None => return Err(RequestError::Gone("the channel closed".into())),
                }
                if out.len() > OUTPUT_CAP || err.len() > OUTPUT_CAP {
                    return Err(RequestError::Gone("output over 8 MiB".into()));
                }
            }
            let (at, code) = status.unwrap_or_default();
            out.truncate(at);
            err.truncate(err_end.unwrap_or(err.len()));
            Ok(CommandOutput {
                stdout: out,
                stderr: err,
                exit_status: Some(code),
                elapsed: started.elapsed(),
            })
        };
        match timeout_at(deadline, collect).await {
            Ok(r) => r,
            Err(_) => Err(RequestError::TimedOut),
        }
    }
}

impl Drop for Resident {
    /// Dropping a shell retires it: EOF on its stdin, then the channel closed,
    /// in the background. A channel is not closed on drop, and a shell dropped
    /// any way (retired after a failed request, or its run cancelled: a sweep
    /// given up, the console closed) would otherwise keep its session and its
    /// `sh -s` until the connection ends.
    fn drop(&mut self) {
        if let Some(channel) = self.channel.take()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn(async move {
                let _ = channel.eof().await;
                let _ = channel.close().await;
            });
        }
    }
}

/// A connection's resident shell, and how its self-bounded runs went.
#[derive(Default)]
pub(crate) struct Slot {
    shell: tokio::sync::Mutex<Option<Resident>>,
    /// Self-bounded runs asked for; the first one never starts a shell, so a
    /// single sweep (`check`) costs the node nothing more.
    asked: AtomicUsize,
    /// Runs that ran on a resident shell.
    served: AtomicUsize,
}

impl super::SshTransport {
    /// Run a self-bounded `script` (see the module docs) on this connection's
    /// resident shell, starting one on the second such run; on the exec path
    /// when the shell is busy with another run or cannot serve.
    pub(crate) async fn run_on_resident(
        &self,
        script: &str,
        limit: Duration,
    ) -> Result<CommandOutput, NodeError> {
        let first = self.resident.asked.fetch_add(1, Ordering::Relaxed) == 0;
        let slot = if first {
            None
        } else {
            self.resident.shell.try_lock().ok()
        };
        let Some(mut slot) = slot else {
            return self.run_script(script, limit, None).await;
        };
        let started = Instant::now();
        let deadline = tokio::time::Instant::from_std(started + limit);
        let conn = self.live(limit).await?;
        let mut shell = match slot.take() {
            Some(shell) if shell.fits(&conn, limit) => shell,
            stale => {
                // Another connection's, or near the end of its life: retired.
                drop(stale);
                match self.start_resident(&conn, deadline, limit).await {
                    Some(shell) => shell,
                    None => {
                        drop(slot);
                        return self.run_script(script, limit, None).await;
                    }
                }
            }
        };
        match shell.request(script, started, deadline).await {
            Ok(out) => {
                *slot = Some(shell);
                self.resident.served.fetch_add(1, Ordering::Relaxed);
                self.shared.resident_runs.fetch_add(1, Ordering::Relaxed);
                Ok(out)
            }
            Err(RequestError::Gone(why)) => {
                tracing::debug!(
                    "{}: resident shell: {why}; running on a channel of its own",
                    self.label
                );
                drop(shell);
                drop(slot);
                self.run_script(script, limit.saturating_sub(started.elapsed()), None)
                    .await
            }
            Err(RequestError::TimedOut) => {
                drop(shell);
                drop(slot);
                Err(super::exec::past_deadline(&conn.handle, &self.label, limit).await)
            }
        }
    }

    /// A resident shell started on the channel a run would use (the spare when
    /// there is one): `None` when no channel opens in time, so the caller runs
    /// the script on the exec path, which reports why.
    async fn start_resident(
        &self,
        conn: &Arc<Connection>,
        deadline: tokio::time::Instant,
        limit: Duration,
    ) -> Option<Resident> {
        // A server that refused a spare may allow very few sessions (`MaxSessions
        // 1` lets none run beside a resident shell).
        if self.spares.refused() {
            return None;
        }
        let (ready, permit) = self.channel_for(conn, deadline, limit).await.ok()?;
        self.spares.refill(conn, &self.channels, &self.label);
        let channel = match ready {
            Some(c) => c,
            None => super::exec::open_session(&conn.handle, deadline, &self.label)
                .await
                .ok()?,
        };
        if let Err(e) = channel
            .exec(
                true,
                start_command(!self.lacks_timeout.load(Ordering::Relaxed)),
            )
            .await
        {
            tracing::debug!("{}: resident shell not started: {e}", self.label);
            // A channel is not closed on drop: the server would keep the session.
            let _ = channel.close().await;
            return None;
        }
        Some(Resident::new(conn, channel, permit))
    }

    /// How many runs ran on a resident shell.
    pub fn resident_runs(&self) -> usize {
        self.resident.served.load(Ordering::Relaxed)
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Where the stdout marker starts and the exit status it carries, once its line is complete.
fn status_after(out: &[u8], marker: &[u8]) -> Option<(usize, u32)> {
    let at = find(out, marker)?;
    let rest = &out[at + marker.len()..];
    let end = rest.iter().position(|&b| b == b'\n')?;
    let code = std::str::from_utf8(&rest[..end])
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some((at, code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marker_ends_stdout_and_carries_the_status() {
        let out = b"@@rivershare begin 1\n|x\n@@rivershare end\n@@rivershare resident ab 3\n";
        let (at, code) = status_after(out, b"@@rivershare resident ab ").expect("marker");
        assert_eq!(&out[..at], b"@@rivershare begin 1\n|x\n@@rivershare end\n");
        assert_eq!(code, 3);
        // Not yet complete: the status line has not ended.
        assert_eq!(
            status_after(b"@@rivershare resident ab 1", b"@@rivershare resident ab "),
            None
        );
    }

    #[test]
    fn a_request_runs_its_script_in_a_subshell_and_marks_its_end() {
        let text = request_text("exit 4", "n1");
        let out = std::process::Command::new("sh")
            .arg("-s")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                use std::io::Write;
                let mut stdin = c.stdin.take().expect("stdin");
                // Two requests: the first one's `exit` ends only its subshell.
                stdin.write_all(text.as_bytes())?;
                stdin.write_all(request_text("echo two; echo e >&2", "n2").as_bytes())?;
                drop(stdin);
                c.wait_with_output()
            })
            .expect("sh -s");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "@@rivershare resident n1 4\ntwo\n@@rivershare resident n2 0\n"
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "@@rivershare resident n1\ne\n@@rivershare resident n2\n"
        );
    }
}
