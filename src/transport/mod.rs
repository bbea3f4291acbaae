//! Running a script on a node. One trait, two implementations: [`local`] runs the
//! script through `sh` on this machine, [`ssh`] runs it over one reused SSH
//! connection per node. Everything SSH-specific (auth, known_hosts, ProxyJump,
//! keepalive) stays inside `ssh`.

pub mod local;
pub mod ssh;

use std::time::Duration;

use futures::future::BoxFuture;

use crate::facts::NodeError;

/// What a script printed, how it exited and how long it took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandOutput {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// `None` when the remote side sent no exit status (killed by a signal).
    pub exit_status: Option<u32>,
    pub elapsed: Duration,
}

/// What receives each piece of a script's stdout as it arrives.
pub type OnStdout<'a> = &'a (dyn Fn(&[u8]) + Send + Sync);

/// A live way to run scripts on one node. Implementations are cheap to share
/// (`Arc<dyn Transport>`) and safe to call concurrently: SSH bounds itself to at
/// most 8 channels per connection.
pub trait Transport: Send + Sync {
    /// Run `script` with `sh` on the node. The future resolves within `timeout`
    /// (plus a small grace for the kill), returning `CommandTimeout` if the script
    /// did not finish. The script's own stdin is empty.
    fn run<'a>(
        &'a self,
        script: &'a str,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<CommandOutput, NodeError>>;

    /// [`Transport::run`], handing each piece of stdout to `on_stdout` the moment
    /// it arrives, so a long script (the disk-usage walk) shows progress and a
    /// caller keeps what streamed even when the script is cut short.
    /// `on_stdout` sees exactly the bytes the returned `stdout` holds, in order
    /// (up to the transport's output cap).
    fn run_streaming<'a>(
        &'a self,
        script: &'a str,
        timeout: Duration,
        on_stdout: &'a (dyn Fn(&[u8]) + Send + Sync),
    ) -> BoxFuture<'a, Result<CommandOutput, NodeError>> {
        // Implementations that can stream override this; this one hands over
        // the whole stdout at the end.
        Box::pin(async move {
            let out = self.run(script, timeout).await?;
            on_stdout(&out.stdout);
            Ok(out)
        })
    }

    /// [`Transport::run`] for a script that bounds itself: every command of it
    /// that may hang has its own `timeout`, and it is safe to run again. A
    /// transport may run it on a shell kept open between runs instead of a new
    /// session (SSH does from a node's second such run), which costs the node
    /// far less on a re-sweep.
    fn run_self_bounded<'a>(
        &'a self,
        script: &'a str,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<CommandOutput, NodeError>> {
        self.run(script, timeout)
    }

    /// Round-trip time measured while connecting, if any.
    fn rtt(&self) -> Option<Duration>;

    /// Short description for logs: `ssh root@10.0.0.1:22` or `local`.
    fn describe(&self) -> String;
}
