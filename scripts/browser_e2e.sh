#!/usr/bin/env bash
# The end-to-end proof (docs/browser.md): plays a packaged title in headless
# Chromium with dash.js 5 -- streamopt's controllers through the WebAssembly
# rule (bindings/js), or dash.js's own ABR (dashjs-default) -- or with
# hls.js 1 (--player hlsjs: the WebAssembly ABR controller, or hlsjs-default) from
# `streamopt serve --origin` shaped by each trace (--shape TRACE --rtt-ms),
# records every segment, replays the same traces in the simulator (default
# mode, the browser's buffer target, RTT and start-up) and writes
# OUT/sessions.csv, OUT/report.md (sim-to-real gap per controller) and
# OUT/gap.png.
#   scripts/browser_e2e.sh --traces DIR --abr LIST --out DIR [--segments N]
#       [--title DIR] [--rtt-ms MS] [--buffer-s S] [--timeout-s S] [--max-traces K]
#       [--player dashjs|hlsjs]
# LIST: controllers separated by ';' (or ',' when no spec has options), e.g.
# "robust_mpc;bola;dashjs-default" (with --player hlsjs: hlsjs-default is
# hls.js's own ABR). --title defaults to out/titles/envivio
# (scripts/package_title.sh). The CLI is $STREAMOPT_CLI, else
# build/default/tools/streamopt/streamopt. Needs chromium, node, npm's
# puppeteer-core and dashjs 5 or hls.js 1 (global or NODE_PATH), em++ for the
# WASM engine (build/wasm, built when missing). Exit 77 when one of them is
# missing.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

traces="" abr_list="" out="" segments=0 title="out/titles/envivio" rtt_ms=80 buffer_s=20 timeout_s=300 max_traces=0
player=dashjs
while [ $# -gt 0 ]; do
  case "$1" in
    --traces) traces="${2:?--traces needs a directory}"; shift 2 ;;
    --abr) abr_list="${2:?--abr needs a list}"; shift 2 ;;
    --out) out="${2:?--out needs a directory}"; shift 2 ;;
    --segments) segments="${2:?--segments needs a number}"; shift 2 ;;
    --title) title="${2:?--title needs a directory}"; shift 2 ;;
    --rtt-ms) rtt_ms="${2:?}"; shift 2 ;;
    --buffer-s) buffer_s="${2:?}"; shift 2 ;;
    --timeout-s) timeout_s="${2:?}"; shift 2 ;;
    --max-traces) max_traces="${2:?}"; shift 2 ;;
    --player) player="${2:?--player needs dashjs or hlsjs}"; shift 2 ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "browser_e2e: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[ -n "$traces" ] && [ -n "$abr_list" ] && [ -n "$out" ] || { echo "browser_e2e: --traces, --abr and --out are required" >&2; exit 2; }
[[ "$segments" =~ ^[0-9]+$ ]] || { echo "browser_e2e: --segments '$segments' is not a non-negative integer" >&2; exit 2; }
# Per player: its script in npm's package, the page, the title's manifest,
# and the name of its own ABR (played in the simulator by streamopt's model
# of it).
case "$player" in
  dashjs) player_script="dashjs/dist/modern/umd/dash.all.min.js" player_version='"version": *"5\.'
          page=player.html page_files="player.html player.mjs dashjs_rule.mjs" source=manifest.mpd source_key=mpd ;;
  hlsjs) player_script="hls.js/dist/hls.min.js" player_version='"version": *"1\.'
         page=hls_player.html page_files="hls_player.html hls_player.mjs hlsjs_abr.mjs" source=master.m3u8 source_key=src ;;
  *) echo "browser_e2e: --player '$player' is not dashjs or hlsjs" >&2; exit 2 ;;
esac
own_abr="$player-default"
if [[ "$abr_list" == *";"* ]]; then IFS=';' read -r -a abrs <<< "$abr_list"; else IFS=',' read -r -a abrs <<< "$abr_list"; fi
for abr in "${abrs[@]}"; do
  case "$abr" in
    dashjs-default|hlsjs-default)
      [ "$abr" = "$own_abr" ] || { echo "browser_e2e: --abr $abr is not this player's own ABR (--player $player: $own_abr)" >&2; exit 2; } ;;
  esac
done

