#!/bin/sh
# A packaged title plays to the end in ffmpeg: `streamopt encode ladder`
# (synthetic, 2 rungs, three 1 s segments) writes manifest.mpd and
# master.m3u8; ffmpeg decodes every rung through the MPD and through the HLS
# playlists to the last frame without an error, and init.mp4 + seg_*.m4s of a
# rung concatenated is one stream ffprobe counts all frames of.
# Usage: package_test.sh PATH/TO/streamopt   (exit 77: ffmpeg/ffprobe missing)
set -eu
cli="$1"
for tool in ffmpeg ffprobe; do
  command -v "$tool" >/dev/null 2>&1 || { echo "package_test: SKIPPED: $tool is not installed"; exit 77; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "package_test: FAILED: $*" >&2; exit 1; }
frames=75  # 3 segments x 25 frames; the 5 trailing frames of the source are dropped

"$cli" encode ladder --synthetic 160x120@25:80 --codec h264 --preset veryfast --rungs 96x72@100,160x120@300 \
  --segment-s 1 --no-quality --quiet --out "$work/title" > "$work/encode.out" || fail "encode ladder"
grep -q "DASH: $work/title/manifest.mpd" "$work/encode.out" || fail "encode ladder does not name the MPD"

# Frames ffmpeg decodes from stream `map` of `input`; any error message fails.
decoded() {  # decoded INPUT MAP
  ffmpeg -nostdin -v error -i "$1" -map "$2" -f framecrc - 2> "$work/ffmpeg.err" > "$work/framecrc" ||
    { cat "$work/ffmpeg.err" >&2; fail "ffmpeg cannot decode $2 of $1"; }
  [ ! -s "$work/ffmpeg.err" ] || { cat "$work/ffmpeg.err" >&2; fail "ffmpeg reported errors decoding $2 of $1"; }
  grep -vc '^#' "$work/framecrc"
}
for rung in 0 1; do
  n=$(decoded "$work/title/manifest.mpd" "0:v:$rung")
  [ "$n" -eq "$frames" ] || fail "MPD rung $rung: $n of $frames frames"
  n=$(decoded "$work/title/master.m3u8" "0:v:$rung")
  [ "$n" -eq "$frames" ] || fail "HLS rung $rung: $n of $frames frames"
  cat "$work/title/rung_$rung/init.mp4" "$work/title/rung_$rung"/seg_1.m4s "$work/title/rung_$rung"/seg_2.m4s \
    "$work/title/rung_$rung"/seg_3.m4s > "$work/joined.mp4"
  n=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$work/joined.mp4")
  [ "$n" -eq "$frames" ] || fail "init + segments of rung $rung: $n of $frames frames"
done
# Both manifests describe two video streams at the rung sizes.
sizes=$(ffprobe -v error -show_entries stream=width,height -of csv=p=0 "$work/title/manifest.mpd" | grep . | sort -u | tr '\n' ' ')
[ "$sizes" = "160,120 96,72 " ] || fail "MPD streams: $sizes"
echo "package_test: passed (MPD, HLS and concatenated segments decode $frames frames per rung)"
