#!/usr/bin/env bash
# The main job: the cartographus server with its embedded DuckDB store and the demo
# world (fake Plex, Jellyfin and Emby servers), UI on http://127.0.0.1:3857.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/cartographus-target}"
if [ -f web/package.json ] && command -v npm >/dev/null 2>&1; then
  (cd web && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm run build)
fi
exec cargo run --release -p cartographus-server --bin cartographus -- demo "$@"
