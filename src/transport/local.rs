//! STUB (replaced by the transport branch).
use std::time::Duration;

use futures::future::BoxFuture;

use super::{CommandOutput, Transport};
use crate::facts::{NodeError, NodeErrorKind};

pub struct LocalTransport;

impl LocalTransport {
    pub fn new() -> Self {
        Self
    }
}

impl Default for LocalTransport {
    fn default() -> Self {
        Self::new()
    }
}

impl Transport for LocalTransport {
    fn run<'a>(
        &'a self,
        _script: &'a str,
        _timeout: Duration,
    ) -> BoxFuture<'a, Result<CommandOutput, NodeError>> {
        Box::pin(async { Err(NodeError::new(NodeErrorKind::Local, "stub")) })
    }
    fn rtt(&self) -> Option<Duration> {
        None
    }
    fn describe(&self) -> String {
        "local".to_owned()
    }
}
