//! The probe: one POSIX `sh` script per node per sweep ([`script`]), and pure
//! parsers of its framed output ([`parse`]).

pub mod parse;
pub mod script;
