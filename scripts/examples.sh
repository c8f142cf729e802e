#!/usr/bin/env bash
# Runs every example of the workspace with a time limit and checks what it prints
# (called by scripts/test.sh; each example's own unit tests run with `cargo test`).
#
#   scripts/examples.sh            # all examples
#   scripts/examples.sh correlate  # the named ones
#
# All examples are built with the same package selection and features as
# `cargo test --release --workspace --all-features`, so nothing is compiled twice;
# named examples that do not need DuckDB build only the crates without it.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/cartographus-target}"
export CARGO_TERM_COLOR=never

all=(correlate detect_csv watch_jellyfin tautulli_to_parquet embed_server)
selected=("$@")
if [ ${#selected[@]} -eq 0 ]; then selected=("${all[@]}"); fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
bin="$CARGO_TARGET_DIR/release/examples"

build() {
  echo "== building the examples"
  case " $* " in
    # Named examples of the crates without DuckDB only: do not wait for the engine.
    "  ") cargo build --release --workspace --all-features --examples ;;
    *" tautulli_to_parquet "*|*" embed_server "*) cargo build --release --workspace --all-features --examples ;;
    *) cargo build --release --all-features --examples \
         -p cartographus-core -p cartographus-sources -p cartographus-detect ;;
  esac
}

# expect NAME FILE PATTERN...: every extended regular expression must match a line of FILE.
expect() {
  local name="$1" file="$2"
  shift 2
  for pattern in "$@"; do
    if ! grep -Eq -- "$pattern" "$file"; then
      echo "examples: $name: no line matches /$pattern/; it printed:" >&2
      cat "$file" >&2
      exit 1
    fi
  done
}

# run NAME SECONDS ARGS...: runs the example with a time limit, output in $work/NAME.out.
run() {
  local name="$1" limit="$2"
  shift 2
  local status=0
  timeout --kill-after=5 "$limit" "$bin/$name" "$@" >"$work/$name.out" 2>"$work/$name.err" || status=$?
  if [ "$status" -ne 0 ]; then
    echo "examples: $name $* exited with status $status (124: over its ${limit} s limit)" >&2
    cat "$work/$name.out" "$work/$name.err" >&2
    exit 1
  fi
}

check_correlate() {
  # The core alone: tokio or DuckDB anywhere in what the example links is a failure.
  if cargo tree -p cartographus-core -e normal,dev --prefix none \
    | grep -E '^(tokio|hyper|reqwest|duckdb|libduckdb-sys) '; then
    echo "examples: correlate must not depend on the crates above" >&2
    exit 1
  fi
  run correlate 30
  expect correlate "$work/correlate.out" \
    '^9 reports -> 4 plays; duplicates: 1 event_id, 1 correlation_key, 3 cross_source$' \
    'plex poll .* duplicate of [0-9a-f]{8} \(correlation_key\)$' \
    'tautulli import +bob +Alien .* duplicate of [0-9a-f]{8} \(cross_source\)$' \
    '^correlation key: +v2:plex:'
}

check_detect_csv() {
  printf '%s\n' 'user,ip,started_at,latitude,longitude,country' \
    'alice,81.2.69.160,2026-01-01T20:00:00Z,48.86,2.35,FR' \
    'alice,175.16.199.1,2026-01-01T20:30:00Z,35.68,139.69,JP' \
    'bob,not-an-ip,2026-01-01T20:00:00Z,,,' >"$work/plays.csv"
  run detect_csv 30 "$work/plays.csv"
  expect detect_csv "$work/detect_csv.out" '^\{"rule":"impossible_travel","user":"alice"'
  expect detect_csv "$work/detect_csv.err" '^line 4: skipped' '^2 plays checked, 2 findings, 1 rows skipped'
}

check_watch_jellyfin() {
  # The fake world at 600x for 8 s: over an hour of evening viewing.
  run watch_jellyfin 40 --seconds 8 --speed 600
  expect watch_jellyfin "$work/watch_jellyfin.out" \
    '^watching Jellyfin \(fake\) \(http://127\.0\.0\.1:[0-9]+, server id [0-9a-f]{32}\), simulated world at 600x$' \
    '^2026-01-16 [0-9:]{8}  started ' \
    '^2026-01-16 [0-9:]{8}  stopped .* played [0-9]+ s' \
    '^[1-9][0-9]* started, [0-9]+ paused, [0-9]+ resumed, [1-9][0-9]* stopped, [0-9]+ progress updates; [0-9]+ sessions playing now$'
  run watch_jellyfin 30 --once
  expect watch_jellyfin "$work/watch_jellyfin.out" '^[1-9][0-9]* sessions playing now$'
  # A server that is not there: --once fails, with the cause.
  local status=0
  timeout 30 "$bin/watch_jellyfin" --once --url http://127.0.0.1:9 --api-key x \
    >"$work/down.out" 2>"$work/down.err" || status=$?
  if [ "$status" -ne 1 ]; then
    echo "examples: watch_jellyfin against no server exited with $status, not 1" >&2
    exit 1
  fi
  expect watch_jellyfin "$work/down.err" '^watch_jellyfin: connection failed'
}

check_tautulli_to_parquet() {
  run tautulli_to_parquet 300 --out "$work/out"
  expect tautulli_to_parquet "$work/tautulli_to_parquet.out" \
    '^imported [1-9][0-9]* of [1-9][0-9]* Tautulli rows' \
    '^wrote [1-9][0-9]* plays to .*plays\.parquet' \
    '^wrote [1-9][0-9]* locations to .*locations\.geojson'
  if ! python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["type"]=="FeatureCollection" and d["features"], d' \
    "$work/out/locations.geojson"; then
    echo "examples: tautulli_to_parquet wrote no valid GeoJSON map" >&2
    exit 1
  fi
  if [ "$(head -c 4 "$work/out/plays.parquet")" != "PAR1" ]; then
    echo "examples: tautulli_to_parquet wrote no Parquet file" >&2
    exit 1
  fi
}

check_embed_server() {
  run embed_server 60 --seconds 1
  expect embed_server "$work/embed_server.out" \
    '^host app on http://127\.0\.0\.1:[0-9]+/ with Cartographus under ' \
    '^GET /hello -> 200 hello from the host$' \
    '^GET /cartographus/api/v1/health -> 200 \{"status":"ok"' \
    '^GET /cartographus/api/v1/stats -> 200 \{.*"plays":0'
}

build "$@"
for name in "${selected[@]}"; do
  echo "== example $name"
  case "$name" in
    correlate) check_correlate ;;
    detect_csv) check_detect_csv ;;
    watch_jellyfin) check_watch_jellyfin ;;
    tautulli_to_parquet) check_tautulli_to_parquet ;;
    embed_server) check_embed_server ;;
    *) echo "examples: unknown example $name (known: ${all[*]})" >&2; exit 2 ;;
  esac
  echo "   ok"
done
