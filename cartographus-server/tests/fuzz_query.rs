//! The API's query-parameter parser (`http::params::fuzz_query`, the body a libFuzzer
//! target would run) on stable: the checked-in seed corpus and random inputs built from
//! the real parameter names never panic. (A cargo-fuzz target for it would link the
//! bundled DuckDB through `cartographus-store`'s `Filter`, so the nightly fuzz workspace
//! leaves it out; see "Fuzzing" in `docs/ARCHITECTURE.md`.)

use cartographus_server::http::params::{fuzz_query, FILTER_PARAMS};
use proptest::prelude::*;

#[test]
fn the_seed_corpus_never_panics() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus/query");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        fuzz_query(&bytes);
        for cut in 0..bytes.len() {
            fuzz_query(&bytes[..cut]);
        }
        seen += 1;
    }
    assert!(seen >= 5, "the corpus should hold seeds, found {seen}");
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{1,25}",
        "[a-zA-Z_,\\-]{0,40}",
        "[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}Z)?",
        ".{0,60}",
    ]
}

proptest! {
    #[test]
    fn random_queries_never_panic(
        pairs in proptest::collection::vec((0..FILTER_PARAMS.len() + 2, value()), 0..12),
        raw in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        let query: Vec<String> = pairs
            .iter()
            .map(|(i, v)| {
                let name = FILTER_PARAMS.get(*i).copied().unwrap_or("limit");
                format!("{name}={v}")
            })
            .collect();
        fuzz_query(query.join("&").as_bytes());
        fuzz_query(&raw);
    }
}
