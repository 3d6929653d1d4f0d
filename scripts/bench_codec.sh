#!/usr/bin/env bash
# Codec benchmarks (opt-in, several minutes; numbers in docs/benchmarks.md):
#   1. encode speed at 720p per codec, backend and preset
#   2. overhead against the ffmpeg command line at identical x264 settings
#   3. live rate-control reaction per backend (360p, 1200 -> 400 -> 1200 kbit/s)
#   4. per-title hull ladder against the fixed envivio ladder (BD-rate)
#   5. BD-rates of H.265, VP9 and AV1 against H.264 on the envivio ladder
# Needs the shared source (STREAMOPT_DATA, default ../shared). FRAMES (default
# 200: two 4 s segments) bounds every encode.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh default >/dev/null
data="${STREAMOPT_DATA:-../shared}"
src="$data/video/envivio/source"
[ -f "$src/init.mp4" ] || { echo "bench_codec: needs $src (set STREAMOPT_DATA)" >&2; exit 1; }
mapfile -t segs < <(ls "$src"/seg_*.m4s | sort -V)
inputs=("$src/init.mp4" "${segs[@]}")
cli=build/default/tools/streamopt/streamopt
frames="${FRAMES:-200}"
out=out/bench-codec
rm -rf "$out"
mkdir -p "$out"

echo "## 1. Encode speed, 1280x720 source, one 2850 kbit/s rung, $frames frames (encoder calls only)"
echo "| codec | backend | preset | fps |"
echo "|---|---|---|---:|"
while read -r codec backend preset; do
  dir="$out/speed-$codec-$backend-$preset"
  "$cli" encode ladder --input "${inputs[@]}" --codec "$codec" --backend "$backend" --preset "$preset" \
    --rungs 1280x720@2850 --max-frames "$frames" --no-quality --quiet --out "$dir" > "$dir.txt"
  fps=$(awk -F'|' '/^\| 0 \|/ {gsub(/ /, "", $11); print $11}' "$dir.txt")
  echo "| $codec | $backend | $preset | $fps |"
done <<'EOF'
h264 libavcodec ultrafast
h264 libavcodec veryfast
h264 libavcodec medium
h265 libavcodec ultrafast
h265 libavcodec medium
h265 x265 ultrafast
h265 x265 medium
vp9 libavcodec 8
vp9 libavcodec 4
vp9 libvpx 8
vp8 libvpx 8
av1 libavcodec 12
av1 libavcodec 8
EOF

echo
echo "## 2. Against the ffmpeg command line (x264 veryfast, 2850k capped 4275k, 4 s GOPs, 1 thread; 5 runs, medians)"
ffdir="$out/ffmpeg"
mkdir -p "$ffdir"
concat="concat:$(IFS='|'; echo "${inputs[*]}")"
ours_t=()
ffmpeg_t=()
for i in 1 2 3 4 5; do
  rm -rf "$out/ours"
  ours_t+=("$( { /usr/bin/time -f '%e' "$cli" encode ladder --input "${inputs[@]}" --codec h264 --preset veryfast \
      --rungs 1280x720@2850 --max-frames "$frames" --no-quality --quiet --package none --out "$out/ours" >/dev/null; } 2>&1 | tail -1)")
  rm -f "$ffdir"/seg_*.mp4
  ffmpeg_t+=("$( { /usr/bin/time -f '%e' ffmpeg -nostdin -hide_banner -loglevel error -threads 1 -i "$concat" -frames:v "$frames" -an \
      -c:v libx264 -preset veryfast -threads 1 -b:v 2850k -maxrate 4275k -bufsize 8550k -g 100 -keyint_min 100 \
      -sc_threshold 0 -forced-idr 1 -flags +global_header+cgop -force_key_frames 'expr:eq(mod(n,100),0)' \
      -f segment -segment_time 4 -segment_format mp4 \
      -segment_format_options movflags=frag_keyframe+empty_moov+default_base_moof "$ffdir/seg_%d.mp4"; } 2>&1 | tail -1)")
