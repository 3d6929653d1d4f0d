#!/usr/bin/env bash
# Sets everything up and runs the test suite.
#   scripts/test.sh          Release build, all tests
#   scripts/test.sh asan     Debug build with AddressSanitizer + UBSan
# Tests that compare against the shared real data run when STREAMOPT_DATA
# names that directory (defaulting to ../shared when it exists).
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-default}"

scripts/setup.sh
if [ -z "${STREAMOPT_DATA:-}" ] && [ -d ../shared/traces ]; then
  export STREAMOPT_DATA=../shared
fi
if [ -n "${STREAMOPT_DATA:-}" ]; then
  [ -d "$STREAMOPT_DATA" ] || { echo "test: STREAMOPT_DATA=$STREAMOPT_DATA is not a directory" >&2; exit 1; }
  STREAMOPT_DATA="$(cd "$STREAMOPT_DATA" && pwd)"
  export STREAMOPT_DATA
  echo "test: reference data from $STREAMOPT_DATA"
else
  echo "test: STREAMOPT_DATA unset: reference tests will be skipped"
fi

scripts/build.sh "$preset"
if [ "$preset" = asan ]; then
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi
ctest --preset "$preset" -j "$(nproc)"
