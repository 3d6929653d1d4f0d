#!/bin/sh
# Builds tests/subproject, a player that add_subdirectory()s streamopt, and
# checks that only the engine is built (no simulator, C ABI, tools, tests)
# and that the player runs.
#   subproject_test.sh SOURCE_DIR
set -eu
src="$1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake -S "$src/tests/subproject" -B "$work" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DSTREAMOPT_SOURCE_DIR="$src" > "$work/configure.log"
cmake --build "$work" > "$work/build.log"
"$work/player" | grep -q "decision: rung"
test -f "$work/streamopt/lib/libstreamopt_engine.a"
for absent in libstreamopt_sim.a libstreamopt.so; do
  if [ -e "$work/streamopt/lib/$absent" ] || [ -e "$work/streamopt/bindings/c/$absent" ]; then
    echo "subproject: $absent was built though the player does not link it" >&2
    exit 1
  fi
done
if grep -q -- "-Werror" "$work/build.log" "$work/build.ninja" 2>/dev/null; then
  echo "subproject: -Werror leaked into a parent project's build" >&2
  exit 1
fi
echo "subproject: the player built the engine only, without -Werror"
