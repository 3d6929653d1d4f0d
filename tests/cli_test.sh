#!/bin/sh
# End-to-end checks of the streamopt command line: help, the happy paths on
# synthetic data, and clear errors with non-zero exit codes on bad input.
set -u
cli="$1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
pass=0
expect() {  # expect CODE DESCRIPTION -- command...
  code=$1; what=$2; shift 3
  "$@" >"$work/out" 2>"$work/err"; got=$?
  if [ "$got" -ne "$code" ]; then
    echo "FAIL: $what: exit $got, expected $code"; cat "$work/out" "$work/err"; fail=$((fail + 1))
  else
    pass=$((pass + 1))
  fi
}
contains() {  # contains FILE TEXT DESCRIPTION
  if grep -q -- "$2" "$1"; then pass=$((pass + 1)); else echo "FAIL: $3: '$2' not in output"; cat "$1"; fail=$((fail + 1)); fi
}

expect 0 "top-level help" -- "$cli" --help
contains "$work/out" "evaluate" "help lists commands"
for c in simulate evaluate traces cc list; do expect 0 "$c --help" -- "$cli" $c --help; done
expect 2 "no arguments" -- "$cli"
expect 2 "unknown command" -- "$cli" frobnicate

expect 0 "synthesise markov traces" -- "$cli" traces synth --kind markov --count 3 --seed 5 --duration-s 120 --out "$work/traces"
expect 0 "validate them" -- "$cli" traces validate "$work/traces"
contains "$work/out" "3 valid, 0 invalid" "validate summary"
expect 0 "stats" -- "$cli" traces stats "$work/traces"
contains "$work/out" "markov_0005.log" "stats lists the trace"
expect 0 "convert to sabre" -- "$cli" traces convert "$work/traces/markov_0005.log" "$work/t.json" --to sabre
expect 0 "convert to mahimahi" -- "$cli" traces convert "$work/t.json" "$work/t.mahi" --to mahimahi
expect 0 "validate converted" -- "$cli" traces validate "$work/t.json" "$work/t.mahi"

expect 0 "simulate with logs" -- "$cli" simulate --abr bba:preset=pensieve --traces "$work/traces" --mode pensieve --log-dir "$work/logs" --explain
contains "$work/out" "mean QoE/segment over 3 sessions" "simulate summary"
contains "$work/out" "reservoir" "explain prints the rule"
if [ "$(wc -l < "$work/logs/markov_0005.log")" -eq 48 ]; then pass=$((pass + 1)); else echo "FAIL: log has not 48 rows"; fail=$((fail + 1)); fi

expect 0 "evaluate" -- "$cli" evaluate --abr bba,robust_mpc:horizon=3,oracle --traces "$work/traces" --out "$work/eval" --logs --quiet
contains "$work/out" "| robust_mpc:horizon=3 | traces | 3 |" "evaluate table row"
for f in table.md results.csv results.json; do
  if [ -s "$work/eval/$f" ]; then pass=$((pass + 1)); else echo "FAIL: $f missing"; fail=$((fail + 1)); fi
done

printf '0 1\n1 abc\n' > "$work/bad.log"
expect 1 "bad trace" -- "$cli" simulate --abr bba --traces "$work/bad.log"
contains "$work/err" "bad.log:2" "error names file and line"
expect 1 "validate reports bad" -- "$cli" traces validate "$work/bad.log"
expect 1 "unknown controller" -- "$cli" simulate --abr nope --traces "$work/traces"
contains "$work/err" "unknown ABR controller 'nope'" "unknown controller message"
expect 1 "bad option value" -- "$cli" simulate --abr bola:min_buffer_s=x --traces "$work/traces"
expect 1 "unknown flag" -- "$cli" simulate --abr bba --traces "$work/traces" --frob
expect 1 "missing --traces" -- "$cli" evaluate --abr bba
contains "$work/err" "missing required option --traces" "missing option message"
expect 1 "missing video dir" -- "$cli" simulate --abr bba --traces "$work/traces" --video "$work/none"
expect 1 "logs without out" -- "$cli" evaluate --abr bba --traces "$work/traces" --logs

