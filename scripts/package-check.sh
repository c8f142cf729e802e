#!/usr/bin/env bash
# Checks that every crate packages for crates.io, in dependency order (core, sources,
# detect, store, server), without publishing anything:
#
# 1. `cargo package --list` of each crate: the file list must hold the crate's README,
#    both license files and its sources, and nothing from tests/, benches/ or examples/.
# 2. `cargo publish --dry-run --no-verify --workspace`: every manifest is normalised and
#    every crate's dependencies resolve, the unpublished Cartographus crates through
#    cargo's local overlay of the crates being published. Nothing is compiled.
# 3. `cargo package` of core, sources and detect with verification: each tarball builds
#    on its own (light crates only; verifying store and server would compile DuckDB's
#    engine from scratch in the packaging directory, ~30 minutes).
#
# Warnings that a test, bench or example is not in the package are expected (they stay
# in the repository on purpose); any other warning fails the check.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${PACKAGE_TARGET_DIR:-/var/tmp/ct-light}"
export CARGO_TERM_COLOR=never
crates=(cartographus-core cartographus-sources cartographus-detect cartographus-store cartographus-server)
dirty=(--allow-dirty) # a check of the working tree, never an upload

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
check_warnings() {
  if grep -E '^(warning|error)' "$log" \
    | grep -vE 'ignoring (test|benchmark|example) `[^`]+` as `[^`]+` is not included in the published package' \
    | grep -vE 'aborting upload due to dry run'; then
    echo "package-check: unexpected warnings (above)" >&2
    exit 1
  fi
}

echo "== cargo package --list"
for crate in "${crates[@]}"; do
  files="$(cargo package --list "${dirty[@]}" -p "$crate" 2>"$log")" || { cat "$log" >&2; exit 1; }
  check_warnings
  for need in Cargo.toml README.md LICENSE-MIT LICENSE-APACHE src/lib.rs; do
    if ! grep -qx "$need" <<<"$files"; then
      echo "package-check: $crate: $need is not in the package" >&2
      exit 1
    fi
  done
  if grep -E '^(tests|benches|examples|fuzz)/' <<<"$files"; then
    echo "package-check: $crate: the files above should stay out of the package" >&2
    exit 1
  fi
  echo "  $crate: $(wc -l <<<"$files") files"
done

echo "== cargo publish --dry-run --no-verify --workspace"
cargo publish --dry-run --no-verify "${dirty[@]}" --workspace >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
check_warnings
grep -E "^ *(Packaging|Packaged) " "$log" | sed 's/^ */  /'

echo "== cargo package (verified build) of core, sources, detect"
cargo package "${dirty[@]}" -p cartographus-core -p cartographus-sources -p cartographus-detect \
  >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
check_warnings
grep -E '^ *Verifying ' "$log" | sed 's/^ */  /'
echo "package-check: ok"
