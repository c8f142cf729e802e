//! Runs every fuzz target body over its checked-in seed corpus (`fuzz/corpus/<target>/`)
//! on stable Rust, plus random JSON values from proptest: no decoder may panic.

use std::path::PathBuf;

use cartographus_sources::fuzzing::TARGETS;
use proptest::prelude::*;

fn corpus_dir(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target)
}

#[test]
fn every_target_has_a_seed_corpus_and_survives_it() {
    for (name, body) in TARGETS {
        let dir = corpus_dir(name);
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
        let target = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../fuzz/fuzz_targets")
            .join(format!("{name}.rs"));
        assert!(target.is_file(), "{name}: no cargo-fuzz target file");
    }
}

/// Arbitrary JSON, weighted towards the scalars servers mix up.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f)
            .map_or(serde_json::Value::Null, serde_json::Value::Number)),
        "[ -~]{0,12}".prop_map(serde_json::Value::from),
        "[0-9]{1,25}".prop_map(serde_json::Value::from),
    ];
    let keys = prop_oneof![
        Just("MediaContainer".to_owned()),
        Just("Metadata".to_owned()),
        Just("sessionKey".to_owned()),
        Just("ratingKey".to_owned()),
        Just("Player".to_owned()),
        Just("NotificationContainer".to_owned()),
        Just("type".to_owned()),
        Just("MessageType".to_owned()),
        Just("Data".to_owned()),
        Just("Id".to_owned()),
        Just("NowPlayingItem".to_owned()),
        Just("PlayState".to_owned()),
        Just("response".to_owned()),
        Just("result".to_owned()),
        Just("data".to_owned()),
        "[a-zA-Z]{1,8}",
    ];
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            prop::collection::btree_map(keys.clone(), inner, 0..6)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn no_decoder_panics_on_random_json(v in json_value()) {
        let bytes = serde_json::to_vec(&v).unwrap();
        for (_, body) in TARGETS {
            body(&bytes);
        }
    }

    #[test]
    fn no_decoder_panics_on_random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        for (_, body) in TARGETS {
            body(&bytes);
        }
    }
}
