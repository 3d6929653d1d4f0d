#!/usr/bin/env bash
# Packages the real envivio title once for players and the browser
# end-to-end test: `streamopt encode ladder` on the envivio source segments
# (../shared/video/envivio/source: init.mp4 + seg_18..23.m4s, 24 s of 720p25
# H.264) into the Pensieve 6-rung ladder, DASH + HLS over fMP4, then checks
# that ffmpeg plays every rung of both manifests to the last frame.
#   scripts/package_title.sh [--out DIR] [--loops N] [--force]
# DIR defaults to out/titles/envivio. --loops N plays the source N times
# over (6 x N segments of 4 s; default 1) for longer sessions. The title is
# cached: when DIR holds a title encoded with the same command, nothing is
# encoded (--force re-encodes). The source comes from STREAMOPT_DATA,
# ../shared or data/ (scripts/fetch_data.sh). The CLI is $STREAMOPT_CLI, else
# build/default/tools/streamopt/streamopt (built with scripts/build.sh when missing).
set -euo pipefail
cd "$(dirname "$0")/.."

out=out/titles/envivio
force=0
loops=1
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="${2:?--out needs a directory}"; shift 2 ;;
    --loops) loops="${2:?--loops needs a number}"; shift 2 ;;
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
[[ "$loops" =~ ^[1-9][0-9]?$ ]] || { echo "package_title: --loops '$loops' is not a whole number from 1 to 99" >&2; exit 2; }
mapfile -t source_segments < <(ls "$src"/seg_*.m4s | sort -V)
[ "${#source_segments[@]}" -gt 0 ] || { echo "package_title: no seg_*.m4s in $src" >&2; exit 1; }

cli="${STREAMOPT_CLI:-build/default/tools/streamopt/streamopt}"
if [ ! -x "$cli" ]; then
  [ -z "${STREAMOPT_CLI:-}" ] || { echo "package_title: STREAMOPT_CLI=$cli is not executable" >&2; exit 1; }
  scripts/build.sh default --target streamopt_cli
fi

# Pensieve's envivio ladder (video/envivio/ladder.json), 4 s segments as the source's.
rungs=320x180@300,640x360@750,768x432@1200,1024x576@1850,1280x720@2850,1280x720@4300
input=("$src/init.mp4" "${source_segments[@]}")
segments=$(( ${#source_segments[@]} * loops ))
encoding=(--codec h264 --rungs "$rungs" --segment-s 4 --name envivio --package dash,hls --threads 2 --quiet)
command=(encode ladder --input "${input[@]}" "${encoding[@]}")
stamp="${command[*]}"
[ "$loops" -eq 1 ] || stamp+=" (source played $loops times)"
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
trap 'rm -rf "$fresh" "$fresh.source.mp4" "$fresh.looped.mp4"' EXIT
if [ "$loops" -gt 1 ]; then
  # The source N times over as one MP4 whose timestamps run on (ffmpeg's
  # -stream_loop, no re-encode), encoded in place of the source files.
  command -v ffmpeg >/dev/null || { echo "package_title: --loops needs ffmpeg" >&2; exit 1; }
  cat "${input[@]}" > "$fresh.source.mp4"
  ffmpeg -nostdin -v error -y -stream_loop $((loops - 1)) -i "$fresh.source.mp4" -map 0:v:0 -c copy "$fresh.looped.mp4"
  command=(encode ladder --input "$fresh.looped.mp4" "${encoding[@]}")
fi
echo "package_title: encoding $segments segments of $src into 6 rungs (a few minutes on 2 cores per 6 segments)"
"$cli" "${command[@]}" --out "$fresh"
rm -f "$fresh.source.mp4" "$fresh.looped.mp4"

frames=$(( segments * 100 ))  # 4 s at 25 fps per segment
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
