#!/usr/bin/env bash
# ctest browser_e2e_smoke: the end-to-end path in a minute -- a tiny synthetic
# title (3 rungs, four 2 s segments, encoded and packaged for DASH and HLS in
# seconds), one two-step trace, dash.js 5 in headless Chromium with the
# streamopt rule (bola over WebAssembly) and with dash.js's own ABR, then
# hls.js 1 with the streamopt ABR controller and with hls.js's own ABR, each
# against the simulator (scripts/browser_e2e.sh --segments 3).
#   browser_smoke.sh STREAMOPT_CLI
# Exit 77 (skipped) without chromium, node, npm's puppeteer-core, dashjs 5
# and hls.js 1, or em++ (the WASM engine).
set -euo pipefail
cli="$(realpath "${1:?usage: browser_smoke.sh STREAMOPT_CLI}")"
root="$(cd "$(dirname "$0")/../../.." && pwd)"
command -v em++ >/dev/null || [ -f "$root/build/wasm/streamopt_wasm.mjs" ] ||
  { echo "browser_smoke: no em++ and no build/wasm: skipped"; exit 77; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$cli" encode ladder --synthetic 320x180@25:200 --codec h264 --preset veryfast \
  --rungs 160x90@200,320x180@600,320x180@1200 --segment-s 2 --name synth --package dash,hls --no-quality --quiet \
  --out "$work/titles/synth" > "$work/encode.log"
mkdir -p "$work/traces"
# cooked: seconds, Mbit/s, each sample's rate over the interval that ends at
# it: 0.5 Mbit/s for the first 3 s, then 2 (looped by the origin).
printf '0 2.0\n3 0.5\n6 2.0\n' > "$work/traces/step"

# smoke PLAYER OWN_ABR: bola through streamopt and the player's own ABR.
smoke() {
  local player="$1" own="$2" out="$work/out-$1" rc=0
  STREAMOPT_CLI="$cli" "$root/scripts/browser_e2e.sh" --player "$player" --traces "$work/traces" --abr "bola;$own" \
    --title "$work/titles/synth" --out "$out" --segments 3 --timeout-s 90 > "$work/e2e-$player.log" 2>&1 || rc=$?
  cat "$work/e2e-$player.log"
  [ "$rc" -eq 77 ] && exit 77
  [ "$rc" -eq 0 ] || { echo "browser_smoke: FAILED: browser_e2e.sh --player $player exited $rc" >&2; exit 1; }
  rows=$(tail -n +2 "$out/sessions.csv" | wc -l)
  [ "$rows" -eq 4 ] ||
    { echo "browser_smoke: FAILED ($player): $rows rows in sessions.csv, expected 4 (2 controllers x browser|sim)" >&2; exit 1; }
  for abr in bola "$own"; do
    for mode in browser sim; do
      grep -q "^step,$abr,$mode,3," "$out/sessions.csv" ||
        { echo "browser_smoke: FAILED ($player): no 3-segment $mode row for $abr" >&2; cat "$out/sessions.csv" >&2; exit 1; }
    done
  done
  # streamopt decided every segment through the engine, without an error, and
  # the player took every setting the page gave it (dash.js logs the ones it
  # ignores).
  python3 - "$out/browser/step/bola.json" "$out/browser/step/$own.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert not r["rule_errors"], r["rule_errors"]
assert len(r["decisions"]) >= max(3, len(r["segments"])) and all(d["rule"] for d in r["decisions"]), r["decisions"]
assert [d["segment"] for d in r["decisions"]] == list(range(len(r["decisions"]))), r["decisions"]
for path in sys.argv[1:]:
    ignored = [line for line in json.load(open(path))["console"] if "is not supported" in line]
    assert not ignored, (path, ignored)
PY
}
smoke dashjs dashjs-default
smoke hlsjs hlsjs-default
echo "browser_smoke: passed"
