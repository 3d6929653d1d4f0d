#!/usr/bin/env bash
# Builds the engine as WebAssembly with Debian's emscripten into build/wasm/:
#   build/wasm/streamopt_wasm.mjs   ES module factory, the .wasm embedded (SINGLE_FILE)
# Only the engine (lib/CMakeLists.txt's streamopt_engine sources: controllers,
# predictors, QoE, manifest, registry) and bindings/js/streamopt_js.cpp; no
# codecs, serve, learn, edge or sim. An object is rebuilt when its source or a
# header it includes (its -MMD depfile) is newer.
#   bindings/js/build.sh [--jobs N]          (default 2)
# Exit 77 when em++ is missing (the ctest registration counts that as skipped).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
jobs=2
while [ $# -gt 0 ]; do
  case "$1" in
    --jobs) jobs="$2"; shift 2 ;;
    *) echo "build.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
command -v em++ >/dev/null || { echo "build.sh: em++ not found (Debian package emscripten)" >&2; exit 77; }
# Debian's emscripten runs its JS tools with the system node and finds its npm
# modules there.
export NODE_PATH="${NODE_PATH:-/usr/share/nodejs}"
for dir in /usr/include/fmt /usr/include/nlohmann /usr/include/eigen3; do
  [ -d "$dir" ] || { echo "build.sh: $dir missing (Debian packages libfmt-dev nlohmann-json3-dev libeigen3-dev)" >&2; exit 1; }
done

out="$root/build/wasm"
mkdir -p "$out/obj" "$out/include"
# Only the header-only libraries from /usr/include (not glibc's headers).
ln -sfn /usr/include/fmt "$out/include/fmt"
ln -sfn /usr/include/nlohmann "$out/include/nlohmann"

sources=$(sed -n '/^add_library(streamopt_engine STATIC/,/)/p' "$root/lib/CMakeLists.txt" \
  | sed -e 's/add_library(streamopt_engine STATIC//' -e 's/)//' | tr -s ' \n' '\n' | grep '\.cpp$' | sed 's|^|lib/|')
sources="$sources bindings/js/streamopt_js.cpp"
[ -n "$sources" ] || { echo "build.sh: no engine sources found in lib/CMakeLists.txt" >&2; exit 1; }

flags=(-std=c++20 -O2 -fexceptions -DFMT_HEADER_ONLY -DNDEBUG
       -DSTREAMOPT_MODEL_INSTALL_DIR=\"/streamopt/models\" -DSTREAMOPT_MODEL_SOURCE_DIR=\"/streamopt/models\"
       -I"$root/include" -I"$root/lib" -I"$root/bindings/js" -isystem "$out/include" -isystem /usr/include/eigen3)
# An object is up to date when it is newer than every file its depfile (-MMD)
# names; an object without a depfile, when it is newer than its source.
up_to_date() {
  local obj="$1" src="$2" dep
  [ -f "$obj" ] || return 1
  if [ -f "$obj.d" ]; then
    for dep in $(sed -e 's/^[^:]*://' -e 's/\\$//' "$obj.d"); do
      [ "$dep" -nt "$obj" ] && return 1
    done
    return 0
  fi
  [ "$obj" -nt "$src" ]
}

compile_one() {
  local src="$1" obj="$out/obj/$(echo "$1" | tr '/' '_').o"
  if up_to_date "$obj" "$root/$src"; then echo "$obj"; return 0; fi
  # The object is written under a temporary name (.part.o) and renamed, so an
  # interrupted build never leaves a half object that looks up to date.
  em++ "${flags[@]}" -MMD -MF "$obj.d.part" -c "$root/$src" -o "$obj.part.o" 2> "$obj.log" ||
    { cat "$obj.log" >&2; echo "build.sh: em++ failed on $src" >&2; return 1; }
  mv "$obj.d.part" "$obj.d"
  mv "$obj.part.o" "$obj"
  echo "$obj"
}
export -f up_to_date compile_one
export out root
export flags_str="${flags[*]}"
objs=$(printf '%s\n' $sources | xargs -P "$jobs" -I{} bash -c 'flags=($flags_str); compile_one "$@"' _ {})
echo "build.sh: $(echo "$objs" | wc -l) objects"

exports='["_sjs_version","_sjs_last_error","_sjs_create","_sjs_on_download","_sjs_decide","_sjs_rung_count","_sjs_destroy","_malloc","_free"]'
em++ -O2 -fexceptions $objs -o "$out/streamopt_wasm.part.mjs" \
  -sMODULARIZE=1 -sEXPORT_ES6=1 -sEXPORT_NAME=createStreamoptWasm -sSINGLE_FILE=1 \
  -sALLOW_MEMORY_GROWTH=1 -sENVIRONMENT=web,node -sFILESYSTEM=1 \
  -sEXPORTED_FUNCTIONS="$exports" -sEXPORTED_RUNTIME_METHODS='["ccall","cwrap","UTF8ToString","FS"]'
mv "$out/streamopt_wasm.part.mjs" "$out/streamopt_wasm.mjs"
echo "build.sh: wrote $out/streamopt_wasm.mjs ($(stat -c %s "$out/streamopt_wasm.mjs") bytes)"
