//! Runs every core fuzz target body over its checked-in seed corpus
//! (`fuzz/corpus/<target>/`) on stable Rust, plus random byte strings from proptest.

use std::path::PathBuf;

use cartographus_core::fuzzing::TARGETS;
use proptest::prelude::*;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

#[test]
fn every_target_has_a_seed_corpus_and_survives_it() {
    for (name, body) in TARGETS {
        let dir = root().join("corpus").join(name);
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let mut seeds = 0;
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_file() {
                body(&std::fs::read(&path).unwrap());
                seeds += 1;
            }
        }
        assert!(seeds >= 5, "{name}: only {seeds} seeds");
        assert!(
            root()
                .join("fuzz_targets")
                .join(format!("{name}.rs"))
                .is_file(),
            "{name}: no cargo-fuzz target file"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn random_bytes(data in proptest::collection::vec(any::<u8>(), 0..400)) {
        for (_, body) in TARGETS {
            body(&data);
        }
    }
}
