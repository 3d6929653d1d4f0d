# Shared by the tests that run `streamopt serve` over real HTTP (sourced, POSIX
# sh): set `name` (the test's name in messages) and `cli` (the streamopt
# binary) first. Skips the test without curl; gives $work (a temporary
# directory removed on exit, with the server stopped), fail MESSAGE, and
# start_serve ARGS..., which starts `streamopt serve --listen 127.0.0.1:0
# ARGS...` in the background and waits for its "listening on" line: sets
# pid and port (its output in $work/server.out).
command -v curl >/dev/null 2>&1 || { echo "$name: SKIPPED: curl is not installed"; exit 77; }
work=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "$name: FAILED: $*" >&2; exit 1; }

start_serve() {
  : > "$work/server.out"
  "$cli" serve --listen 127.0.0.1:0 "$@" > "$work/server.out" 2>&1 &
  pid=$!
  tries=0
  port=""
  # Wait for the whole "listening on 127.0.0.1:PORT (...)" line.
  until [ -n "$port" ]; do
    tries=$((tries + 1))
    [ "$tries" -le 100 ] || fail "no 'listening on' line after 10 s: $(cat "$work/server.out")"
    kill -0 "$pid" 2>/dev/null || fail "the server exited: $(cat "$work/server.out")"
    sleep 0.1
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\) .*/\1/p' "$work/server.out")
  done
}
