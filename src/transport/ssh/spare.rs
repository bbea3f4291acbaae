//! A session channel opened ahead of need. A run on a fresh channel waits one
//! round trip for the channel before it can send its exec; a channel opened
//! while the previous script runs lets the next run start with its exec: one
//! round trip fewer for every exchange after a node's first (each re-sweep, each
//! verification step), which is what a 50 ms link feels.
//!
//! The spare holds one of the connection's [`super::MAX_CHANNELS`] permits, so
//! the cap on open channels stands. It is only opened when a permit is free,
//! and a run waiting for a permit takes the spare as soon as it is ready, so it
//! never keeps a channel from a run. A server that refuses a spare (its
//! `MaxSessions` is below our cap, or it has not yet freed a finished session)
//! gets no more spares on that connection: its room is left to the runs.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use futures::FutureExt;
use russh::client;
use russh::{Channel, ChannelMsg};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};

use super::jump::Connection;
use crate::facts::{NodeError, NodeErrorKind};

/// How long a spare may take to open before the attempt is dropped.
const OPEN_WAIT: Duration = Duration::from_secs(5);

struct Spare {
    /// The connection the channel belongs to: a reconnect makes it useless.
    conn: Weak<Connection>,
    channel: Channel<client::Msg>,
    permit: OwnedSemaphorePermit,
}

#[derive(Default)]
struct State {
    spare: Option<Spare>,
    opening: bool,
    refused: bool,
}

#[derive(Default)]
struct Inner {
    state: Mutex<State>,
    /// Told when a spare is ready, for runs waiting for a permit.
    ready: Notify,
}

/// One connection's spare channel (at most one, opened in the background).
#[derive(Default)]
pub(crate) struct Spares {
    inner: Arc<Inner>,
    used: AtomicUsize,
}

impl Spares {
    /// The spare channel and its permit, when there is one for `conn` that the
    /// server has not closed.
    pub(crate) fn take(
        &self,
        conn: &Arc<Connection>,
    ) -> Option<(Channel<client::Msg>, OwnedSemaphorePermit)> {
        let mut spare = self.inner.state.lock().ok()?.spare.take()?;
        if !Weak::ptr_eq(&spare.conn, &Arc::downgrade(conn)) || !idle_and_open(&mut spare.channel) {
            return None;
        }
        self.used.fetch_add(1, Ordering::Relaxed);
        Some((spare.channel, spare.permit))
    }

    /// Open a spare on `conn` in the background, unless there is one (or one on
    /// its way), no permit of `channels` is free, or the server refused one.
    pub(crate) fn refill(&self, conn: &Arc<Connection>, channels: &Arc<Semaphore>, label: &str) {
        let Ok(mut state) = self.inner.state.lock() else {
            return;
        };
        let current = state
            .spare
            .as_ref()
            .is_some_and(|s| Weak::ptr_eq(&s.conn, &Arc::downgrade(conn)));
        if state.refused || state.opening || current {
            return;
        }
        let Ok(permit) = channels.clone().try_acquire_owned() else {
            return;
        };
        state.opening = true;
        drop(state);
        let (inner, conn, label) = (self.inner.clone(), conn.clone(), label.to_owned());
        tokio::spawn(async move {
            let opened = tokio::time::timeout(OPEN_WAIT, conn.handle.channel_open_session()).await;
            let Ok(mut state) = inner.state.lock() else {
                return;
            };
            state.opening = false;
            match opened {
                Ok(Ok(channel)) => {
                    state.spare = Some(Spare {
                        conn: Arc::downgrade(&conn),
                        channel,
                        permit,
                    });
                    inner.ready.notify_one();
                }
                Ok(Err(russh::Error::ChannelOpenFailure(why))) => {
                    tracing::debug!("{label}: spare channel refused ({why:?}); no more spares");
                    state.refused = true;
                }
                Ok(Err(e)) => tracing::debug!("{label}: spare channel: {e}"),
                Err(_) => tracing::debug!("{label}: spare channel not open within {OPEN_WAIT:?}"),
            }
        });
    }

    /// Did the server refuse a spare? Its session limit is tight (below our
    /// cap), so a channel kept open for long would keep runs waiting.
    pub(crate) fn refused(&self) -> bool {
        self.inner.state.lock().map_or(true, |s| s.refused)
    }

    /// Resolves when a spare may have become ready (then try [`Self::take`]).
    pub(crate) async fn ready(&self) {
        self.inner.ready.notified().await;
    }

    /// How many runs started on a spare.
    pub(crate) fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }
}

impl super::SshTransport {
    /// A channel permit, with the spare channel when there is one: a spare of the
    /// live connection saves a round trip; without one, the run waits for a
    /// permit and opens its own channel.
    pub(super) async fn channel_for(
        &self,
        conn: &Arc<Connection>,
        deadline: tokio::time::Instant,
        limit: Duration,
    ) -> Result<
        (
            Option<russh::Channel<russh::client::Msg>>,
            OwnedSemaphorePermit,
        ),
        NodeError,
    > {
        let wait = async {
            loop {
                if let Some(spare) = self.spares.take(conn) {
                    return Ok((Some(spare.0), spare.1));
                }
                tokio::select! {
                    permit = self.channels.clone().acquire_owned() => return permit.map(|p| (None, p)),
                    () = self.spares.ready() => {}
                }
            }
        };
        match tokio::time::timeout_at(deadline, wait).await {
            Err(_) => Err(NodeError::new(
                NodeErrorKind::CommandTimeout,
                format!(
                    "{}: no free channel (8 busy) within {} s",
                    self.label,
                    limit.as_secs_f64()
                ),
            )),
            Ok(Err(e)) => Err(NodeError::new(
                NodeErrorKind::Transport,
                format!("{}: {e}", self.label),
            )),
            Ok(Ok(taken)) => Ok(taken),
        }
    }
}

/// Nothing has arrived on the idle channel but window changes: a close, an EOF
/// or a dropped channel means the server is done with it.
fn idle_and_open(channel: &mut Channel<client::Msg>) -> bool {
    loop {
        match channel.wait().now_or_never() {
            None => return true,
            Some(Some(ChannelMsg::WindowAdjusted { .. })) => continue,
            Some(_) => return false,
        }
    }
}