skip() { echo "browser_e2e: $1: skipped" >&2; exit 77; }
chromium="${CHROMIUM:-/usr/bin/chromium}"
[ -x "$chromium" ] || skip "no Chromium at $chromium (Debian package chromium)"
command -v node >/dev/null || skip "node not found"
command -v python3 >/dev/null || skip "python3 not found"
# The report plots with matplotlib: Debian's python3 has it (python3-matplotlib).
report_python=python3
/usr/bin/python3 -c "import matplotlib" 2>/dev/null && report_python=/usr/bin/python3
export NODE_PATH="${NODE_PATH:+$NODE_PATH:}$(npm root -g 2>/dev/null || true)"
node -e "require('puppeteer-core')" 2>/dev/null || skip "npm package puppeteer-core not found (npm install -g puppeteer-core)"
player_file=""
IFS=':' read -r -a node_dirs <<< "$NODE_PATH"
for d in "${node_dirs[@]}"; do
  if [ -n "$d" ] && [ -f "$d/$player_script" ] && grep -q "$player_version" "$d/${player_script%%/*}/package.json"; then
    player_file="$d/$player_script"; break
  fi
done
[ -n "$player_file" ] || case "$player" in
  dashjs) skip "dash.js 5 not found in NODE_PATH (npm install -g dashjs@5)" ;;
  hlsjs) skip "hls.js 1 not found in NODE_PATH (npm install -g hls.js@1)" ;;
esac
[ -f "$title/$source" ] && [ -f "$title/ladder.json" ] || skip "no packaged title with $source at $title (scripts/package_title.sh)"
cli="${STREAMOPT_CLI:-build/default/tools/streamopt/streamopt}"
[ -x "$cli" ] || { echo "browser_e2e: no streamopt CLI at $cli (scripts/build.sh, or set STREAMOPT_CLI)" >&2; exit 1; }
wasm="build/wasm/streamopt_wasm.mjs"
if [ ! -f "$wasm" ]; then
  command -v em++ >/dev/null || skip "no $wasm and no em++ to build it (Debian package emscripten)"
  bindings/js/build.sh
fi
[ -d "$traces" ] || { echo "browser_e2e: --traces $traces is not a directory" >&2; exit 2; }
mapfile -t trace_files < <(find "$traces" -maxdepth 1 -type f ! -name '.*' | sort)
[ "${#trace_files[@]}" -gt 0 ] || { echo "browser_e2e: no trace files in $traces" >&2; exit 2; }
if [ "$max_traces" -gt 0 ] && [ "${#trace_files[@]}" -gt "$max_traces" ]; then trace_files=("${trace_files[@]:0:$max_traces}"); fi

title="$(cd "$title" && pwd)"
title_name="$(basename "$title")"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
www="$out/www"
rm -rf "$www" "$out/browser" "$out/sim" "$out/traces"
mkdir -p "$www" "$out/browser" "$out/traces"
cp "$player_file" "$wasm" bindings/js/streamopt.mjs bindings/js/e2e/record.mjs "$www/"
for f in $page_files; do
  if [ -f "bindings/js/e2e/$f" ]; then cp "bindings/js/e2e/$f" "$www/"; else cp "bindings/js/$f" "$www/"; fi
done
# The ladder as streamopt knows it (ladder.json with the sizes inline), for the
# rule and the simulator alike.
python3 - "$title" "$www/manifest.json" <<'PY'
import json, os, sys
title, dest = sys.argv[1], sys.argv[2]
ladder = json.load(open(os.path.join(title, "ladder.json")))
rungs = sorted(ladder["rungs"], key=lambda r: r["bitrate_kbps"])
sizes = []
for r in rungs:
    with open(os.path.join(title, r["sizes_file"])) as f:
        sizes.append([int(x) for x in f.read().split()])
n = ladder["segments"]
json.dump({"bitrates_bps": [r["bitrate_kbps"] * 1000 for r in rungs],
           "segment_duration_s": ladder["segment_duration_s"], "segment_count": n,
           "sizes_bytes": [[sizes[r][s] for r in range(len(rungs))] for s in range(n)]}, open(dest, "w"))
PY

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM

