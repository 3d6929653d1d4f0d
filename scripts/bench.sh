#!/usr/bin/env bash
# Runs the micro-benchmarks and the evaluation-speed benchmark, printing the
# numbers recorded in docs/benchmarks.md. Opt-in: not part of the test run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh default
out=out/bench
mkdir -p "$out"
build/default/benchmarks/streamopt_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
  --benchmark_out="$out/micro.json" --benchmark_out_format=json | tee "$out/micro.txt"
data="${STREAMOPT_DATA:-../shared}"
if [ -d "$data/traces/fcc-hsdpa/test" ]; then
  echo "evaluate, all controllers without the oracle, fcc-hsdpa/test (5 runs):"
  for i in 1 2 3 4 5; do
    /usr/bin/env time -f "%e s wall" build/default/tools/streamopt/streamopt evaluate \
      --abr fixed,rate,bba,bba:preset=pensieve,bola,bola:variant=basic,dynamic,mpc,robust_mpc,robust_mpc:preset=pensieve \
      --traces "$data/traces/fcc-hsdpa/test" --video "$data/video/envivio" --mode pensieve --quiet >/dev/null
  done 2>&1 | tee "$out/evaluate.txt"
fi
