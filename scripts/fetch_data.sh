#!/usr/bin/env bash
# Downloads the public real data that the demo, the benchmarks and the
# reference tests read (network traces, the Pensieve envivio video sizes and
# source segments, Sabre's 4G logs and movie) from the GitHub repositories that
# publish them, at pinned commits, and lays it out as the shared data directory
# is laid out (traces/<set>/..., video/<title>/...). Every file is checked
# against its SHA-256 sum in scripts/data.sha256 before it gets its final name.
# docs/data.md says where each file comes from and under which licence.
#
#   scripts/fetch_data.sh [--dest DIR] [--mirror URL] [--jobs N]
#   scripts/fetch_data.sh --verify [--dest DIR]
#   scripts/fetch_data.sh --list-sources
#
# Re-running is cheap: files already present with the right sum are skipped,
# interrupted downloads continue from their *.part file (curl -C -).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
manifest="$here/data.sha256"

# Published locations, pinned. Each source path below is relative to $base
# and has the form owner/repo/commit/path, as raw.githubusercontent.com serves it.
default_base="https://raw.githubusercontent.com"
# Nuowen Kan's collection of cooked FCC, Norway HSDPA and Puffer traces (MERINA, MM '22), MIT.
kan="confiwent/Real-world-bandwidth-traces/d28c4fd48d0e358db024cc0217b111c070815fa7"
# Pensieve (SIGCOMM '17), master ("sigcomm camera ready"): the envivio DASH segments.
pensieve="hongzimao/pensieve/1120bb173958dc9bc9f2ebff1a8fe688b6f4e93c"
# Pensieve pull request #133 head: the only published copy of the video_size_* files that
# Pensieve's get_video_sizes.py computes from the segments above (identical to them).
pensieve_sizes="hongzimao/pensieve/4b43ea6b19bea22342ae0b58ec223a47d6a094fe"
# Sabre (MMSys '18, TOMM '19), master: Belgian 4G logs and the Big Buck Bunny movie.
sabre="UMass-LIDS/sabre/09b03bb0f4f90660a2504a6b2fb48d2f06333706"

usage() {
  cat <<EOF
usage: scripts/fetch_data.sh [--dest DIR] [--mirror URL] [--jobs N]
       scripts/fetch_data.sh --verify [--dest DIR]
       scripts/fetch_data.sh --list-sources

Downloads the public traces and video data (about 40 MB, $(grep -vc '^#' "$manifest") files) into DIR
(default: data/ in the repository, git-ignored), laid out as ../shared is, and
checks every file against scripts/data.sha256.

  --dest DIR      where to put the data (default: $root/data)
  --mirror URL    base URL to use instead of $default_base; the mirror
                  holds OWNER/REPO/COMMIT/PATH as that site does (file:///path works)
  --jobs N        parallel downloads (default: 8)
  --verify        only check the files under DIR against their sums; no network
  --list-sources  print "DEST-PATH<TAB>SOURCE-PATH" for every file (SOURCE-PATH is
                  relative to the base URL; "-" for a file this script writes itself)
EOF
}

die_usage() { echo "fetch_data: $1" >&2; echo "run scripts/fetch_data.sh --help for the options" >&2; exit 2; }

dest="$root/data"
base="$default_base"
jobs=8
mode=fetch
while [ $# -gt 0 ]; do
  case "$1" in
    --dest) [ $# -ge 2 ] || die_usage "--dest needs a directory"; dest="$2"; shift 2 ;;
    --dest=*) dest="${1#--dest=}"; shift ;;
    --mirror) [ $# -ge 2 ] || die_usage "--mirror needs a URL"; base="$2"; shift 2 ;;
    --mirror=*) base="${1#--mirror=}"; shift ;;
    --jobs) [ $# -ge 2 ] || die_usage "--jobs needs a number"; jobs="$2"; shift 2 ;;
    --jobs=*) jobs="${1#--jobs=}"; shift ;;
    --verify) mode=verify; shift ;;
    --list-sources) mode=list; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die_usage "unknown argument '$1'" ;;
  esac
done
[ -n "$dest" ] || die_usage "--dest is empty"
[ -n "$base" ] || die_usage "--mirror is empty"
case "$jobs" in ''|*[!0-9]*) die_usage "--jobs must be a positive integer, not '$jobs'" ;; esac
if [ "$jobs" -lt 1 ] || [ "$jobs" -gt 64 ]; then die_usage "--jobs must be between 1 and 64, not $jobs"; fi
base="${base%/}"
[ -f "$manifest" ] || { echo "fetch_data: $manifest is missing" >&2; exit 1; }

