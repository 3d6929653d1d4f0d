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

# Congestion control beside libwebrtc's GoogCC (Debian libtgowt-dev; optional).
if apt-get install -y -q libtgowt-dev >/dev/null 2>&1 || dpkg -s libtgowt-dev >/dev/null 2>&1; then
  cmake -S . -B build/wrtc -G Ninja -DCMAKE_BUILD_TYPE=Release -DSTREAMOPT_WITH_LIBWEBRTC=ON -DSTREAMOPT_WITH_PYTHON=OFF \
    -DSTREAMOPT_BUILD_TESTS=OFF -DSTREAMOPT_BUILD_EXAMPLES=OFF -DSTREAMOPT_BUILD_BENCHMARKS=ON >/dev/null
  cmake --build build/wrtc --target cc_reference -j "$(nproc)" >/dev/null
  build/wrtc/benchmarks/cc_reference --check-trendline | tee "$out/cc_trendline_check.txt"
  build/wrtc/benchmarks/cc_reference --check-aimd | tee "$out/cc_aimd_check.txt"
  echo "RFC 8867 cases, our controllers and libwebrtc GoogCC:"
  build/wrtc/benchmarks/cc_reference | tee "$out/cc_reference.md"
  for set in hsdpa fcc/test; do
    [ -d "$data/traces/$set" ] && build/wrtc/benchmarks/cc_reference --traces "$data/traces/$set" --cc gcc,libwebrtc_googcc
  done | tee -a "$out/cc_reference.md"
else
  echo "bench: libtgowt-dev not available, skipping the libwebrtc GoogCC comparison"
fi
if [ -d "$data/traces/hsdpa" ]; then
  echo "cellular traces (one flow, 50 ms, 300 ms queue):"
  for set in hsdpa sabre-4g; do
    build/default/tools/streamopt/streamopt cc compare --cc gcc,gcc:profile=draft02,nada,bbr --trace "$data/traces/$set"
  done | tee "$out/cc_traces.md"
fi
