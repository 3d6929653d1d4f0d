#!/usr/bin/env bash
# Sets everything up and runs the test suite.
#   scripts/test.sh          Release build, all tests (labels unit, slow and data)
#   scripts/test.sh asan     Debug build with AddressSanitizer + UBSan
#   scripts/test.sh default -L unit    extra arguments go to ctest
# Tests labelled data run when STREAMOPT_DATA names the data directory
# (defaulting to ../shared when it exists) and are skipped without it. When it
# is ../shared, the reference logs there are required too
# (STREAMOPT_REQUIRE_REFERENCE=1): their absence fails instead of skipping.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-default}"
shift || true

scripts/setup.sh
if [ -z "${STREAMOPT_DATA:-}" ] && [ -d ../shared/traces ]; then
  export STREAMOPT_DATA=../shared
fi
if [ -n "${STREAMOPT_DATA:-}" ]; then
  [ -d "$STREAMOPT_DATA" ] || { echo "test: STREAMOPT_DATA=$STREAMOPT_DATA is not a directory" >&2; exit 1; }
  STREAMOPT_DATA="$(cd "$STREAMOPT_DATA" && pwd)"
  export STREAMOPT_DATA
  if [ -z "${STREAMOPT_REQUIRE_REFERENCE:-}" ] && [ -d ../shared ] && [ "$STREAMOPT_DATA" = "$(cd ../shared && pwd)" ]; then
    export STREAMOPT_REQUIRE_REFERENCE=1
  fi
  echo "test: reference data from $STREAMOPT_DATA${STREAMOPT_REQUIRE_REFERENCE:+ (reference logs required)}"
else
  echo "test: STREAMOPT_DATA unset: the tests labelled data will be skipped"
fi

scripts/build.sh "$preset"
if [ "$preset" = asan ]; then
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi
ctest --preset "$preset" -j "$(nproc)" "$@"