# The page, its scripts and the WASM module from a plain local server (unshaped).
port_file="$out/.www_port"
rm -f "$port_file"  # a previous run's port must not be read before this server writes its own
python3 - "$www" "$port_file" > "$out/www.log" 2>&1 <<'PY' &
import http.server, functools, sys, socketserver
class Quiet(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".mjs": "text/javascript", ".js": "text/javascript"}
    def log_message(self, *a): pass
handler = functools.partial(Quiet, directory=sys.argv[1])
with socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler) as httpd:
    open(sys.argv[2], "w").write(str(httpd.server_address[1]))
    httpd.serve_forever()
PY
pids+=($!)
for _ in $(seq 100); do [ -s "$port_file" ] && break; sleep 0.1; done
[ -s "$port_file" ] || { echo "browser_e2e: the page server did not start (see $out/www.log)" >&2; exit 1; }
www_port="$(cat "$port_file")"

# One origin per session, so each session starts at the trace's beginning.
start_origin() {
  local trace="$1" log="$2"
  : > "$log"  # exists before the background job's redirection runs
  "$cli" serve --listen 127.0.0.1:0 --origin "$(dirname "$title")" --shape "$trace" --rtt-ms "$rtt_ms" > "$log" 2>&1 &
  origin_pid=$!
  pids+=("$origin_pid")
  for _ in $(seq 100); do
    origin_port="$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -1 || true)"
    [ -n "$origin_port" ] && return 0
    kill -0 "$origin_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "browser_e2e: streamopt serve did not start: $(tail -3 "$log")" >&2
  return 1
}

failures=0
for trace in "${trace_files[@]}"; do
  name="$(basename "$trace")"
  ln -sfn "$(realpath "$trace")" "$out/traces/$name"
  mkdir -p "$out/browser/$name"
  for abr in "${abrs[@]}"; do
    safe="$(printf '%s' "$abr" | tr -c 'A-Za-z0-9_.=-' '_')"
    start_origin "$trace" "$out/browser/$name/$safe.origin.log"
    url="http://127.0.0.1:$www_port/$page?abr=$(python3 -c 'import sys,urllib.parse;print(urllib.parse.quote(sys.argv[1]))' "$abr")"
    url+="&$source_key=http://127.0.0.1:$origin_port/media/$title_name/$source&manifest=manifest.json&segments=$segments&buffer=$buffer_s"
    echo "browser_e2e: $name / $abr"
    if ! node bindings/js/e2e/drive.mjs --url "$url" --out "$out/browser/$name/$safe.json" --timeout-s "$timeout_s" \
         --chromium "$chromium"; then
      echo "browser_e2e: $name / $abr failed (see $out/browser/$name/$safe.json)" >&2
      failures=$((failures + 1))
    fi
    kill "$origin_pid" 2>/dev/null || true
    wait "$origin_pid" 2>/dev/null || true
  done
done

# The simulator on the same traces: default mode, the browser's buffer target,
# RTT and one segment of start-up; the player's own ABR is streamopt's model
# of it (dashjs, hlsjs).
sim_list=""
for abr in "${abrs[@]}"; do
  [ "$abr" = "$own_abr" ] && abr="$player"
  sim_list+="${sim_list:+;}$abr"
done
seg_args=()
[ "$segments" -gt 0 ] && seg_args=(--segments "$segments")
"$cli" evaluate --abr "$sim_list" --traces "$out/traces" --video "$title" --mode default "${seg_args[@]}" \
  --rtt-ms "$rtt_ms" --max-buffer-s "$buffer_s" --startup-s "$(python3 -c "import json;print(json.load(open('$www/manifest.json'))['segment_duration_s'])")" \
  --progress-interval-s 0 --per-session --out "$out/sim" --quiet > "$out/sim.log" 2>&1 ||
  { echo "browser_e2e: streamopt evaluate failed: $(tail -3 "$out/sim.log")" >&2; exit 1; }

"$report_python" "$root/scripts/browser_e2e_report.py" --out "$out" --manifest "$www/manifest.json" --abr "$(IFS=';'; echo "${abrs[*]}")" \
  --player "$player" --segments "$segments" --rtt-ms "$rtt_ms" --buffer-s "$buffer_s"
if [ "$failures" -gt 0 ]; then
  echo "browser_e2e: $failures browser session(s) failed" >&2
  exit 1
fi
