//! The skip plan from facts (pure). The engine itself is tested end to end in
//! tests/verify_local.rs, on real directories and mounts.

use super::plan;
use crate::facts::{AccessError, AccessErrorKind, NodeError, NodeErrorKind, Role};
use crate::testutil::healthy;

fn reasons(p: &super::Plan) -> (Option<&str>, Option<&str>) {
    (p.write_skip.as_deref(), p.read_skip.as_deref())
}

#[test]
fn plan_from_facts() {
    let ok = healthy("a", Role::Runner);
    assert_eq!(reasons(&plan(Some(&ok), false)), (None, None));
    assert_eq!(reasons(&plan(None, false)), (None, None));
    assert_eq!(
        reasons(&plan(Some(&ok), true)),
        (Some("read_only mode"), Some("read_only mode"))
    );

    let mut down = ok.clone();
    down.error = Some(NodeError::new(
        NodeErrorKind::Unreachable,
        "node a: refused",
    ));
    down.probe = None;
    assert_eq!(
        reasons(&plan(Some(&down), false)),
        (Some("unreachable"), Some("unreachable"))
    );

    let mut missing = ok.clone();
    if let Some(p) = missing.probe.as_mut() {
        p.exists = false;
        p.is_dir = false;
    }
    assert_eq!(
        reasons(&plan(Some(&missing), false)),
        (Some("path missing"), Some("path missing"))
    );

    let mut hung = ok.clone();
    if let Some(p) = hung.probe.as_mut() {
        p.hung_steps = vec!["stat".into()];
    }
    assert_eq!(
        reasons(&plan(Some(&hung), false)),
        (Some("storage hung"), Some("storage hung"))
    );

    // A stale mount cannot be stat'ed, so the probe says "not a directory".
    let mut stale = ok.clone();
    if let Some(p) = stale.probe.as_mut() {
        p.is_dir = false;
        p.access = Some(AccessError {
            kind: AccessErrorKind::StaleHandle,
            detail: "stat: Transport endpoint is not connected".into(),
        })
        .map(|e| crate::facts::Access {
            read: false,
            write: false,
            error: Some(e),
        });
    }
    assert_eq!(
        reasons(&plan(Some(&stale), false)),
        (Some("stale handle"), Some("stale handle"))
    );
    let mut hung_not_dir = hung.clone();
    if let Some(p) = hung_not_dir.probe.as_mut() {
        p.is_dir = false;
    }
    assert_eq!(
        reasons(&plan(Some(&hung_not_dir), false)),
        (Some("storage hung"), Some("storage hung"))
    );

    let mut ro = ok.clone();
    if let Some(a) = ro.probe.as_mut().and_then(|p| p.access.as_mut()) {
        a.write = false;
        a.error = Some(AccessError {
            kind: AccessErrorKind::ReadOnly,
            detail: "write: Read-only file system".into(),
        });
    }
    assert_eq!(reasons(&plan(Some(&ro), false)), (Some("read_only"), None));
}
