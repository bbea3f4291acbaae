//! The disk-usage walk, POSIX `sh` in the framed protocol of [`crate::framing`].
