//! Fuzzes `cartographus_core::fuzzing::dedup_model`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| cartographus_core::fuzzing::dedup_model(data));