# Sets src to the published path of one file of the data tree, relative to
# $base, or to "-" for a file this script writes itself; fails for an unknown one.
source_of() {
  local rel="$1" name="${1##*/}"
  case "$rel" in
    traces/LICENSE) src="$kan/LICENSE" ;;
    traces/fcc-hsdpa/test/*) src="$kan/fcc_and_hsdpa/cooked_test_traces/$name" ;;
    traces/fcc-hsdpa/train/*) src="$kan/fcc_and_hsdpa/cooked_traces/$name" ;;
    traces/fcc/test/*) src="$kan/fcc_ori/test_traces/$name" ;;
    traces/fcc/train/*) src="$kan/fcc_ori/cooked_traces/$name" ;;
    traces/hsdpa/*) src="$kan/cooked_3gp/$name" ;;
    traces/puffer-2110/test/*) src="$kan/puffer_211017/cooked_test_traces/$name" ;;
    traces/puffer-2110/train/*) src="$kan/puffer_211017/cooked_traces/$name" ;;
    traces/sabre-4g/LICENSE|video/bbb-sabre/LICENSE) src="$sabre/LICENSE" ;;
    traces/sabre-4g/*) src="$sabre/example/tomm19/4Glogs/$name" ;;
    video/bbb-sabre/movie.json) src="$sabre/example/tomm19/bbb.json" ;;
    video/envivio/ladder.json) src="-" ;;
    video/envivio/sizes/video_size_*) src="$pensieve_sizes/test/$name" ;;
    video/envivio/source/init.mp4) src="$pensieve/video_server/video1/Header.m4s" ;;
    video/envivio/source/seg_*.m4s) src="$pensieve/video_server/video1/${name#seg_}" ;;
    *) return 1 ;;
  esac
}

# Sets url to the download URL of one file of the data tree, percent-encoding
# what a URL path cannot carry as is (trace names contain '+' and '=').
url_of() {
  local c i hex
  source_of "$1"
  if [[ "$src" =~ ^[A-Za-z0-9._~/-]*$ ]]; then url="$base/$src"; return; fi
  url="$base/"
  for ((i = 0; i < ${#src}; i++)); do
    c="${src:i:1}"
    case "$c" in
      [A-Za-z0-9._~/-]) url+="$c" ;;
      *) printf -v hex '%%%02X' "'$c"; url+="$hex" ;;
    esac
  done
}

# The envivio ladder description: not published as a file anywhere, so it is
# written here (bitrates and resolutions of Pensieve's video_server/Manifest.mpd,
# 4 s segments as Pensieve's simulator uses them); its sum is checked like the rest.
write_ladder() {
  cat <<'EOF'
{
  "name": "envivio-dash3",
  "segment_duration_s": 4.0,
  "segments": 49,
  "codec": "h264 main profile (avc1.4D401E), 25 fps",
  "rungs": [
    {"index": 0, "bitrate_kbps": 300,  "width": 320,  "height": 180, "sizes_file": "sizes/video_size_0"},
    {"index": 1, "bitrate_kbps": 750,  "width": 640,  "height": 360, "sizes_file": "sizes/video_size_1"},
    {"index": 2, "bitrate_kbps": 1200, "width": 768,  "height": 432, "sizes_file": "sizes/video_size_2"},
    {"index": 3, "bitrate_kbps": 1850, "width": 1024, "height": 576, "sizes_file": "sizes/video_size_3"},
    {"index": 4, "bitrate_kbps": 2850, "width": 1280, "height": 720, "sizes_file": "sizes/video_size_4"},
    {"index": 5, "bitrate_kbps": 4300, "width": 1280, "height": 720, "sizes_file": "sizes/video_size_5"}
  ]
}
EOF
}

# Manifest: "SHA256  PATH" lines (sha256sum format), '#' lines are comments.
sums=()
paths=()
while read -r sum path; do
  case "$sum" in ''|'#'*) continue ;; esac
  [[ "$sum" =~ ^[0-9a-f]{64}$ && "$path" =~ ^[A-Za-z0-9._+=/-]+$ && "/$path/" != */../* ]] ||
    { echo "fetch_data: $manifest: bad line for '$path'" >&2; exit 1; }
  source_of "$path" || { echo "fetch_data: $manifest: no published source known for '$path'" >&2; exit 1; }
  sums+=("$sum")
  paths+=("$path")
done < "$manifest"
total=${#paths[@]}

if [ "$mode" = list ]; then
  for i in "${!paths[@]}"; do source_of "${paths[i]}"; printf '%s\t%s\n' "${paths[i]}" "$src"; done
  exit 0
fi

command -v sha256sum >/dev/null || { echo "fetch_data: sha256sum not found (Debian package coreutils)" >&2; exit 1; }

# Which files are already in place with the right sum.
declare -A ok=()
check_present() {
  ok=()
  [ -d "$dest" ] || return 0
  local line
  while IFS= read -r line; do
    case "$line" in *': OK') ok["${line%: OK}"]=1 ;; esac
  done < <(cd "$dest" && grep -v '^#' "$manifest" | sha256sum -c 2>/dev/null)
}
check_present

if [ "$mode" = verify ]; then
  bad=0
  for p in "${paths[@]}"; do
    if [ -z "${ok[$p]:-}" ]; then
      if [ -e "$dest/$p" ]; then echo "fetch_data: $dest/$p: checksum mismatch" >&2; else echo "fetch_data: $dest/$p: missing" >&2; fi
      bad=$((bad + 1))
    fi
  done
  if [ "$bad" -gt 0 ]; then echo "fetch_data: $bad of $total files missing or wrong under $dest; run scripts/fetch_data.sh to fetch them" >&2; exit 1; fi
  echo "fetch_data: all $total files under $dest match scripts/data.sha256"
  exit 0
fi

command -v curl >/dev/null || { echo "fetch_data: curl not found; install it (apt-get install curl ca-certificates)" >&2; exit 1; }

# Says why a download failed, from curl's exit code.
explain() {
  local rc="$1" url="$2" err="$3"
  echo "fetch_data: cannot download $url: ${err:-curl exit code $rc}" >&2
  case "$rc" in
    5|6|7|28|35|52|55|56)
      echo "fetch_data: this machine seems offline, or $base is unreachable; use --mirror URL to fetch from elsewhere" >&2 ;;
    22) echo "fetch_data: the server does not have this pinned file (wrong --mirror, or it was removed upstream)" >&2 ;;
    37) echo "fetch_data: the mirror does not have this file (check the --mirror path)" >&2 ;;
  esac
}

curl_at_least() {
  local v major minor
  v="$(curl --version 2>/dev/null | head -n 1)"
  v="${v#curl }"
  major="${v%%.*}"
  minor="${v#*.}"
  minor="${minor%%.*}"
  [[ "$major" =~ ^[0-9]+$ && "$minor" =~ ^[0-9]+$ ]] || return 1
  [ "$major" -gt "$1" ] || { [ "$major" -eq "$1" ] && [ "$minor" -ge "$2" ]; }
}

# Downloads one file to PATH.part, continuing a partial one (curl -C -).
fetch_one() {
  local rel="$1" part="$dest/$1.part" src url err rc=0
  url_of "$rel"
  err="$(curl --fail --location --silent --show-error --connect-timeout 20 \
              --retry 3 --retry-delay 2 -C - -o "$part" "$url" 2>&1)" || rc=$?
  if [ "$rc" -eq 33 ] || [ "$rc" -eq 36 ]; then   # the server cannot continue it: start again
    rm -f "$part"
    rc=0
    err="$(curl --fail --location --silent --show-error --connect-timeout 20 \
                --retry 3 --retry-delay 2 -o "$part" "$url" 2>&1)" || rc=$?
  fi
  [ "$rc" -eq 0 ] && return 0
  err="${err##*$'\n'}"   # after retries, curl's last word
  explain "$rc" "$url" "${err#curl: }"
  return 1
}

# Downloads the files with the given indices in one curl process (parallel
# transfers, one connection per host); prints the indices that failed.
fetch_batch() {
  local cfg="$dest/.fetch_data.curlrc" res="$dest/.fetch_data.results" i rc file src url err shown=0
  declare -A index_of=()
  for i in "$@"; do
    url_of "${paths[i]}"
    printf 'url = "%s"\noutput = "%s"\n' "$url" "$dest/${paths[i]}.part"
    index_of["$dest/${paths[i]}.part"]="$i"
  done > "$cfg"
  curl --parallel --parallel-max "$jobs" --fail --location --silent --connect-timeout 20 \
       --retry 3 --retry-delay 2 -C - --config "$cfg" \
       --write-out '%{exitcode}\t%{filename_effective}\t%{url}\t%{errormsg}\n' > "$res" 2>/dev/null || true
  declare -A seen=()
  while IFS=$'\t' read -r rc file url err; do
    seen["$file"]=1
    [ "$rc" = 0 ] && continue
    i="${index_of[$file]:-}"
    [ -n "$i" ] || continue
    # a stale partial file the server cannot continue is fetched whole afterwards, quietly
    if [ -z "${resumed[$i]:-}" ] || { [ "$rc" != 33 ] && [ "$rc" != 36 ]; }; then
      if [ "$shown" -lt 3 ]; then explain "$rc" "$url" "$err"; fi
      shown=$((shown + 1))
    fi
    echo "$i $rc"
  done < "$res"
  # a transfer missing from the results never ran: count it as failed
  for i in "$@"; do
    [ -n "${seen["$dest/${paths[i]}.part"]:-}" ] || echo "$i 0"
  done
  rm -f "$cfg" "$res"
}

# Checks the .part files of the given indices with one sha256sum call; renames
# the good ones to their final names, deletes the others and prints their indices.
place_verified() {
  local i got file
  declare -A sum_of=()
  local parts=()
  for i in "$@"; do parts+=("$dest/${paths[i]}.part"); done
  while read -r got file; do sum_of["$file"]="$got"; done < <(sha256sum -- "${parts[@]}" 2>/dev/null || true)
  for i in "$@"; do
    file="$dest/${paths[i]}.part"
    if [ "${sum_of[$file]:-}" = "${sums[i]}" ]; then
      mv -f -- "$file" "$dest/${paths[i]}"
    else
      rm -f -- "$file"
      echo "$i"
    fi
  done
}

todo=()
generated=()
declare -A resumed=()
dirs=()
for i in "${!paths[@]}"; do
  p="${paths[i]}"
  [ -z "${ok[$p]:-}" ] || continue
  # a file under its final name with the wrong sum is not kept while its replacement downloads
  if [ -e "$dest/$p" ]; then echo "fetch_data: $dest/$p has the wrong checksum: fetching it again" >&2; rm -f "$dest/$p"; fi
  source_of "$p"
  if [ "$src" = "-" ]; then generated+=("$i"); else todo+=("$i"); fi
  [ -s "$dest/$p.part" ] && resumed[$i]=1
  dirs+=("$dest/${p%/*}")
done
present=$((total - ${#todo[@]} - ${#generated[@]}))

if [ ${#todo[@]} -eq 0 ] && [ ${#generated[@]} -eq 0 ]; then
  echo "fetch_data: all $total files already present under $dest with the right checksums"
  exit 0
fi
echo "fetch_data: fetching ${#todo[@]} of $total files from $base into $dest ($present already present)"
mkdir -p -- "$dest" "${dirs[@]}"

stopped() {
  check_present
  echo "fetch_data: stopped: ${#ok[@]} of $total files are in place under $dest; run scripts/fetch_data.sh again to resume" >&2
  exit 1
}

if [ ${#todo[@]} -gt 0 ]; then
  failed=0
  # the first file alone, so that an offline machine gets one clear message
  fetch_one "${paths[${todo[0]}]}" || stopped
  rest=("${todo[@]:1}")
  bad_fetch=()
  if [ ${#rest[@]} -gt 0 ]; then
    if curl_at_least 7 75; then
      while read -r i rc; do
        if [ -n "${resumed[$i]:-}" ] && { [ "$rc" = 33 ] || [ "$rc" = 36 ]; } && fetch_one "${paths[i]}"; then continue; fi
        bad_fetch+=("$i")
      done < <(fetch_batch "${rest[@]}")
    else   # curl older than 7.75 (no --write-out %{exitcode}): one file at a time
      for i in "${rest[@]}"; do fetch_one "${paths[i]}" || { bad_fetch=("$i"); break; }; done
    fi
  fi
  [ ${#bad_fetch[@]} -eq 0 ] || { echo "fetch_data: ${#bad_fetch[@]} downloads failed" >&2; failed=1; }
  declare -A skip=()
  for i in "${bad_fetch[@]}"; do skip[$i]=1; done
  got=()
  for i in "${todo[@]}"; do [ -n "${skip[$i]:-}" ] || got+=("$i"); done
  mapfile -t bad_sum < <(place_verified "${got[@]}")
  for i in "${bad_sum[@]}"; do
    url_of "${paths[i]}"
    if [ -n "${resumed[$i]:-}" ]; then   # a stale .part from an earlier run: fetch the file whole once
      if fetch_one "${paths[i]}" && [ -z "$(place_verified "$i")" ]; then continue; fi
    fi
    echo "fetch_data: checksum mismatch for $url (expected ${sums[i]}): the download was deleted" >&2
    failed=1
  done
  [ "$failed" = 0 ] || stopped
fi

# Written last, so that a tree with video/envivio/ladder.json is a complete one.
for i in "${generated[@]}"; do
  p="${paths[i]}"
  case "$p" in
    video/envivio/ladder.json) write_ladder > "$dest/$p.part" ;;
  esac
  if [ -n "$(place_verified "$i")" ]; then
    echo "fetch_data: internal error: the $p this script writes does not match scripts/data.sha256" >&2
    exit 1
  fi
done

echo "fetch_data: done: $total files under $dest (${#todo[@]} downloaded, ${#generated[@]} written, $present already present), all checksums match"
