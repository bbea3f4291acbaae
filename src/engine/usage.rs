//! The disk-usage walk as one engine call, for `check --du` and the console's `u`.

use super::Event;
use crate::facts::NodeFacts;
use crate::sweep::Fleet;
use crate::usage::UsageReport;

/// Walk the share's disk usage on one node: the first Host, else the first
/// usable member of `shared` (the verified shared group), else the first usable
/// node, by `facts` of the sweep just done. Progress comes as
/// `Event::Progress(Progress::Usage { .. })` while the entries are measured.
/// A failure is data in the report (`error`), never an error of the call.
pub async fn usage(
    fleet: &Fleet,
    facts: &[NodeFacts],
    shared: Option<&[String]>,
    on_event: &(dyn Fn(Event) + Sync),
) -> UsageReport {
    fleet
        .disk_usage(facts, shared, &|p| on_event(Event::Progress(p)))
        .await
}
