#!/usr/bin/env bash
# ctest browser_e2e_smoke: the end-to-end path in a minute -- a tiny synthetic
# title (3 rungs, four 2 s segments, encoded and packaged in seconds), one
# two-step trace, dash.js 5 in headless Chromium with the streamopt rule
# (bola over WebAssembly) and with dash.js's own ABR, each against the
# simulator (scripts/browser_e2e.sh --segments 3).
#   browser_smoke.sh STREAMOPT_CLI
# Exit 77 (skipped) without chromium, node, npm's puppeteer-core and dashjs 5,
# or em++ (the WASM engine).
set -euo pipefail
cli="$(realpath "${1:?usage: browser_smoke.sh STREAMOPT_CLI}")"
root="$(cd "$(dirname "$0")/../../.." && pwd)"
command -v em++ >/dev/null || [ -f "$root/build/wasm/streamopt_wasm.mjs" ] ||
  { echo "browser_smoke: no em++ and no build/wasm: skipped"; exit 77; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$cli" encode ladder --synthetic 320x180@25:200 --codec h264 --preset veryfast \
  --rungs 160x90@200,320x180@600,320x180@1200 --segment-s 2 --name synth --package dash --no-quality --quiet \
  --out "$work/titles/synth" > "$work/encode.log"
mkdir -p "$work/traces"
# cooked: seconds, Mbit/s: 2 Mbit/s, then 0.5 Mbit/s from 3 s (looped by the origin).
printf '0 2.0\n3 0.5\n6 2.0\n' > "$work/traces/step"

set +e
STREAMOPT_CLI="$cli" "$root/scripts/browser_e2e.sh" --traces "$work/traces" --abr "bola;dashjs-default" \
  --title "$work/titles/synth" --out "$work/out" --segments 3 --timeout-s 90 > "$work/e2e.log" 2>&1
rc=$?
set -e
cat "$work/e2e.log"
[ "$rc" -eq 77 ] && exit 77
[ "$rc" -eq 0 ] || { echo "browser_smoke: FAILED: browser_e2e.sh exited $rc" >&2; exit 1; }
rows=$(tail -n +2 "$work/out/sessions.csv" | wc -l)
[ "$rows" -eq 4 ] || { echo "browser_smoke: FAILED: $rows rows in sessions.csv, expected 4 (2 controllers x browser|sim)" >&2; exit 1; }
for abr in bola dashjs-default; do
  for mode in browser sim; do
    grep -q "^step,$abr,$mode,3," "$work/out/sessions.csv" ||
      { echo "browser_smoke: FAILED: no 3-segment $mode row for $abr" >&2; cat "$work/out/sessions.csv" >&2; exit 1; }
  done
done
# The rule decided every segment through the engine, without an error, and
# dash.js took every setting the page gave it (it logs the ones it ignores).
python3 - "$work/out/browser/step/bola.json" "$work/out/browser/step/dashjs-default.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert not r["rule_errors"], r["rule_errors"]
assert len(r["decisions"]) >= 3 and all(d["rule"] for d in r["decisions"]), r["decisions"]
for path in sys.argv[1:]:
    ignored = [line for line in json.load(open(path))["console"] if "is not supported" in line]
    assert not ignored, (path, ignored)
PY
echo "browser_smoke: passed"
