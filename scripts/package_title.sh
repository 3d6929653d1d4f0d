#!/usr/bin/env bash
# Packages the real envivio title once for players and the browser
# end-to-end test: `streamopt encode ladder` on the envivio source segments
# (../shared/video/envivio/source: init.mp4 + seg_18..23.m4s, 24 s of 720p25
# H.264) into the Pensieve 6-rung ladder, DASH + HLS over fMP4, then checks
# that ffmpeg plays every rung of both manifests to the last frame.
#   scripts/package_title.sh [--out DIR] [--force]
# DIR defaults to out/titles/envivio. The title is cached: when DIR holds a
# title encoded with the same command, nothing is encoded (--force
# re-encodes). The source comes from STREAMOPT_DATA, ../shared or data/
# (scripts/fetch_data.sh). The CLI is $STREAMOPT_CLI, else
# build/default/tools/streamopt/streamopt (built with scripts/build.sh when missing).
set -euo pipefail
cd "$(dirname "$0")/.."

out=out/titles/envivio
force=0
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="${2:?--out needs a directory}"; shift 2 ;;
    --force) force=1; shift ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "package_title: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

src=""
for root in "${STREAMOPT_DATA:-}" ../shared data; do
  if [ -n "$root" ] && [ -f "$root/video/envivio/source/init.mp4" ]; then src="$root/video/envivio/source"; break; fi
done
[ -n "$src" ] || { echo "package_title: no video/envivio/source/init.mp4 under STREAMOPT_DATA, ../shared or data/" >&2; exit 1; }
mapfile -t segments < <(ls "$src"/seg_*.m4s | sort -V)
[ "${#segments[@]}" -gt 0 ] || { echo "package_title: no seg_*.m4s in $src" >&2; exit 1; }

cli="${STREAMOPT_CLI:-build/default/tools/streamopt/streamopt}"
if [ ! -x "$cli" ]; then
  [ -z "${STREAMOPT_CLI:-}" ] || { echo "package_title: STREAMOPT_CLI=$cli is not executable" >&2; exit 1; }
  scripts/build.sh default --target streamopt_cli
fi

# Pensieve's envivio ladder (video/envivio/ladder.json), 4 s segments as the source's.
rungs=320x180@300,640x360@750,768x432@1200,1024x576@1850,1280x720@2850,1280x720@4300
command=(encode ladder --input "$src/init.mp4" "${segments[@]}" --codec h264 --rungs "$rungs" --segment-s 4
         --name envivio --package dash,hls --threads 2 --quiet)
stamp="${command[*]}"
if [ "$force" -eq 0 ] && [ -f "$out/manifest.mpd" ] && [ -f "$out/master.m3u8" ] &&
   [ "$(cat "$out/.package_command" 2>/dev/null)" = "$stamp" ]; then
  echo "package_title: $out is up to date (--force re-encodes)"
  exit 0
fi

# Encode next to DIR and swap it in only when encoded and checked, so an
# interrupted run never leaves a half title in DIR. Absolute: ffmpeg 5.1's DASH
# demuxer resolves segments of a relative "dir/manifest.mpd" as "dir/dir/...".
mkdir -p "$(dirname "$out")"
fresh="$(realpath "$(dirname "$out")")/$(basename "$out").new.$$"
rm -rf "$fresh"
trap 'rm -rf "$fresh"' EXIT
echo "package_title: encoding ${#segments[@]} segments of $src into 6 rungs (a few minutes on 2 cores)"
"$cli" "${command[@]}" --out "$fresh"

frames=$(( ${#segments[@]} * 100 ))  # 4 s at 25 fps per segment
if command -v ffmpeg >/dev/null 2>&1; then
  for manifest in manifest.mpd master.m3u8; do
    for rung in 0 1 2 3 4 5; do
      err=$(ffmpeg -nostdin -v error -i "$fresh/$manifest" -map "0:v:$rung" -f framecrc - 2>&1 >"$fresh/.frames") || true
      n=$(grep -vc '^#' "$fresh/.frames" || true)
      if [ -n "$err" ] || [ "$n" -ne "$frames" ]; then
        echo "package_title: ffmpeg plays $n of $frames frames of rung $rung through $manifest: $err" >&2
        exit 1
      fi
    done
    echo "package_title: ffmpeg plays all 6 rungs of $manifest to the end ($frames frames each)"
  done
  rm -f "$fresh/.frames"
else
  echo "package_title: ffmpeg is not installed: playback NOT checked" >&2
fi
printf '%s\n' "$stamp" > "$fresh/.package_command"
rm -rf "$out"
mv "$fresh" "$out"
trap - EXIT
echo "package_title: $out (DASH: $out/manifest.mpd, HLS: $out/master.m3u8)"
