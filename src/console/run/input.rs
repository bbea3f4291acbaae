//! Terminal input, read on a thread of its own and handed to the event loop
//! as messages.
//!
//! Why not crossterm's `EventStream` on the loop's task: once the terminal
//! hangs up (a dropped SSH session, a killed tmux pane), the tty is readable
//! forever and every read answers EOF or EIO, and crossterm 0.29's reader
//! loops on that without returning. On the loop's task that loop froze the
//! console at 100% CPU, deaf to SIGHUP and SIGTERM. Here, the thread first
//! waits for stdin itself (`poll`), sees the hangup (`POLLHUP`) and says so,
//! and only calls into crossterm when there are bytes to read. Should
//! crossterm still spin (a hangup between the two), it spins on this thread:
//! the loop goes on, and SIGHUP or the next failed draw ends the console.

use std::io::IsTerminal as _;
use std::os::fd::AsFd as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crossterm::event::Event;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use tokio::sync::mpsc::UnboundedSender;

/// What the input thread reports.
#[derive(Debug)]
pub enum Input {
    Event(Event),
    /// stdin hung up: the terminal is gone.
    HungUp,
    /// Reading the terminal failed otherwise.
    Failed(std::io::Error),
}

/// How long the thread waits for input before it looks at `stop` again.
const WAKE_EVERY: Duration = Duration::from_millis(200);

/// The input thread; stopped (within [`WAKE_EVERY`]) when dropped. Never
/// joined: a thread stuck in a read must not hold the console's exit.
pub struct InputThread {
    stop: Arc<AtomicBool>,
}

impl Drop for InputThread {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Start reading the terminal; every event, hangup or failure goes to `tx`.
pub fn spawn(tx: UnboundedSender<Input>) -> std::io::Result<InputThread> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    std::thread::Builder::new()
        .name("terminal-input".into())
        .spawn(move || read_loop(&tx, &flag))?;
    Ok(InputThread { stop })
}

/// What stdin's `poll` said.
enum Ready {
    Bytes,
    Nothing,
    HungUp,
}

fn wait_for_stdin(timeout: Duration) -> std::io::Result<Ready> {
    let stdin = std::io::stdin();
    let mut fds = [PollFd::new(stdin.as_fd(), PollFlags::POLLIN)];
    let ms = PollTimeout::try_from(timeout).unwrap_or(PollTimeout::MAX);
    match poll(&mut fds, ms) {
        Ok(0) => Ok(Ready::Nothing),
        Ok(_) => {
            let got = fds[0].revents().unwrap_or(PollFlags::empty());
            if got.intersects(PollFlags::POLLHUP | PollFlags::POLLERR | PollFlags::POLLNVAL) {
                Ok(Ready::HungUp)
            } else {
                Ok(Ready::Bytes)
            }
        }
        Err(nix::errno::Errno::EINTR) => Ok(Ready::Nothing),
        Err(e) => Err(e.into()),
    }
}

fn read_loop(tx: &UnboundedSender<Input>, stop: &AtomicBool) {
    // crossterm reads stdin when it is the terminal, else /dev/tty, whose
    // hangup this thread cannot poll: there crossterm waits on its own.
    let stdin_is_tty = std::io::stdin().is_terminal();
    while !stop.load(Ordering::Relaxed) && !tx.is_closed() {
        let wait = if stdin_is_tty {
            match wait_for_stdin(WAKE_EVERY) {
                Ok(Ready::Nothing) => continue,
                Ok(Ready::HungUp) => {
                    let _ = tx.send(Input::HungUp);
                    return;
                }
                Ok(Ready::Bytes) => Duration::ZERO,
                Err(e) => {
                    let _ = tx.send(Input::Failed(e));
                    return;
                }
            }
        } else {
            WAKE_EVERY
        };
        // Every event the bytes hold: crossterm keeps what one read parsed.
        let mut wait = wait;
        loop {
            match crossterm::event::poll(wait) {
                Ok(true) => match crossterm::event::read() {
                    Ok(ev) => {
                        if tx.send(Input::Event(ev)).is_err() {
                            return;
                        }
                    }
                    Err(e) => {
                        let _ = tx.send(Input::Failed(e));
                        return;
                    }
                },
                Ok(false) => break,
                Err(e) => {
                    let _ = tx.send(Input::Failed(e));
                    return;
                }
            }
            wait = Duration::ZERO;
        }
    }
}
