#!/usr/bin/env bash
# The whole test suite: every crate's unit, integration and doc tests (in release: the
# one profile DuckDB is built in), the examples, and the fuzz seed corpora.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/cartographus-target}"

cargo test --release --workspace --all-features

# Every example, run with a time limit, its output checked.
scripts/examples.sh

# The web UI: lint, types, unit tests, the bundle, then the release server embedding it
# and the end-to-end tests in Debian's Chromium against the real binary.
scripts/web-test.sh
