#!/usr/bin/env bash
# Runs every benchmark of the workspace (each `[[bench]]` target of every crate, found
# with `cargo metadata`) and prints a markdown table in docs/PERFORMANCE.md's format
# (what | command | figure | target) on stdout; the benches' own output goes to stderr.
#
#   benches/run.sh                        # everything (takes a while; the store bench
#                                         # needs the DuckDB engine built)
#   benches/run.sh --list                 # the bench targets
#   benches/run.sh core engine            # only these bench targets
#   benches/run.sh core -- --quick        # arguments after -- go to every bench
#   benches/run.sh core -- correlation_key --quick    # a criterion filter
#
# Figures:
# - criterion benches: criterion's estimate of the time per iteration (the regression
#   slope, else the mean, with its 95 % interval) and, where the bench declares a
#   throughput, the rate it implies (read from criterion's JSON estimates, written to a
#   fresh CRITERION_HOME for this run only);
# - per-CPU-second figures the benches print themselves (lines with "per CPU-second";
#   a "best:" line when there is one), which stay meaningful on a shared machine.
#
# Benches build with `--profile release`, not cargo's `bench` profile: the same
# artifacts as every other build here, so the bundled DuckDB engine is not compiled a
# second time.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/cartographus-target}"
export CARGO_TERM_COLOR=never

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }

names=()
bench_args=()
list=0
while [ $# -gt 0 ]; do
  case "$1" in
    --) shift; bench_args=("$@"); break ;;
    --list) list=1 ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "benches/run.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    *) names+=("$1") ;;
  esac
  shift
done

# "package bench" per line, in workspace order.
all="$(cargo metadata --no-deps --format-version 1 | python3 -c '
import json, sys
for p in json.load(sys.stdin)["packages"]:
    for t in p["targets"]:
        if "bench" in t["kind"]:
            print(p["name"], t["name"])
')"
if [ "$list" = 1 ]; then
  echo "$all"
  exit 0
fi
selected="$all"
if [ ${#names[@]} -gt 0 ]; then
  selected=""
  for n in "${names[@]}"; do
    line="$(awk -v n="$n" '$2 == n' <<<"$all")"
    if [ -z "$line" ]; then
      echo "benches/run.sh: no bench target named $n; there are:" >&2
      echo "$all" >&2
      exit 2
    fi
    selected+="$line"$'\n'
  done
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
load_start="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
while read -r pkg bench; do
  [ -n "$pkg" ] || continue
  echo "== cargo bench --profile release -p $pkg --bench $bench -- ${bench_args[*]:-}" >&2
  mkdir -p "$work/$bench"
  CRITERION_HOME="$work/$bench/criterion" \
    cargo bench --profile release -p "$pkg" --bench "$bench" -- "${bench_args[@]}" 2>&1 \
    | tee "$work/$bench/output" >&2
  echo "$pkg $bench" >>"$work/runs"
done <<<"$selected"
load_end="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"

python3 - "$work" "$load_start" "$load_end" "$(nproc)" "${bench_args[*]:-}" <<'PY'
import glob, json, os, re, sys

work, load_start, load_end, cores, extra = sys.argv[1:6]

# Targets from the issues (docs/PERFORMANCE.md), by criterion id or bench name.
TARGETS = [
    (r"^dedup_cpu", "≥ 2 M/s per core"),
    (r"^engine/new_plays", "≥ 1 M/s per core"),
    (r"^engine/updates", "≥ 1 M/s per core"),
    (r"^engine \(CPU", "≥ 1 M/s per core"),
    (r"^ingest", "≥ 250,000/s"),
]

def target(what):
    for pattern, t in TARGETS:
        if re.search(pattern, what):
            return t
    return "—"

def si(x):
    for factor, prefix in ((1e9, " G"), (1e6, " M"), (1e3, " k")):
        if x >= factor:
            return f"{x / factor:.3g}{prefix}"
    return f"{x:.3g}"

def duration(ns):
    for factor, unit in ((1e9, "s"), (1e6, "ms"), (1e3, "µs")):
        if ns >= factor:
            return f"{ns / factor:.3g} {unit}"
    return f"{ns:.3g} ns"

def cell(s):
    return s.replace("|", "\\|").strip()

rows = []
with open(os.path.join(work, "runs")) as f:
    runs = [line.split() for line in f if line.strip()]
for pkg, bench in runs:
    base = f"cargo bench --profile release -p {pkg} --bench {bench}"
    home = os.path.join(work, bench, "criterion")
    for path in sorted(glob.glob(os.path.join(home, "**", "new", "benchmark.json"), recursive=True)):
        with open(path) as f:
            meta = json.load(f)
        with open(os.path.join(os.path.dirname(path), "estimates.json")) as f:
            est = json.load(f)
        # Criterion's own headline figure: the slope of the linear-sampling regression
        # when there is one, else the mean; with its 95 % confidence interval.
        kind = "slope" if est.get("slope") else "mean"
        ns = est[kind]["point_estimate"]
        lo = est[kind]["confidence_interval"]["lower_bound"]
        hi = est[kind]["confidence_interval"]["upper_bound"]
        what = meta["full_id"]
        tp = meta.get("throughput") or {}
        per = f"{duration(ns)} per iteration [{duration(lo)}, {duration(hi)}]"
        if "Elements" in tp and ns > 0:
            n = tp["Elements"]
            figure = f"{si(n / ns * 1e9)} elements/s ({per}" + (f" of {n:,})" if n != 1 else ")")
        elif "Bytes" in tp and ns > 0:
            figure = f"{si(tp['Bytes'] / ns * 1e9)} B/s ({per})"
        else:
            figure = per
        rows.append((what, f"{base} -- '{what}'", figure))
    # The figures the bench prints about its own CPU time.
    with open(os.path.join(work, bench, "output"), errors="replace") as f:
        lines = [l.strip() for l in f]
    best = [l for l in lines if l.startswith("best:")]
    cpu = best or [l for l in lines if "per CPU-second" in l]
    for l in cpu:
        rows.append((f"{bench} (CPU time)", base, l))

print(f"Measured with `benches/run.sh{(' -- ' + extra) if extra else ''}` on {cores} cores; "
      f"load average {load_start} at the start, {load_end} at the end.")
print()
print("| what | command | figure | target |")
print("|---|---|---|---|")
for what, command, figure in rows:
    print(f"| {cell(what)} | `{cell(command)}` | {cell(figure)} | {target(what)} |")
if not rows:
    sys.exit("benches/run.sh: the benches reported no figures")
PY
