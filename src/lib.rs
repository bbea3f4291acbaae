//! rivershare: the headless core (config, transports, probes, sweep, diagnosis, report).
//!
//! Nothing in this crate's core depends on a terminal UI: `check`, and later the
//! console, are thin front ends over [`sweep`] and [`diagnose`].

pub mod audit;
pub mod config;
pub mod console;
pub mod demo;
pub mod diagnose;
pub mod discover;
pub mod engine;
pub mod facts;
pub mod framing;
pub mod kohakuriver;
pub mod probe;
pub mod report;
pub mod shell;
pub mod sweep;
pub mod tarballs;
pub mod transport;
pub mod usage;
pub mod verify;

#[cfg(test)]
mod testutil;
