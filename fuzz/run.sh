#!/usr/bin/env bash
# Runs one fuzz target with libFuzzer on the nightly toolchain, without needing
# cargo-fuzz installed (with it: `cargo +nightly fuzz run TARGET`).
#   fuzz/run.sh core_session_tracker 60     # target, seconds
set -euo pipefail
cd "$(dirname "$0")"
target="${1:?usage: fuzz/run.sh TARGET [SECONDS]}"
seconds="${2:-60}"
triple="$(rustc -vV | sed -n 's/^host: //p')"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/cartographus-fuzz-target}"
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
cargo +nightly build --release --target "$triple" --bin "$target"
work="$(mktemp -d)"
cp "corpus/$target"/* "$work"/
"$CARGO_TARGET_DIR/$triple/release/$target" -max_total_time="$seconds" "$work"
