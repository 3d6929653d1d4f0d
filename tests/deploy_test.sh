#!/bin/bash
# The deployment files that can be checked without a container engine or a
# cluster (the image itself: scripts/container.sh smoke, docs/deploy.md):
#  - deploy/kubernetes/ parses and agrees with itself and with the image's
#    port and user (check_deploy_manifests.py; skipped without PyYAML);
#  - the demo title baked into the image loads, and a learned controller
#    (the shipped models the image carries) decides on it;
#  - the image's health check (deploy/healthcheck.sh) passes against the real
#    server and fails once it has stopped.
# Usage: deploy_test.sh PATH/TO/streamopt REPO_ROOT
set -eu
cli="$1"
root="$2"
name=deploy_test
. "$root/tests/serve_test_lib.sh"

python=""
for p in python3 /usr/bin/python3; do
  if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import yaml' 2>/dev/null; then python="$p"; break; fi
done
if [ -n "$python" ]; then
  "$python" "$root/tests/check_deploy_manifests.py" "$root" || fail "deploy/kubernetes (above)"
else
  echo "deploy_test: deploy/kubernetes not checked: no python3 with PyYAML (Debian: python3-yaml)"
fi

start_serve --video "$root/deploy/titles/demo"
base="http://127.0.0.1:$port"

bash "$root/deploy/healthcheck.sh" "$port" || fail "the health check failed against the running server"

json='Content-Type: application/json'
created=$(curl -sS -H "$json" -d '{"abr": "imitation", "title": "demo"}' "$base/v1/sessions")
id=$(printf '%s' "$created" | sed -n 's/.*"session":"\([0-9a-f]*\)".*/\1/p')
[ -n "$id" ] || fail "no imitation session on the demo title: $created"
decision=$(curl -sS -H "$json" \
  -d '{"state": {"now_s": 0, "buffer_s": 0, "next_segment": 0, "segments_left": 49}}' "$base/v1/sessions/$id/decide")
case "$decision" in
  *'"rule":"imitation"'*) ;;
  *) fail "no imitation decision on the demo title: $decision" ;;
esac

kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=""
[ "$status" -eq 0 ] || fail "the server exited $status on SIGTERM"
if bash "$root/deploy/healthcheck.sh" "$port" 2>/dev/null; then
  fail "the health check passed with the server stopped"
fi
echo "deploy_test: ok (demo title, imitation decision, health check up and down)"
