//! One script on one session channel: `sh -c '<script>'`, EOF on stdin at once,
//! stdout and stderr collected (each capped), exit status, bounded by a deadline.

use std::time::{Duration, Instant};

use russh::Channel;
use russh::client::{self, Handle};
use russh::{ChannelMsg, Sig};
use tokio::time::timeout_at;

use super::session::ClientHandler;
use crate::facts::{NodeError, NodeErrorKind};
use crate::probe::script::{CUT_DIRECTIVE, timeout_arg};
use crate::shell::sh_quote;
use crate::transport::{CommandOutput, OnStdout};

/// Largest stdout (and stderr) kept per run.
pub(crate) const OUTPUT_CAP: usize = 8 * 1024 * 1024;

/// How long a script that ran out of time may wait for the server to answer a ping.
/// It must fit in the transport's grace after the deadline (`RUN_GRACE`, 500 ms).
const PING_WAIT: Duration = Duration::from_millis(300);

/// Does the server still answer on this connection? Distinguishes a script that
/// outlived its limit (the node answers) from a node that went away mid-run.
async fn answers(handle: &Handle<ClientHandler>) -> bool {
    matches!(
        tokio::time::timeout(PING_WAIT, handle.send_ping()).await,
        Ok(Ok(()))
    ) && !handle.is_closed()
}

/// Why a run failed.
pub(crate) enum ExecError {
    /// The session channel could not be opened because the connection is gone:
    /// nothing ran, so the caller may reconnect and retry once.
    ConnectionLost(NodeError),
    Failed(NodeError),
}

/// Append what fits under [`OUTPUT_CAP`]; returns the part kept.
fn push_capped<'d>(buf: &mut Vec<u8>, data: &'d [u8], truncated: &mut bool) -> &'d [u8] {
    let room = OUTPUT_CAP.saturating_sub(buf.len());
    if data.len() > room {
        *truncated = true;
    }
    let kept = &data[..data.len().min(room)];
    buf.extend_from_slice(kept);
    kept
}

/// Open a session channel, retrying while the server refuses it for lack of
/// room. sshd frees a finished session only in its next garbage-collection
/// pass, so a channel opened right after another closed can briefly exceed its
/// `MaxSessions` (10 by default); a server with a lower limit is waited for too.
/// `Err(None)` means the deadline passed.
pub(crate) async fn open_session(
    handle: &Handle<ClientHandler>,
    deadline: tokio::time::Instant,
    label: &str,
) -> Result<Channel<client::Msg>, Option<ExecError>> {
    let mut pause = Duration::from_millis(20);
    let mut refusals = 0u32;
    loop {
        match timeout_at(deadline, handle.channel_open_session()).await {
            Err(_) => return Err(None),
            Ok(Ok(c)) => return Ok(c),
            Ok(Err(e)) if handle.is_closed() => {
                return Err(Some(ExecError::ConnectionLost(NodeError::new(
                    NodeErrorKind::Transport,
                    format!("{label}: connection lost: {e}"),
                ))));
            }
            Ok(Err(russh::Error::ChannelOpenFailure(why))) if refusals < 50 => {
                refusals += 1;
                tracing::debug!(
                    "{label}: session channel refused ({why:?}); retrying in {pause:?}"
                );
                let wake = (tokio::time::Instant::now() + pause).min(deadline);
                tokio::time::sleep_until(wake).await;
                if wake >= deadline {
                    return Err(None);
                }
                pause = (pause * 2).min(Duration::from_millis(500));
            }
            Ok(Err(e)) => {
                return Err(Some(ExecError::Failed(NodeError::new(
                    NodeErrorKind::Transport,
                    format!("{label}: cannot open a session channel: {e}"),
                ))));
            }
        }
    }
}

