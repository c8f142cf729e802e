//! Fuzzes `cartographus_core::fuzzing::correlation_key`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| cartographus_core::fuzzing::correlation_key(data));
