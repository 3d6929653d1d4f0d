#!/usr/bin/env bash
# Load test of `streamopt serve` on loopback (docs/benchmarks.md): starts the
# server on a free port with one title, then runs serve_load REPS times per
# controller (a fresh server each time, so RSS per session is measured from
# the same start) and prints every run and the median of each figure.
#   benchmarks/serve_load/run.sh BUILD_DIR [TITLE_DIR] [REPS]
# Environment: ABRS (default "bola robust_mpc"), SESSIONS (1000),
# CONNECTIONS (64), DURATION_S (10), SERVER_THREADS (2), EXTRA (extra
# serve_load flags, e.g. --with-downloads).
set -euo pipefail
build="${1:?usage: run.sh BUILD_DIR [TITLE_DIR] [REPS]}"
title_dir="${2:-${STREAMOPT_DATA:-$(dirname "$0")/../../../shared}/video/envivio}"
reps="${3:-3}"
cli="$build/tools/streamopt/streamopt"
load="$build/benchmarks/serve_load/serve_load"
title=$(basename "$title_dir")
out=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$out"' EXIT

for abr in ${ABRS:-bola robust_mpc}; do
  for rep in $(seq 1 "$reps"); do
    "$cli" serve --listen 127.0.0.1:0 --video "$title_dir" --threads "${SERVER_THREADS:-2}" \
      --max-sessions 100000 > "$out/server" 2>&1 &
    pid=$!
    port=""
    until [ -n "$port" ]; do
      sleep 0.1
      kill -0 "$pid"
      port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\) .*/\1/p' "$out/server")
    done
    # shellcheck disable=SC2086
    "$load" --port "$port" --title "$title" --abr "$abr" --sessions "${SESSIONS:-1000}" \
      --connections "${CONNECTIONS:-64}" --duration-s "${DURATION_S:-10}" --server-pid "$pid" \
      --json "$out/$abr.$rep.json" ${EXTRA:-} || echo "serve_load: run $rep of $abr had errors"
    kill -TERM "$pid"; wait "$pid" || true; pid=""
  done
  python3 - "$out" "$abr" <<'PY'
import json, statistics, sys, glob
runs = [json.load(open(f)) for f in sorted(glob.glob(f"{sys.argv[1]}/{sys.argv[2]}.*.json"))]
med = lambda k: statistics.median(r[k] for r in runs)
print(f"median of {len(runs)}: {sys.argv[2]}: {med('decisions_per_s'):.0f} decisions/s, "
      f"{med('requests_per_s'):.0f} requests/s, p50 {med('p50_ms'):.3f} ms, p99 {med('p99_ms'):.3f} ms, "
      f"errors {sum(r['errors'] for r in runs)}, {med('rss_bytes_per_session'):.0f} B/session")
PY
done