/// `exec timeout -k 1 <limit + 1> sh -c '<script>' <name>`, or `exec sh -c
/// '<script>' <name>` on a node without `timeout` (`bounded: false`, see
/// [`lacks_timeout`]). The login shell, whatever it is, runs one simple command:
/// `exec`, a few words and one quoted word, which every Bourne-like shell and fish
/// read alike.
///
/// sshd does not deliver a "signal" channel request to root sessions (it needs
/// privilege separation), and closing a channel does not stop a process that
/// ignores its stdio. So the node bounds the script itself: coreutils `timeout`
/// (not `--foreground`) kills the script's whole process group shortly after our
/// own deadline, which fires first and reports `command_timeout`.
///
/// No wrapper shell decides whether `timeout` exists: that was one more `sh`
/// started on every exec (about 1 ms of a node's CPU, 1/35 of a cold sweep's).
/// The rare node without it answers the first exec with "not found" and exit
/// 127 before anything ran; the caller then runs the script unbounded, and so
/// does every later exec on that connection.
///
/// The script is one quoted word that the login shell reads (bash takes about
/// 0.7 ms for the 23 KB probe command; a here-document would take 0.3 ms, but
/// fish has none). On stdin it would not be, but OpenSSH opens
/// a session channel with no window and grants one only once the command has
/// started, so the script would follow one round trip after the request
/// (measured at 200 ms each way: +0.75 round trip a cold sweep, +1.5 for
/// verification).
///
/// `<name>` ([`process_name`]) is the script's `$0`, so the node's process table
/// says what runs (`... rivershare-probe`, `... rivershare-verify-read`).
///
/// A script whose second line is the probe's cut directive
/// ([`crate::probe::script::CUT_DIRECTIVE`] and a duration shorter than the
/// limit) gets `usr1` as its `$1`, and the node's `timeout` signals USR1 once
/// that duration has passed, then KILL at the same end as any other script.
pub(crate) fn remote_command(script: &str, limit: Duration, bounded: bool) -> String {
    let run = format!(
        "sh -c {} {}",
        sh_quote(script),
        sh_quote(&process_name(script))
    );
    if !bounded {
        return format!("exec {run}");
    }
    let secs = limit.as_secs_f64().ceil() as u64 + 1;
    match cut_after(script).filter(|cut| cut.as_secs_f64() < limit.as_secs_f64()) {
        Some(cut) => {
            let kill = Duration::from_secs(secs).saturating_sub(cut);
            format!(
                "exec timeout -s USR1 -k {} {} {run} usr1",
                timeout_arg(kill),
                timeout_arg(cut)
            )
        }
        None => format!("exec timeout -k 1 {secs} {run}"),
    }
}

/// The duration of a script's cut directive (its second line), if it has one.
fn cut_after(script: &str) -> Option<Duration> {
    let line = script.lines().nth(1)?;
    let secs: f64 = line.strip_prefix(CUT_DIRECTIVE)?.trim().parse().ok()?;
    (secs.is_finite() && secs > 0.0).then(|| Duration::from_secs_f64(secs))
}

/// Did the node's login shell fail to find `timeout` (so nothing ran)? Exit 127,
/// no output, and a complaint naming it: bash's "exec: timeout: not found",
/// zsh's "command not found: timeout", fish's "Unknown command: timeout". Every
/// script rivershare sends prints on stdout first, so a script that ran is
/// never taken for this.
pub(crate) fn lacks_timeout(out: &CommandOutput) -> bool {
    out.exit_status == Some(127)
        && out.stdout.is_empty()
        && String::from_utf8_lossy(&out.stderr).contains("timeout")
}

/// `rivershare-<name>` from a script's first line, `# rivershare <name>,
/// protocol 1` (every script's header), in lowercase letters, digits and
/// dashes; `rivershare` for a script without one.
fn process_name(script: &str) -> String {
    let name = script
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("# rivershare "))
        .and_then(|l| l.split(',').next())
        .unwrap_or("");
    let mut out = String::from("rivershare");
    for word in name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(6)
    {
        out.push('-');
        out.push_str(&word.to_ascii_lowercase());
    }
    out
}

