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
check() {  # check DESCRIPTION -- test-expression...
  what=$1; shift 2
  if "$@"; then pass=$((pass + 1)); else echo "FAIL: $what"; fail=$((fail + 1)); fi
}

expect 0 "top-level help" -- "$cli" --help
contains "$work/out" "evaluate" "help lists commands"
for c in simulate evaluate traces cc list; do
  expect 0 "$c --help" -- "$cli" $c --help
  contains "$work/out" "Usage: streamopt $c" "$c --help prints the usage"
done
for s in validate stats convert synth; do expect 0 "traces $s --help" -- "$cli" traces $s --help; done
for s in run compare cases; do expect 0 "cc $s --help" -- "$cli" cc $s --help; done
contains "$work/out" "Usage: streamopt cc cases" "subcommand help"
expect 0 "-h" -- "$cli" simulate -h
contains "$work/out" "--rtt-ms" "simulate help lists --rtt-ms"
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

# convert never writes over its input, however the output is spelled.
before=$(cksum < "$work/t.mahi")
expect 2 "convert onto itself" -- "$cli" traces convert "$work/t.mahi" "$work/t.mahi" --to cooked
contains "$work/err" "same file" "convert onto itself message"
expect 2 "convert onto itself, other spelling" -- "$cli" traces convert "$work/t.mahi" "$work/traces/../t.mahi" --to sabre
ln "$work/t.mahi" "$work/hard.mahi"
expect 2 "convert onto a hard link of itself" -- "$cli" traces convert "$work/t.mahi" "$work/hard.mahi" --to cooked
ln -s t.mahi "$work/sym.mahi"
expect 2 "convert through a symbolic link onto itself" -- "$cli" traces convert "$work/sym.mahi" "$work/t.mahi" --to cooked
check "convert onto itself leaves the input unchanged" -- [ "$(cksum < "$work/t.mahi")" = "$before" ]
expect 2 "synth option of another kind" -- "$cli" traces synth --kind step --mean-mbps 3 --out "$work/x.log"
contains "$work/err" "--mean-mbps" "kind option message names the flag"
expect 2 "synth zero states" -- "$cli" traces synth --kind markov --states 0 --out "$work/x.log"
expect 2 "synth absurd duration" -- "$cli" traces synth --kind constant --duration-s 1e308 --out "$work/x.log"
check "rejected synth writes nothing" -- [ ! -e "$work/x.log" ]

expect 0 "simulate with logs" -- "$cli" simulate --abr bba:preset=pensieve --traces "$work/traces" --mode pensieve --log-dir "$work/logs" --explain
contains "$work/out" "mean QoE/segment over 3 sessions" "simulate summary"
contains "$work/out" "reservoir" "explain prints the rule"
if [ "$(wc -l < "$work/logs/markov_0005.log")" -eq 48 ]; then pass=$((pass + 1)); else echo "FAIL: log has not 48 rows"; fail=$((fail + 1)); fi

expect 0 "evaluate" -- "$cli" evaluate --abr bba,robust_mpc:horizon=3,oracle --traces "$work/traces" --out "$work/eval" --logs --quiet
contains "$work/out" "| robust_mpc:horizon=3 | traces | 3 |" "evaluate table row"
for f in table.md results.csv results.json; do
  if [ -s "$work/eval/$f" ]; then pass=$((pass + 1)); else echo "FAIL: $f missing"; fail=$((fail + 1)); fi
done
check "evaluate --logs writes logs" -- [ -s "$work/eval/logs/bba/traces/markov_0005.log" ]
check "no sessions.csv without --per-session" -- [ ! -e "$work/eval/sessions.csv" ]

expect 0 "evaluate --per-session" -- "$cli" evaluate --abr bba,rate,oracle --traces "$work/traces" --out "$work/eval" --per-session --oracle-time-step-s 1 --quiet
check "sessions.csv header" -- [ "$(head -n 1 "$work/eval/sessions.csv")" = "trace_set,trace,algorithm,segments,qoe_per_segment,mean_bitrate_bps,rebuffer_s,rebuffer_ratio,switches,startup_s" ]
check "sessions.csv has one row per session" -- [ "$(wc -l < "$work/eval/sessions.csv")" -eq 10 ]
contains "$work/eval/sessions.csv" '^"traces","markov_0007.log","oracle",' "sessions.csv row"
check "stale logs of the earlier run are gone" -- [ ! -e "$work/eval/logs" ]
check "no staging directory left" -- [ -z "$(ls -d "$work"/eval.tmp-* 2>/dev/null)" ]
expect 2 "--oracle-time-step-s without the oracle" -- "$cli" evaluate --abr bba --traces "$work/traces" --oracle-time-step-s 1
contains "$work/err" "--oracle-time-step-s" "oracle step message names the flag"
expect 2 "--oracle-time-step-s out of range" -- "$cli" evaluate --abr oracle --traces "$work/traces" --oracle-time-step-s 0
expect 1 "oracle grid too fine" -- "$cli" evaluate --abr oracle:time_step_s=1e-9 --traces "$work/traces"

