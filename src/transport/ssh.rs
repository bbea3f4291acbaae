//! STUB (replaced by the transport branch).
use std::sync::Arc;

use super::local::LocalTransport;
use crate::config::{Node, SshSettings};
use crate::facts::{NodeError, NodeErrorKind};

pub type SshTransport = LocalTransport;

pub struct SshContext {
    notes: Vec<String>,
}

impl SshContext {
    pub async fn prepare(
        _nodes: &[Node],
        _settings: &SshSettings,
        _interactive: bool,
    ) -> SshContext {
        SshContext { notes: vec![] }
    }
    pub fn notes(&self) -> &[String] {
        &self.notes
    }
    pub async fn connect(&self, _node: &Node) -> Result<Arc<SshTransport>, NodeError> {
        Err(NodeError::new(NodeErrorKind::Local, "stub"))
    }
}