/// Run `command` ([`remote_command`]) on `ready` (a channel opened ahead of
/// need) or on a channel opened now.
pub(crate) async fn exec(
    handle: &Handle<ClientHandler>,
    ready: Option<Channel<client::Msg>>,
    command: &str,
    started: Instant,
    limit: Duration,
    label: &str,
    on_stdout: Option<OnStdout<'_>>,
) -> Result<CommandOutput, ExecError> {
    let deadline = tokio::time::Instant::from_std(started + limit);
    let timed_out = || {
        NodeError::new(
            NodeErrorKind::CommandTimeout,
            format!(
                "{label}: script did not finish within {} s",
                limit.as_secs_f64()
            ),
        )
    };
    let mut channel = match ready {
        Some(channel) => channel,
        None => open_session(handle, deadline, label)
            .await
            .map_err(|e| e.unwrap_or_else(|| ExecError::Failed(timed_out())))?,
    };
    let failed = |step: &str, e: russh::Error| {
        ExecError::Failed(NodeError::new(
            NodeErrorKind::Transport,
            format!("{label}: {step}: {e}"),
        ))
    };
    let collect = async {
        channel
            .exec(true, command.as_bytes())
            .await
            .map_err(|e| failed("exec", e))?;
        // The script's stdin is empty: EOF right away, so a stray `read` returns.
        channel.eof().await.map_err(|e| failed("eof", e))?;
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let (mut out_trunc, mut err_trunc) = (false, false);
        let mut exit_status = None;
        let mut signal = None;
        while let Some(msg) = channel.wait().await {
            match msg {
                ChannelMsg::Data { data } => {
                    let kept = push_capped(&mut out, &data, &mut out_trunc);
                    // Handed over as it arrives: a caller keeps what streamed even
                    // when the deadline below cuts the script short.
                    if let Some(f) = on_stdout
                        && !kept.is_empty()
                    {
                        f(kept);
                    }
                }
                ChannelMsg::ExtendedData { data, ext: 1 } => {
                    push_capped(&mut err, &data, &mut err_trunc);
                }
                ChannelMsg::ExitStatus { exit_status: s } => exit_status = Some(s),
                ChannelMsg::ExitSignal { signal_name, .. } => signal = Some(signal_name),
                ChannelMsg::Failure => {
                    return Err(ExecError::Failed(NodeError::new(
                        NodeErrorKind::Transport,
                        format!("{label}: the server refused to run the command"),
                    )));
                }
                ChannelMsg::Close => break,
                _ => {}
            }
        }
        for (trunc, name) in [(out_trunc, "stdout"), (err_trunc, "stderr")] {
            if trunc {
                tracing::warn!("{label}: {name} truncated at {OUTPUT_CAP} bytes");
                err.extend_from_slice(
                    format!("\n[rivershare: {name} truncated at 8 MiB]\n").as_bytes(),
                );
            }
        }
        if let Some(sig) = &signal {
            tracing::debug!("{label}: script killed by signal {sig:?}");
        }
        if exit_status.is_none() && signal.is_none() && handle.is_closed() {
            return Err(ExecError::Failed(NodeError::new(
                NodeErrorKind::Transport,
                format!("{label}: connection lost while the script ran"),
            )));
        }
        Ok(CommandOutput {
            stdout: out,
            stderr: err,
            exit_status,
            elapsed: started.elapsed(),
        })
    };
    let result = timeout_at(deadline, collect).await;
    match result {
        Ok(r) => r,
        Err(_) => {
            // Ask sshd to kill the script (honoured for non-root users; the remote
            // `timeout` covers root), then close: a channel is not closed on drop.
            let _ = channel.signal(Sig::KILL).await;
            let _ = channel.close().await;
            Err(ExecError::Failed(past_deadline(handle, label, limit).await))
        }
    }
}

