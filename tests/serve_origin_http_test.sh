#!/bin/sh
# The origin over real HTTP: starts `streamopt serve --origin DIR --shape
# TRACE --rtt-ms 100` on a fake packaged title and a constant 8 Mbit/s
# trace, then checks with curl that
#  - a segment request with a CMCD query gets CMSD-Dynamic with mb and CORS headers,
#  - a second one (CMCD in headers) reports the first download (etp appears),
#  - traversal (.., %2e%2e, an encoded '/') is refused and a symlink out is 404,
#  - a small file waits the RTT; 1,000,000 bytes take 1 s + RTT; two at once
#    share the 8 Mbit/s (about 2 s each), within generous bounds,
#  - /metrics counts the CMCD requests and the malformed one,
#  - the trace's clock starts with the first body, not with the server,
# and that SIGTERM stops the server with status 0.
# Usage: serve_origin_http_test.sh PATH/TO/streamopt
set -eu
cli="$1"
name=serve_origin_http_test
. "$(dirname "$0")/serve_test_lib.sh"
# within VALUE LOW HIGH: LOW <= VALUE <= HIGH (decimals).
within() { awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v >= lo && v <= hi) }'; }

# A two-rung, four-segment title "clip", segments numbered from 1, and a
# secret file next to the origin that a symlink inside points to.
clip="$work/origin/clip"
mkdir -p "$clip/sizes" "$clip/r0" "$clip/r1"
printf '{"name": "clip", "segment_duration_s": 4, "segments": 4, "rungs": [
  {"bitrate_kbps": 500, "sizes_file": "sizes/r0"}, {"bitrate_kbps": 2500, "sizes_file": "sizes/r1"}]}\n' \
  > "$clip/ladder.json"
printf '250000\n250000\n250000\n250000\n' > "$clip/sizes/r0"
printf '1000000\n1000000\n1000000\n1000000\n' > "$clip/sizes/r1"
for i in 1 2 3 4; do
  head -c 250000 /dev/zero > "$clip/r0/seg_$i.m4s"
  head -c 1000000 /dev/zero > "$clip/r1/seg_$i.m4s"
done
head -c 1000000 /dev/zero > "$clip/r1/init.mp4"
printf '<?xml version="1.0"?><MPD/>\n' > "$clip/manifest.mpd"
echo secret > "$work/secret.txt"
ln -s "$work/secret.txt" "$clip/r0/leak.m4s"
# 8 Mbit/s for 20 s (cooked: time_s throughput_Mbps).
i=0
while [ "$i" -le 20 ]; do echo "$i 8"; i=$((i + 1)); done > "$work/8mbit.log"

# start_server TRACE: the origin shaped by TRACE; sets pid, port and base.
start_server() {
  start_serve --origin "$work/origin" --origin-abr robust_mpc --shape "$1" --rtt-ms 100 --threads 2
  base="http://127.0.0.1:$port/media/clip"
}
start_server "$work/8mbit.log"

# CMCD in the query (as dash.js sends it), CMSD out.
curl -sS -D "$work/h1" -o /dev/null \
  "$base/r0/seg_1.m4s?CMCD=bl%3D0%2Cbr%3D500%2Cot%3Dv%2Csf%3Dd%2Csid%3D%22e2e-1%22%2Cst%3Dv%2Csu%2Cv%3D1"
grep -qi '^CMSD-Dynamic: "streamopt";.*mb=[0-9]' "$work/h1" || fail "no CMSD-Dynamic with mb: $(cat "$work/h1")"
grep -qi '^CMSD-Static: ot=v' "$work/h1" || fail "no CMSD-Static: $(cat "$work/h1")"
grep -qi '^Access-Control-Allow-Origin: \*' "$work/h1" || fail "no CORS header: $(cat "$work/h1")"
grep -qi '^Access-Control-Expose-Headers:.*CMSD-Dynamic' "$work/h1" || fail "CMSD not exposed: $(cat "$work/h1")"
grep -qi '^Content-Type: video/iso.segment' "$work/h1" || fail "wrong Content-Type: $(cat "$work/h1")"
grep -qi '^Content-Length: 250000' "$work/h1" || fail "wrong Content-Length: $(cat "$work/h1")"
# CMCD in headers; the first download is reported, so the controller has an estimate (etp).
curl -sS -D "$work/h2" -o /dev/null -H 'CMCD-Request: bl=3900' -H 'CMCD-Object: br=500,ot=v' \
  -H 'CMCD-Session: sid="e2e-1"' "$base/r0/seg_2.m4s"