# A failed evaluate leaves no output: an error before writing, or a write
# that fails midway (file size limit: table.md fits, results.json does not).
expect 1 "evaluate with an unknown controller" -- "$cli" evaluate --abr bba,nope --traces "$work/traces" --out "$work/failed" --logs
check "no output after a failed evaluate" -- [ ! -e "$work/failed" ]
( ulimit -f 2; trap '' XFSZ; exec "$cli" evaluate --abr bba,rate --traces "$work/traces" --out "$work/failed" --quiet ) >/dev/null 2>"$work/err"
check "evaluate that cannot write exits 1" -- [ $? -eq 1 ]
contains "$work/err" "write error" "write failure message"
check "no partial output after a failed write" -- [ ! -e "$work/failed" ]
check "no staging directory after a failed write" -- [ -z "$(ls -d "$work"/failed.tmp-* 2>/dev/null)" ]
before=$(cat "$work/eval/results.csv" "$work/eval/results.json" "$work/eval/sessions.csv" | cksum)
( ulimit -f 2; trap '' XFSZ; exec "$cli" evaluate --abr bba,rate --traces "$work/traces" --out "$work/eval" --logs --quiet ) >/dev/null 2>&1
check "a failed write keeps the earlier results" -- [ "$(cat "$work/eval/results.csv" "$work/eval/results.json" "$work/eval/sessions.csv" | cksum)" = "$before" ]
check "a failed write adds no logs" -- [ ! -e "$work/eval/logs" ]
( ulimit -f 2; trap '' XFSZ; exec "$cli" simulate --abr bba --traces "$work/traces" --log-dir "$work/simlogs" ) >/dev/null 2>&1
check "simulate that cannot write its logs exits 1" -- [ $? -eq 1 ]
check "no partial simulate logs" -- [ ! -e "$work/simlogs" ]
check "no simulate staging directory" -- [ -z "$(ls -d "$work"/simlogs.tmp-* 2>/dev/null)" ]

# Filesystem errors are user errors (exit 1), not internal ones.
expect 1 "synth into a path under a file" -- "$cli" traces synth --kind constant --count 2 --out "$work/t.json/sub"
contains "$work/err" "error: filesystem error" "filesystem error message"
expect 1 "evaluate into a path under a file" -- "$cli" evaluate --abr bba --traces "$work/traces" --out "$work/t.json/sub"

printf '0 1\n1 abc\n' > "$work/bad.log"
expect 1 "bad trace" -- "$cli" simulate --abr bba --traces "$work/bad.log"
contains "$work/err" "bad.log:2" "error names file and line"
expect 1 "validate reports bad" -- "$cli" traces validate "$work/bad.log"
expect 1 "unknown controller" -- "$cli" simulate --abr nope --traces "$work/traces"
contains "$work/err" "unknown ABR controller 'nope'" "unknown controller message"
expect 1 "bad option value" -- "$cli" simulate --abr bola:min_buffer_s=x --traces "$work/traces"
for c in simulate evaluate; do
  expect 2 "$c: unknown flag" -- "$cli" $c --abr bba --traces "$work/traces" --frob
  contains "$work/err" "--frob" "$c: unknown flag message names it"
done
expect 2 "traces: unknown flag" -- "$cli" traces stats "$work/traces" --frob
contains "$work/err" "--frob" "traces: unknown flag message names it"
expect 2 "cc: unknown flag" -- "$cli" cc cases --frob
contains "$work/err" "--frob" "cc: unknown flag message names it"
expect 2 "flag of another subcommand" -- "$cli" cc run --cc gcc --case rfc8867-5.1 --packets
contains "$work/err" "--packets" "flag of another subcommand named"
expect 2 "unexpected argument" -- "$cli" simulate --abr bba --traces "$work/traces" stray
contains "$work/err" "stray" "unexpected argument named"
expect 2 "flag given a value" -- "$cli" simulate --abr bba --traces "$work/traces" --explain=3
expect 2 "missing --traces" -- "$cli" evaluate --abr bba
contains "$work/err" "--traces is required" "missing option message"
expect 2 "--segments 0" -- "$cli" simulate --abr bba --traces "$work/traces" --segments 0
contains "$work/err" "--segments" "--segments 0 message names the flag"
expect 2 "--segments past the video" -- "$cli" simulate --abr bba --traces "$work/traces" --segments 50
contains "$work/err" "--segments" "--segments past the video message names the flag"
expect 2 "--segments not an integer" -- "$cli" evaluate --abr bba --traces "$work/traces" --segments 1e3
expect 2 "--rtt-ms 1e308" -- "$cli" simulate --abr bba --traces "$work/traces" --rtt-ms 1e308
contains "$work/err" "--rtt-ms" "--rtt-ms message names the flag"
for bad in nan inf -1 1e999 0x10 ""; do
  expect 2 "--rtt-ms '$bad'" -- "$cli" evaluate --abr bba --traces "$work/traces" --rtt-ms "$bad"