/// The error for a script still running at its deadline: a timeout when the
/// node answers a ping, `Unreachable` when the node itself is gone (powered off,
/// cable pulled), which calling a slow script would blame on its storage.
pub(crate) async fn past_deadline(
    handle: &Handle<ClientHandler>,
    label: &str,
    limit: Duration,
) -> NodeError {
    if answers(handle).await {
        return NodeError::new(
            NodeErrorKind::CommandTimeout,
            format!(
                "{label}: script did not finish within {} s",
                limit.as_secs_f64()
            ),
        );
    }
    NodeError::new(
        NodeErrorKind::Unreachable,
        format!(
            "{label}: the node stopped answering while the script ran (no reply to \
             an SSH ping within {} ms after the {} s limit)",
            PING_WAIT.as_millis(),
            limit.as_secs_f64()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::{Command, Stdio};

    /// What a node's login shell does with the command: `sh -c <command>`, with
    /// stdin at its end, as the client sends EOF at once.
    fn run_as_a_node_would(script: &str) -> std::process::Output {
        Command::new("sh")
            .arg("-c")
            .arg(remote_command(script, Duration::from_secs(10), true))
            .stdin(Stdio::null())
            .output()
            .expect("sh")
    }

    #[test]
    fn the_script_runs_whole_named_by_its_header_without_positional_parameters() {
        let padding = "# padding\n".repeat(1_000);
        let script = format!(
            "# rivershare verify read, protocol 1\ncat\necho \"after cat\"\n\
             echo \"$0 $#\" >&2\ntr '\\0' ' ' </proc/$$/cmdline >&2\n\
             exit 3\necho never\n{padding}# no newline"
        );
        let out = run_as_a_node_would(&script);
        assert_eq!(String::from_utf8_lossy(&out.stdout), "after cat\n");
        let err = String::from_utf8_lossy(&out.stderr);
        let mut lines = err.lines();
        assert_eq!(lines.next(), Some("rivershare-verify-read 0"));
        // The process table ends with the name (after the script's text).
        assert!(err.ends_with(" rivershare-verify-read "), "{err:?}");
        assert!(err.contains("sh -c # rivershare verify read"), "{err:?}");
        assert_eq!(out.status.code(), Some(3));
    }

    #[test]
    fn the_process_name_comes_from_the_script_s_header() {
        assert_eq!(
            process_name("# rivershare probe, protocol 1\nD=x"),
            "rivershare-probe"
        );
        assert_eq!(
            process_name("# rivershare usage walk (du), protocol 1\n"),
            "rivershare-usage-walk-du"
        );
        assert_eq!(process_name("echo hi"), "rivershare");
        assert_eq!(process_name("# rivershare ';rm -rf /'"), "rivershare-rm-rf");
    }

    /// A node whose PATH has `sh` but no `timeout`: the bounded command is refused
    /// before the script runs, which `lacks_timeout` recognises; the unbounded one
    /// runs it. A script that ran and failed with 127 is not taken for a refusal.
    #[test]
    fn a_node_without_timeout_refuses_the_bounded_form_before_the_script_runs() {
        let bin = tempfile::tempdir().expect("tempdir");
        std::os::unix::fs::symlink("/bin/sh", bin.path().join("sh")).expect("symlink");
        let run = |command: String| {
            let out = Command::new("/bin/sh")
                .arg("-c")
                .arg(command)
                .env("PATH", bin.path())
                .stdin(Stdio::null())
                .output()
                .expect("sh");
            CommandOutput {
                stdout: out.stdout,
                stderr: out.stderr,
                exit_status: out.status.code().and_then(|c| u32::try_from(c).ok()),
                elapsed: Duration::ZERO,
            }
        };
        let script = "echo ran\nexit 127";
        let refused = run(remote_command(script, Duration::from_secs(10), true));
        assert!(lacks_timeout(&refused), "{refused:?}");
        let ran = run(remote_command(script, Duration::from_secs(10), false));
        assert_eq!(ran.stdout, b"ran\n");
        assert!(!lacks_timeout(&ran), "{ran:?}");
        let with_timeout = run_as_a_node_would(script);
        assert_eq!(with_timeout.stdout, b"ran\n");
    }

    #[test]
    fn only_a_script_with_a_cut_directive_shorter_than_its_limit_is_cut_by_usr1() {
        let probe = crate::probe::script::build("/mnt/share", Duration::from_millis(2667));
        assert_eq!(cut_after(&probe), Some(Duration::from_millis(2667)));
        let command = remote_command(&probe, Duration::from_secs(8), true);
        assert!(
            command.starts_with("exec timeout -s USR1 -k 6.333 2.667 sh -c "),
            "{}",
            &command[..60]
        );
        assert!(command.ends_with(" 'rivershare-probe' usr1"), "{command}");
        // Not when the limit is shorter than the cut, nor without timeout.
        let short = remote_command(&probe, Duration::from_secs(2), true);
        assert!(short.starts_with("exec timeout -k 1 3 sh -c "));
        assert!(short.ends_with(" 'rivershare-probe'"));
        let unbounded = remote_command(&probe, Duration::from_secs(8), false);
        assert!(unbounded.starts_with("exec sh -c ") && unbounded.ends_with(" 'rivershare-probe'"));
        let plain = remote_command(
            "# rivershare x, protocol 1\necho",
            Duration::from_secs(8),
            true,
        );
        assert!(plain.starts_with("exec timeout -k 1 9 sh -c "));
        assert_eq!(
            cut_after("# rivershare x\n# rivershare cut: USR1 after nan"),
            None
        );
    }

    /// The probe as the exec path runs it, on a node whose `findmnt` hangs: the
    /// node's one `timeout` signals USR1 when the share's budget ends, the
    /// share group's subshell and the hung findmnt die, and the script goes on
    /// to report the cut and end, with no `timeout` of the group's own.
    #[test]
    fn a_hung_share_group_is_cut_by_the_node_s_timeout_and_the_probe_goes_on() {
        let bin = tempfile::tempdir().expect("tempdir");
        let log = bin.path().join("timeout.log");
        let fake = |name: &str, body: String| {
            let path = bin.path().join(name);
            std::fs::write(&path, body).expect("fake tool");
            std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755))
                .expect("chmod");
        };
        fake("findmnt", "#!/bin/sh\nexec sleep 30\n".into());
        fake(
            "timeout",
            format!(
                "#!/bin/sh\necho \"$1 $2\" >>{}\nexec /usr/bin/timeout \"$@\"\n",
                log.display()
            ),
        );
        let share = tempfile::tempdir().expect("share");
        let probe = crate::probe::script::build(
            share.path().to_str().expect("utf-8"),
            Duration::from_millis(700),
        );
        let started = Instant::now();
        let out = Command::new("/bin/sh")
            .arg("-c")
            .arg(remote_command(&probe, Duration::from_secs(8), true))
            .env("PATH", format!("{}:/usr/bin:/bin", bin.path().display()))
            .stdin(Stdio::null())
            .output()
            .expect("sh");
        let took = started.elapsed();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("@@rivershare findmnt timeout\n"), "{text}");
        for later in ["path", "stat", "df", "list", "write", "layout"] {
            assert!(
                text.contains(&format!("@@rivershare {later} skip hung\n")),
                "{later}: {text}"
            );
        }
        assert!(text.contains("@@rivershare stuck ok"), "{text}");
        assert!(text.ends_with("@@rivershare end\n"), "{text}");
        assert!(took < Duration::from_secs(5), "took {took:?}");
        let calls = std::fs::read_to_string(&log).expect("timeout log");
        assert_eq!(calls, "-s USR1\n", "one timeout, the node's: {calls}");
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("signal"),
            "{:?}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    #[test]
    fn a_script_that_ends_normally_exits_with_its_last_status() {
        let out = run_as_a_node_would("echo one\nfalse");
        assert_eq!(String::from_utf8_lossy(&out.stdout), "one\n");
        assert_eq!(out.status.code(), Some(1));
    }
}