grep -qi '^CMSD-Dynamic: "streamopt";etp=[0-9]*;mb=[0-9]' "$work/h2" || fail "no etp after a report: $(cat "$work/h2")"
# Malformed CMCD: still served.
status=$(curl -sS -o /dev/null -w '%{http_code}' "$base/r0/seg_3.m4s?CMCD=bl%3Dfast%2Csid%3D%22e2e-1%22")
[ "$status" = 200 ] || fail "a malformed CMCD got $status, not 200"

# Traversal.
for target in "/media/clip/../../secret.txt" "/media/clip/%2e%2e/%2e%2e/secret.txt" \
              "/media/clip%2F..%2F..%2Fsecret.txt" "/media//etc/passwd"; do
  status=$(curl -sS --path-as-is -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$target")
  [ "$status" = 400 ] || fail "$target got $status, not 400"
done
status=$(curl -sS -o /dev/null -w '%{http_code}' "$base/r0/leak.m4s")
[ "$status" = 404 ] || fail "a symlink out of the origin got $status, not 404"

# The RTT before the first byte of a small file.
t=$(curl -sS -o /dev/null -w '%{time_total}' "$base/manifest.mpd")
within "$t" 0.09 0.6 || fail "a 30-byte file took $t s with --rtt-ms 100"
# 1,000,000 bytes at 8 Mbit/s: 1 s + 0.1 s.
t=$(curl -sS -o /dev/null -w '%{time_total}' "$base/r1/seg_1.m4s")
within "$t" 0.95 1.7 || fail "1,000,000 bytes over 8 Mbit/s took $t s, expected about 1.1 s"
# Two at once share the link: about 2.1 s each.
curl -sS -o /dev/null -w '%{time_total}\n' "$base/r1/seg_2.m4s" > "$work/t_a" &
a=$!
curl -sS -o /dev/null -w '%{time_total}\n' "$base/r1/seg_3.m4s" > "$work/t_b" &
b=$!
wait "$a" "$b"
ta=$(cat "$work/t_a")
tb=$(cat "$work/t_b")
within "$ta" 1.7 2.9 || fail "with two at once, one took $ta s, expected about 2.1 s"
within "$tb" 1.7 2.9 || fail "with two at once, one took $tb s, expected about 2.1 s"

curl -sS -o "$work/metrics.txt" "http://127.0.0.1:$port/metrics"
grep -q '^streamopt_cmcd_requests_total 3$' "$work/metrics.txt" || fail "CMCD requests: $(grep cmcd "$work/metrics.txt")"
grep -q '^streamopt_cmcd_errors_total 1$' "$work/metrics.txt" || fail "CMCD errors: $(grep cmcd "$work/metrics.txt")"
grep -q '^streamopt_origin_sessions 1$' "$work/metrics.txt" || fail "origin sessions: $(grep origin "$work/metrics.txt")"

kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=""
[ "$rc" = 0 ] || fail "the server exited $rc after SIGTERM: $(cat "$work/server.out")"

# The trace's clock starts with the first media segment request, not with
# the server nor with manifests or init segments, which are not shaped:
# 1 Mbit/s for its first 3 s, then 8. An init segment of 1,000,000 bytes
# takes the RTT (8 s if it were shaped); two seconds after start-up,
# 1,000,000 bytes of a media segment take 3 s (375 kB) + 0.625 s + RTT; from
# the server's start, or from the init segment, they would take ~2 s.
{ echo "0 1"; echo "3 1"; i=4; while [ "$i" -le 20 ]; do echo "$i 8"; i=$((i + 1)); done; } > "$work/step.log"
start_server "$work/step.log"
sleep 1
ti=$(curl -sS -o /dev/null -w '%{time_total}' "$base/r1/init.mp4")
within "$ti" 0.09 0.9 || fail "a 1,000,000-byte init segment took $ti s: init segments are not shaped"
sleep 1
ts=$(curl -sS -o /dev/null -w '%{time_total}' "$base/r1/seg_4.m4s")
within "$ts" 3.3 4.8 || fail "1,000,000 bytes took $ts s 2 s after start-up; expected about 3.7 s from the trace's start"
kill -TERM "$pid"
wait "$pid" || true
pid=""
echo "serve_origin_http_test: ok (port $port; 1 MB in $t s, two at once in $ta / $tb s, from the trace's start $ts s, init unshaped $ti s)"
