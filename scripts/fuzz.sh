#!/usr/bin/env bash
# Builds the libFuzzer target with clang (ASan + UBSan) and runs it for a
# bounded time over a seed corpus of valid specs and traces.
#   scripts/fuzz.sh [SECONDS]   (default 60)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
scripts/setup.sh
if ! command -v clang >/dev/null || ! dpkg-query -W -f='${Status}' libclang-rt-14-dev 2>/dev/null | grep -q "ok installed"; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends clang libclang-rt-14-dev
fi
scripts/build.sh fuzz
corpus=out/fuzz/corpus
mkdir -p "$corpus"
# Seeds: selector byte, then the input.
printf '\000robust_mpc:horizon=5,buffer_step_s=0.5' > "$corpus/abr"
printf '\000bola:variant=e,min_buffer_s=8' > "$corpus/bola"
printf '\001robust:inner=ewma,error_window=3' > "$corpus/predictor"
printf '\002%s' "$(printf '0 1.5\n1 2\n2.5 0\n4 3\n')" > "$corpus/cooked"
printf '\006%s' "$(printf '1\n2\n2\n5\n9\n')" > "$corpus/mahimahi"
printf '\016[{"duration_ms": 500, "bandwidth_kbps": 800, "latency_ms": 20}, {"duration_ms": 250, "bandwidth_kbps": 3000, "latency_ms": 30}]' > "$corpus/sabre"
printf '\102\001\226\024\000\031\031\000\226\024\000\032\031\001\226\024\001\033\031\000\226\024\000\040\031' > "$corpus/cc_feedback"
printf '\103%s' "$(printf '0 1.5\n1 2\n2.5 0\n4 3\n')" > "$corpus/cc_trace"
export ASAN_OPTIONS=detect_leaks=1
# run_fuzzer NAME CORPUS MAX_LEN LOG: runs build/fuzz/fuzz/NAME over CORPUS for
# $seconds, shows its summary lines, keeps its output in out/fuzz/LOG and
# fails when it did not run to the end.
run_fuzzer() {
  "build/fuzz/fuzz/$1" "$2" -max_total_time="$seconds" -max_len="$3" -timeout=10 -print_final_stats=1 2>&1 \
    | tee "out/fuzz/$4" | grep -E "^(#[0-9]+.*(DONE|pulse)|stat::number_of_executed_units|stat::peak_rss_mb|==|SUMMARY)" || true
  grep -q "stat::number_of_executed_units" "out/fuzz/$4"
}
run_fuzzer fuzz_c_abi "$corpus" 4096 last_run.txt

# Telemetry events (what a Redis stream may hold), for the same time.
tcorpus=out/fuzz/telemetry-corpus
mkdir -p "$tcorpus"
printf '{"v":2,"sid":"s1","e":"download","ts":1500,"br":1850,"bl":8000,"mtp":3200,"streamopt-grp":"edge-a","streamopt-rung":3,"streamopt-qoe":1.2}' > "$tcorpus/download"
printf '{"v":2,"sid":"s2","e":"stall","ts":0,"streamopt-stall":250}' > "$tcorpus/stall"
run_fuzzer fuzz_telemetry "$tcorpus" 4096 last_telemetry_run.txt

# The decision service and its origin (docs/serve.md), when serve was built
# (Boost found): the request handler on live sessions and origin files, and
# the CMCD parser, for the same time each.
if [ -x build/fuzz/fuzz/fuzz_serve ]; then
  scorpus=out/fuzz/serve-corpus
  mkdir -p "$scorpus"
  printf '\010\000\001application/json\n{"abr": "robust_mpc:horizon=5", "title": "envivio"}' > "$scorpus/create"
  printf '\021\000\000\n{"state": {"now_s": 1, "buffer_s": 4, "next_segment": 1, "segments_left": 40, "last_rung": 0}}' > "$scorpus/decide"
  printf '\000\000\006r0/seg_1.m4s?CMCD=bl%%3D100%%2Cbr%%3D300%%2Cot%%3Dv%%2Csid%%3D%%22a%%22\nmtp=900,bl=4000' > "$scorpus/origin_cmcd"
  printf '\000\000\002manifest.mpd\n' > "$scorpus/origin_mpd"
  run_fuzzer fuzz_serve "$scorpus" 4096 last_serve_run.txt
  ccorpus=out/fuzz/cmcd-corpus
  mkdir -p "$ccorpus"
  printf '\000CMCD=bl%%3D21300%%2Cbr%%3D3200%%2Cbs%%2Cmtp%%3D48100%%2Cot%%3Dv%%2Csid%%3D%%22abc%%22%%2Csu' > "$ccorpus/query"
  printf '\001bl=21300,mtp=48100,nor="..%%2Fx.m4v",nrr="1-2",su,dl=100' > "$ccorpus/request"
  printf '\004sid="6e2f",cid="x",sf=d,st=v,v=1,pr=1.25' > "$ccorpus/session"
  printf '\006br=(1 2);a=?1, com.x-y=:AQ==:, ot=av' > "$ccorpus/v2_list"
  run_fuzzer fuzz_cmcd "$ccorpus" 1024 last_cmcd_run.txt
fi
