#!/usr/bin/env bash
# Configures and builds a CMake preset (default: "default").
#   scripts/build.sh [PRESET] [extra cmake --build arguments...]
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-default}"
shift || true
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$(nproc)" "$@"
