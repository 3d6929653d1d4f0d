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
if [ -x "$work/build/codec_consumer" ]; then
  "$work/build/codec_consumer" | grep -q "codec: 1 packet(s), keyframe key"
fi
export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig:$(find "$work/prefix" -name pkgconfig -type d | tr '\n' ':')"
# shellcheck disable=SC2046
# shellcheck disable=SC2086
c++ $flags -o "$work/pc_consumer" "$consumer/main.cpp" $(pkg-config --cflags --libs --static streamopt-core)
"$work/pc_consumer" | grep -q "decision: rung"
if pkg-config --exists streamopt-codec; then
  # shellcheck disable=SC2046
  # shellcheck disable=SC2086
  c++ $flags -o "$work/pc_codec_consumer" "$consumer/codec_main.cpp" $(pkg-config --cflags --libs streamopt-codec)
  "$work/pc_codec_consumer" | grep -q "codec: 1 packet(s)"
fi
# C users: the C ABI through pkg-config (the installed libstreamopt.so).
# shellcheck disable=SC2046
cc $flags -std=c11 -o "$work/c_player" "$consumer/../../examples/c_player/c_player.c" $(pkg-config --cflags --libs streamopt)
printf '0 2\n100 2\n' > "$work/trace.log"
libdir="$(dirname "$(find "$work/prefix" -name 'libstreamopt.so' | head -1)")"
LD_LIBRARY_PATH="$libdir" "$work/c_player" "$work/trace.log" synthetic bba | grep -q "qoe_per_segment="
# The shipped learned models install under share/streamopt/models; a relocated
# install points STREAMOPT_MODEL_DIR at them (stochastic_mpc loads ttp.sopt).
models="$work/prefix/share/streamopt/models"
for spec in imitation:imitation ppo:ppo stochastic_mpc:ttp; do
  [ -f "$models/${spec#*:}.sopt" ]
  STREAMOPT_MODEL_DIR="$models" LD_LIBRARY_PATH="$libdir" \
    "$work/c_player" "$work/trace.log" synthetic "${spec%%:*}" | grep -q "qoe_per_segment="
done
# Python users: the installed package imports (when the module was built).
pydir=$(find "$work/prefix" -type d -path '*dist-packages/streamopt' | head -1)
if [ -n "$pydir" ]; then
  PYTHONPATH="$(dirname "$pydir")" /usr/bin/python3 -c "import streamopt; streamopt.Manifest.synthetic()"
  echo "install: Python package imports from the prefix"
fi
echo "install: consumers built with find_package, pkg-config (C++ and C)"
