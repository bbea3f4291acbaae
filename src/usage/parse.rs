//! The walk's framed output into a [`super::UsageReport`].