done
median() { printf '%s\n' "$@" | sort -g | sed -n 3p; }
ours_med=$(median "${ours_t[@]}")
ff_med=$(median "${ffmpeg_t[@]}")
ours_bytes=$(cat "$out"/ours/rung_0/seg_*.mp4 | wc -c)
ff_bytes=$(cat "$ffdir"/seg_*.mp4 | wc -c)
psnr_of() {  # PSNR-Y of a list of segment files against the source
  printf "file '%s'\n" "$@" > "$out/list.txt"
  ffmpeg -nostdin -hide_banner -f concat -safe 0 -i "$out/list.txt" -i "$concat" -frames:v "$frames" \
    -lavfi '[0][1]psnr' -f null - 2>&1 | sed -n 's/.*PSNR y:\([0-9.]*\).*/\1/p' | tail -1
}
mapfile -t ours_files < <(ls "$out"/ours/rung_0/seg_*.mp4 | sort -V | xargs -n1 realpath)
mapfile -t ff_files < <(ls "$ffdir"/seg_*.mp4 | sort -V | xargs -n1 realpath)
echo "| | wall s (median of 5) | bytes | PSNR-Y dB |"
echo "|---|---:|---:|---:|"
echo "| streamopt encode ladder | $ours_med | $ours_bytes | $(psnr_of "${ours_files[@]}") |"
echo "| ffmpeg | $ff_med | $ff_bytes | $(psnr_of "${ff_files[@]}") |"
awk -v a="$ours_med" -v b="$ff_med" -v c="$ours_bytes" -v d="$ff_bytes" 'BEGIN { printf "time ratio %.3f, size ratio %.4f\n", a / b, c / d }' 

echo
echo "## 3. Live reaction, 640x360 from the source, CBR, 1200 -> 400 (4 s) -> 1200 kbit/s (8 s)"
printf '0 1200\n4 400\n8 1200\n' > "$out/schedule.txt"
while read -r codec backend extra; do
  echo "### $codec / $backend $extra"
  # shellcheck disable=SC2086
  "$cli" encode live --input "${inputs[@]}" --codec "$codec" --backend "$backend" $extra --size 640x360 \
    --rate-schedule "$out/schedule.txt" --max-frames 300 --out "$out/live-$codec-$backend.csv"
done <<'EOF'
h264 libavcodec
h265 libavcodec
h265 x265
vp9 libavcodec
vp8 libvpx
vp9 libvpx
av1 libavcodec --av1-encoder libsvtav1
EOF

echo
echo "## 4. Per-title hull (x264 medium) against the fixed envivio ladder"
fixed="320x180@300,640x360@750,768x432@1200,1024x576@1850,1280x720@2850,1280x720@4300"
"$cli" encode hull --input "${inputs[@]}" --max-frames "$frames" --codec h264 --preset medium \
  --resolutions 1280x720,1024x576,768x432,640x360,480x270,320x180 --crfs 18,23,28,33,38 \
  --targets 300,750,1200,1850,2850,4300 --out "$out/hull.csv" | tee "$out/hull.txt"
hull_rungs=$(sed -n 's/^rungs on the hull: //p' "$out/hull.txt")
"$cli" encode ladder --input "${inputs[@]}" --max-frames "$frames" --codec h264 --preset medium --rungs "$fixed" --quiet --out "$out/ladder-fixed-h264"
"$cli" encode ladder --input "${inputs[@]}" --max-frames "$frames" --codec h264 --preset medium --rungs "$hull_rungs" --quiet --out "$out/ladder-hull-h264"
"$cli" encode bd-rate "$out/ladder-fixed-h264" "$out/ladder-hull-h264"

echo
echo "## 5. Codecs against H.264 on the fixed ladder (default VOD presets)"
"$cli" encode ladder --input "${inputs[@]}" --max-frames "$frames" --codec h265 --rungs "$fixed" --quiet --out "$out/ladder-fixed-h265"
"$cli" encode bd-rate "$out/ladder-fixed-h264" "$out/ladder-fixed-h265"
"$cli" encode ladder --input "${inputs[@]}" --max-frames "$frames" --codec vp9 --rungs "$fixed" --quiet --out "$out/ladder-fixed-vp9"
"$cli" encode bd-rate "$out/ladder-fixed-h264" "$out/ladder-fixed-vp9"
"$cli" encode ladder --input "${inputs[@]}" --max-frames "$frames" --codec av1 --rungs "$fixed" --quiet --out "$out/ladder-fixed-av1"
"$cli" encode bd-rate "$out/ladder-fixed-h264" "$out/ladder-fixed-av1"
