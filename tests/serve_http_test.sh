#!/bin/sh
# One session over real HTTP/1.1 with keep-alive: starts `streamopt serve
# --listen 127.0.0.1:0` on a small title, creates a session, then reports a
# download, decides (once with a bad state), reads the metrics and deletes
# the session in ONE curl invocation, checking that curl used one connection
# for all of them; finally stops the server with SIGTERM and checks that it
# exits 0. Usage: serve_http_test.sh PATH/TO/streamopt
set -eu
cli="$1"
name=serve_http_test
. "$(dirname "$0")/serve_test_lib.sh"

# A two-rung, four-segment title named "clip".
mkdir -p "$work/clip/sizes"
printf '{"name": "clip", "segment_duration_s": 4, "segments": 4, "rungs": [
  {"bitrate_kbps": 500, "sizes_file": "sizes/r0"}, {"bitrate_kbps": 2500, "sizes_file": "sizes/r1"}]}\n' \
  > "$work/clip/ladder.json"
printf '250000\n250000\n250000\n250000\n' > "$work/clip/sizes/r0"
printf '1250000\n1250000\n1250000\n1250000\n' > "$work/clip/sizes/r1"

start_serve --video "$work/clip" --threads 2
base="http://127.0.0.1:$port"

json='Content-Type: application/json'
created=$(curl -sS -H "$json" -d '{"abr": "robust_mpc:horizon=5", "title": "clip"}' "$base/v1/sessions")
id=$(printf '%s' "$created" | sed -n 's/.*"session":"\([0-9a-f]*\)".*/\1/p')
[ -n "$id" ] || fail "no session id in: $created"

w='%{http_code}\n'
curl -sS -v -o "$work/bodies" -w "$w" -H "$json" \
    -d '{"segment": 0, "rung": 0, "size_bytes": 250000, "start_time_s": 0, "download_time_s": 0.4}' \
    "$base/v1/sessions/$id/download" \
  --next -sS -o "$work/decide.json" -w "$w" -H "$json" \
    -d '{"state": {"now_s": 0.4, "buffer_s": 4, "next_segment": 1, "segments_left": 3, "last_rung": 0}}' \
    "$base/v1/sessions/$id/decide" \
  --next -sS -o "$work/bad.json" -w "$w" -H "$json" \
    -d '{"state": {"now_s": 0.4, "buffer_s": -1, "next_segment": 1, "segments_left": 3}}' \
    "$base/v1/sessions/$id/decide" \
  --next -sS -o "$work/metrics.txt" -w "$w" "$base/metrics" \
  --next -sS -o "$work/bodies" -w "$w" -X DELETE "$base/v1/sessions/$id" \
  > "$work/statuses" 2> "$work/trace"

statuses=$(tr '\n' ' ' < "$work/statuses")
[ "$statuses" = "204 200 400 200 204 " ] || fail "statuses '$statuses', expected '204 200 400 200 204 '"
connections=$(grep -c "Connected to 127.0.0.1" "$work/trace" || true)
[ "$connections" = 1 ] || fail "curl opened $connections connections for 5 requests (no keep-alive?)"
grep -q '"rung":' "$work/decide.json" || fail "decision without a rung: $(cat "$work/decide.json")"
grep -q '"bitrate_bps":' "$work/decide.json" || fail "decision without bitrate_bps: $(cat "$work/decide.json")"
grep -q 'state.buffer_s' "$work/bad.json" || fail "the 400 does not name state.buffer_s: $(cat "$work/bad.json")"
grep -q '^streamopt_decisions_total{controller="robust_mpc"} 1$' "$work/metrics.txt" ||
  fail "metrics do not count the decision: $(grep decisions_total "$work/metrics.txt")"

kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=""
[ "$rc" = 0 ] || fail "the server exited $rc after SIGTERM: $(cat "$work/server.out")"
grep -q "stopped" "$work/server.out" || fail "no 'stopped' line: $(cat "$work/server.out")"
echo "serve_http_test: ok (port $port, 5 requests on one connection)"
