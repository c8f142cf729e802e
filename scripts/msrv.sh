#!/usr/bin/env bash
# Checks the minimum supported Rust version (the workspace's `rust-version`).
#
# 1. Static check, always: every package in the locked dependency graph declares a
#    `rust-version` no newer than ours (cargo metadata; no build, no toolchain needed).
# 2. Build check, when the toolchain is installed (`rustup toolchain install $MSRV`):
#    `cargo +$MSRV check` of the light crates (core, sources, detect with all features),
#    or of the whole workspace with `--all`, in its own target directory.
#    Without the toolchain this step is skipped with a note; nothing is installed.
# Use of standard-library APIs newer than the MSRV is also caught by clippy's
# `incompatible_msrv` lint, which reads `rust-version` (part of `.ci/run`'s clippy step).
#
#   scripts/msrv.sh          # static check + light crates
#   scripts/msrv.sh --all    # static check + the whole workspace (builds DuckDB once per toolchain)
set -euo pipefail
cd "$(dirname "$0")/.."

msrv="$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml | head -n1)"
if [ -z "$msrv" ]; then
  echo "msrv: no rust-version in Cargo.toml" >&2
  exit 1
fi
echo "== MSRV $msrv: declared rust-version of the locked dependencies"
cargo metadata --format-version 1 --all-features --locked | python3 -c '
import json, sys
msrv = sys.argv[1]
def ver(s):
    parts = [int(x) for x in s.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))
m = json.load(sys.stdin)
newer = sorted(
    (p["name"], p["version"], p["rust_version"])
    for p in m["packages"]
    if p.get("rust_version") and ver(p["rust_version"]) > ver(msrv)
)
for name, version, rv in newer:
    print(f"  {name} {version} needs Rust {rv}", file=sys.stderr)
if newer:
    sys.exit(f"msrv: {len(newer)} locked dependencies need a newer Rust than {msrv}")
print(f"  every locked dependency builds with Rust {msrv} or older")
' "$msrv"

echo "== MSRV $msrv: cargo +$msrv check"
if ! rustup run "$msrv" rustc --version >/dev/null 2>&1; then
  echo "  toolchain $msrv is not installed: build check skipped"
  echo "  (rustup toolchain install $msrv --profile minimal, then run this script again)"
  exit 0
fi
export CARGO_TARGET_DIR="${MSRV_TARGET_DIR:-/var/tmp/cartographus-msrv-target}"
if [ "${1:-}" = "--all" ]; then
  cargo "+$msrv" check --locked --release --workspace --all-features --all-targets
else
  cargo "+$msrv" check --locked --release --all-features --all-targets \
    -p cartographus-core -p cartographus-sources -p cartographus-detect
  cargo "+$msrv" check --locked --release -p cartographus-core --no-default-features
fi
echo "  Rust $msrv builds it"
