//! Fuzzes `cartographus_sources::fuzzing::plex_sessions`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| cartographus_sources::fuzzing::plex_sessions(data));
