#!/bin/sh
# Installs the built project into a temporary prefix and builds a tiny
# consumer against it with find_package(streamopt) and with pkg-config.
set -eu
build="$1"
consumer="$2"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" > "$work/install.log"
cmake -S "$consumer" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Release > "$work/configure.log"
cmake --build "$work/build" > "$work/build.log"
"$work/build/consumer" | tee "$work/out"
grep -q "decision: rung" "$work/out"
export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig:$(find "$work/prefix" -name pkgconfig -type d | tr '\n' ':')"
# shellcheck disable=SC2046
c++ -o "$work/pc_consumer" "$consumer/main.cpp" $(pkg-config --cflags --libs --static streamopt)
"$work/pc_consumer" | grep -q "decision: rung"
echo "install: consumer built with find_package and pkg-config"
