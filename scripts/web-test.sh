#!/usr/bin/env bash
# The web UI's checks: install (npm ci, no browser download), lint, type-check, unit tests
# and the bundle; then the release server, which embeds the bundle at compile time; then
# the end-to-end tests in Debian's Chromium against `cartographus demo` and `serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/cartographus-target}"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

(
  cd web
  npm ci --no-audit --no-fund
  npm run lint
  npm run typecheck
  npm test
  npm run build
)
cargo build --release -p cartographus-server --bin cartographus
(cd web && npm run e2e)
