#!/bin/sh
# Installs the built project into a temporary prefix and builds a tiny
# consumer against it with find_package(streamopt) and with pkg-config.
#   install_test.sh BUILD_DIR CONSUMER_SOURCE_DIR [CXXFLAGS of the build, e.g. sanitizers]
set -eu
build="$1"
consumer="$2"
flags="${3:-}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" > "$work/install.log"
cmake -S "$consumer" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" > "$work/configure.log"
cmake --build "$work/build" > "$work/build.log"
"$work/build/consumer" | tee "$work/out"
grep -q "decision: rung" "$work/out"
export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig:$(find "$work/prefix" -name pkgconfig -type d | tr '\n' ':')"
# shellcheck disable=SC2046
# shellcheck disable=SC2086
c++ $flags -o "$work/pc_consumer" "$consumer/main.cpp" $(pkg-config --cflags --libs --static streamopt-core)
"$work/pc_consumer" | grep -q "decision: rung"
echo "install: consumer built with find_package and pkg-config"
