//! PLACEHOLDER for the probe script builder.
use std::time::Duration;

/// Build the probe script for one node. Every command inside is wrapped in
/// `timeout -k`, each step bounded by `step_timeout`.
pub fn build(shared_dir: &str, step_timeout: Duration) -> String {
    let _ = (shared_dir, step_timeout);
    String::new()
}

/// The first line the probe prints; its absence means the script never ran.
pub const BEGIN_MARKER: &str = "@@rivershare begin";
