//! The other parsers built on the same framing (verification and the tarball
//! folder's scripts), fuzzed like the probe's: arbitrary bytes and mutated
//! real fixtures (tests/fixtures/verify, tests/fixtures/tarballs) never panic.

use proptest::prelude::*;

use super::fuzz::{Mutation, mutated, mutation};
use crate::tarballs::parse::{parse_listing, parse_prune, parse_visibility};
use crate::verify::parse::{parse_bench, parse_cleanup, parse_read, parse_write};

fn every_parser(bytes: &[u8], n: usize) {
    let _ = parse_write(bytes);
    let _ = parse_read(bytes, n);
    let _ = parse_cleanup(bytes);
    let _ = parse_bench(bytes, "a", 4 * 1024 * 1024);
    let _ = parse_listing(bytes);
    let sizes: Vec<u64> = (0..n as u64).map(|i| i * 1000).collect();
    let _ = parse_visibility(bytes, n % 3, &sizes);
    let _ = parse_prune(bytes, n % 3, n);
}

fn run_mutated(folder: &str, pick: usize, muts: &[Mutation], n: usize) {
    let (_, bytes) = mutated(folder, pick, muts);
    every_parser(&bytes, n);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn script_parsers_never_panic_on_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048), n in 0usize..6) {
        every_parser(&bytes, n);
    }

    #[test]
    fn script_parsers_never_panic_on_mutated_verify_fixtures(pick in any::<usize>(), muts in prop::collection::vec(mutation(), 0..10), n in 0usize..6) {
        run_mutated("verify", pick, &muts, n);
    }

    #[test]
    fn script_parsers_never_panic_on_mutated_tarball_fixtures(pick in any::<usize>(), muts in prop::collection::vec(mutation(), 0..10), n in 0usize..6) {
        run_mutated("tarballs", pick, &muts, n);
    }
}