expect 0 "list" -- "$cli" list
contains "$work/out" "nada" "list shows congestion controllers"
expect 0 "cc cases" -- "$cli" cc cases
contains "$work/out" "rfc8867-5.6-1000ms" "cc cases lists 5.6"
expect 0 "cc run" -- "$cli" cc run --cc gcc:profile=draft02 --case rfc8867-5.1 --time-scale 0.2 --out "$work/cc"
contains "$work/out" "| 0 | gcc:profile=draft02 |" "cc run table row"
for f in intervals.csv packets.csv metrics.json; do
  if [ -s "$work/cc/$f" ]; then pass=$((pass + 1)); else echo "FAIL: cc $f missing"; fail=$((fail + 1)); fi
done
expect 0 "cc compare on a trace" -- "$cli" cc compare --cc gcc,nada,bbr --trace "$work/traces/markov_0005.log" --duration-s 20 --out "$work/ccc"
contains "$work/out" "| bbr |" "cc compare row"
if [ -s "$work/ccc/nada/metrics.json" ]; then pass=$((pass + 1)); else echo "FAIL: compare output dir"; fail=$((fail + 1)); fi
expect 1 "cc unknown controller" -- "$cli" cc run --cc cubic --case rfc8867-5.1
contains "$work/err" "unknown congestion controller 'cubic'" "cc unknown controller message"
expect 1 "cc unknown case" -- "$cli" cc run --cc gcc --case rfc0000
expect 1 "cc case and trace" -- "$cli" cc run --cc gcc --case rfc8867-5.1 --trace "$work/traces/markov_0005.log"
contains "$work/err" "exactly one of --case or --trace" "cc case/trace message"
expect 1 "cc bad queue" -- "$cli" cc run --cc gcc --case rfc8867-5.1 --queue-ms -3

if "$cli" encode --help >/dev/null 2>&1; then  # built with the codec component
  expect 0 "encode ladder" -- "$cli" encode ladder --synthetic 128x96@25:55 --codec h264 --rungs 64x48@80,128x96@250 --segment-s 1 --out "$work/title" --quiet
  contains "$work/out" "wrote 2 segments x 2 rungs" "ladder summary"
  for f in ladder.json segments.csv sizes/video_size_1 quality/ssim_db_1 rung_1/seg_1.mp4; do
    if [ -s "$work/title/$f" ]; then pass=$((pass + 1)); else echo "FAIL: title/$f missing"; fail=$((fail + 1)); fi
  done
  expect 0 "evaluate an encoded title" -- "$cli" evaluate --abr bba,robust_mpc --traces "$work/traces" --video "$work/title" --qoe quality --quiet
  contains "$work/out" "| robust_mpc |" "evaluate on the encoded title"
  expect 1 "ladder into a non-empty dir" -- "$cli" encode ladder --synthetic 128x96@25:55 --codec h264 --rungs 128x96@250 --segment-s 1 --out "$work/title" --quiet
  expect 1 "ladder from a missing file" -- "$cli" encode ladder --input "$work/none.mp4" --codec h264 --rungs 128x96@250 --out "$work/t2" --quiet
  contains "$work/err" "no such file" "missing input message"
  if [ ! -e "$work/t2" ]; then pass=$((pass + 1)); else echo "FAIL: partial output left"; fail=$((fail + 1)); fi
  expect 1 "unsupported codec" -- "$cli" encode ladder --synthetic 128x96@25:55 --codec mpeg2 --rungs 128x96@250 --out "$work/t3"
  contains "$work/err" "unknown codec 'mpeg2'" "unknown codec message"
  expect 1 "odd rung size" -- "$cli" encode ladder --synthetic 128x96@25:55 --codec h264 --rungs 127x96@250 --out "$work/t3"
  printf '0 600\n1 200\n' > "$work/schedule.txt"
  expect 0 "encode live" -- "$cli" encode live --synthetic 160x96@25:50 --codec vp8 --backend libvpx --rate-schedule "$work/schedule.txt" --out "$work/live.csv"
  contains "$work/out" "| 1.00 | 200 |" "live reaction row"
  expect 0 "cc run with a real encoder" -- "$cli" cc run --cc nada --case rfc8867-5.1 --time-scale 0.1 --encoder vp8:libvpx --encoder-size 160x96
  contains "$work/out" "[vp8/libvpx 160x96]" "encoder label in the cc table"
  expect 0 "encode hull" -- "$cli" encode hull --synthetic 128x96@25:10 --codec h264 --preset veryfast --resolutions 64x48,128x96 --crfs 26,36 --targets 100,400
  contains "$work/out" "rungs on the hull" "hull rungs"
fi

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