done
expect 2 "--payload 0" -- "$cli" simulate --abr bba --traces "$work/traces" --payload 0
expect 2 "--max-buffer-s -1" -- "$cli" simulate --abr bba --traces "$work/traces" --max-buffer-s -1
expect 2 "--startup-s past --max-buffer-s" -- "$cli" simulate --abr bba --traces "$work/traces" --max-buffer-s 2
contains "$work/err" "--startup-s 4 (the default) exceeds --max-buffer-s 2" "start-up message"
expect 2 "--startup-s in pensieve mode" -- "$cli" simulate --abr bba --traces "$work/traces" --mode pensieve --startup-s 2
expect 2 "--threads -1" -- "$cli" evaluate --abr bba --traces "$work/traces" --threads -1
expect 2 "--mode unknown" -- "$cli" simulate --abr bba --traces "$work/traces" --mode fast
expect 0 "--segments and --rtt-ms in range" -- "$cli" simulate --abr bba --traces "$work/traces" --segments 10 --rtt-ms 0 --payload 1
contains "$work/out" "markov_0005.log .* 10 " "--segments 10 plays 10 segments"
expect 1 "missing video dir" -- "$cli" simulate --abr bba --traces "$work/traces" --video "$work/none"
expect 2 "logs without out" -- "$cli" evaluate --abr bba --traces "$work/traces" --logs
contains "$work/err" "--logs needs --out" "logs without out message"
expect 2 "per-session without out" -- "$cli" evaluate --abr bba --traces "$work/traces" --per-session

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
expect 2 "cc case and trace" -- "$cli" cc run --cc gcc --case rfc8867-5.1 --trace "$work/traces/markov_0005.log"
contains "$work/err" "exactly one of --case or --trace" "cc case/trace message"
expect 2 "cc bad queue" -- "$cli" cc run --cc gcc --case rfc8867-5.1 --queue-ms -3
contains "$work/err" "--queue-ms" "cc bad queue names the flag"
expect 2 "cc time scale with a trace" -- "$cli" cc run --cc gcc --trace "$work/traces/markov_0005.log" --time-scale 0.5
expect 2 "cc loss above 1" -- "$cli" cc run --cc gcc --case rfc8867-5.1 --loss 2
expect 2 "cc with no subcommand" -- "$cli" cc

if "$cli" encode --help >/dev/null 2>&1; then  # built with the codec component
  for s in ladder hull live bd-rate; do expect 0 "encode $s --help" -- "$cli" encode $s --help; done
  expect 2 "encode: unknown flag" -- "$cli" encode ladder --synthetic 128x96@25:5 --codec h264 --rungs 64x48@80 --out "$work/t4" --frob
  contains "$work/err" "--frob" "encode: unknown flag named"
  expect 2 "encode: bad --synthetic" -- "$cli" encode hull --synthetic 0x96@25:5 --codec h264 --resolutions 64x48 --crfs 30
  expect 2 "encode: fractional CRF" -- "$cli" encode hull --synthetic 128x96@25:5 --codec h264 --resolutions 64x48 --crfs 30.5
  expect 0 "encode ladder" -- "$cli" encode ladder --synthetic 128x96@25:55 --codec h264 --rungs 64x48@80,128x96@250 --segment-s 1 --out "$work/title" --quiet
  contains "$work/out" "wrote 2 segments x 2 rungs" "ladder summary"
  contains "$work/out" "DASH: $work/title/manifest.mpd" "ladder names the MPD"
  for f in ladder.json segments.csv sizes/video_size_1 quality/ssim_db_1 rung_1/init.mp4 rung_1/seg_1.m4s rung_1/seg_2.m4s \
      rung_1/playlist.m3u8 manifest.mpd master.m3u8; do
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
  expect 2 "ladder: bad --package" -- "$cli" encode ladder --synthetic 128x96@25:55 --codec h264 --rungs 128x96@250 --package dash,smooth --out "$work/t3"
  contains "$work/err" "unknown item 'smooth'" "bad --package names the item"
  expect 1 "ladder: VP8 cannot be packaged" -- "$cli" encode ladder --synthetic 128x96@25:55 --codec vp8 --backend libvpx --rungs 128x96@250 --segment-s 1 --package dash --out "$work/t3" --quiet
  contains "$work/err" "vp8 cannot be packaged" "VP8 packaging message"
  : > "$work/plainfile"
  expect 1 "ladder: output under a file" -- "$cli" encode ladder --synthetic 128x96@25:55 --codec h264 --rungs 128x96@250 --segment-s 1 --out "$work/plainfile/title" --quiet
  contains "$work/err" "cannot create the output directory $work/plainfile/title" "unwritable output message"
  expect 0 "ladder --package none" -- "$cli" encode ladder --synthetic 128x96@25:30 --codec h264 --rungs 128x96@250 --segment-s 1 --package none --out "$work/t5" --quiet
  if [ -s "$work/t5/rung_0/seg_0.mp4" ] && [ ! -e "$work/t5/manifest.mpd" ]; then pass=$((pass + 1)); else echo "FAIL: --package none layout"; fail=$((fail + 1)); fi
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
