//! The probe: one POSIX `sh` script per node per sweep ([`script`]), and pure
//! parsers of its framed output ([`parse`]).
//!
//! ```text
//! let text = probe::script::build(&node.shared_dir, step_timeout);
//! let out = transport.run(&text, command_timeout).await?;
//! let facts = probe::parse::parse(&out.stdout, &node.shared_dir);
//! ```
//! On a hung mount the script costs about one `step_timeout` (plus 1 s for the
//! kill): `findmnt` has its own, and the steps that touch the share share one.
//! Keep `step_timeout` well under the command timeout (the sweep uses a third).

pub mod parse;
pub mod script;
mod share_group;
pub mod stuck;
pub mod units;
mod write_test;
