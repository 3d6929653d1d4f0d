#!/usr/bin/env bash
# ctest wasm_decisions: builds the WASM engine (bindings/js/build.sh, cached in
# build/wasm), records sessions with the native engine and replays them in node.
#   wasm_test.sh RECORD_SESSION_BINARY
# Exit 77 (skipped) when em++ or node is missing.
set -euo pipefail
record="${1:?usage: wasm_test.sh RECORD_SESSION_BINARY}"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
command -v em++ >/dev/null || { echo "wasm_test: em++ not found (Debian package emscripten): skipped"; exit 77; }
command -v node >/dev/null || { echo "wasm_test: node not found: skipped"; exit 77; }
# One build at a time (ctest runs the default and asan presets' tests apart,
# but two checkouts' ctest may share build/wasm).
mkdir -p "$root/build"
exec 9>"$root/build/.wasm.lock"
flock 9
"$root/bindings/js/build.sh" --jobs "${STREAMOPT_WASM_JOBS:-2}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Several controllers, one seeded link, 40 segments of 4 s.
# imitation reads its shipped model, which the test puts into the module's
# in-memory file system at the same path.
"$record" "$work/sessions.json" 40 7 bola robust_mpc dashjs "robust_mpc:horizon=3" bba rate "bola:variant=basic" \
  "imitation:model=$root/models/imitation.sopt"
SESSIONS="$work/sessions.json" node --test "$here/wasm_decisions.test.mjs"
