#!/usr/bin/env bash
# Tests scripts/fetch_data.sh without internet: builds a file:// mirror laid
# out as raw.githubusercontent.com is (OWNER/REPO/COMMIT/PATH) from the shared
# data in STREAMOPT_DATA, then checks a full fetch, a second run (nothing
# fetched, nothing rewritten), resuming a partial download, replacing a
# corrupted file, a mirror file with the wrong content (nothing kept under
# its final name) and an unreachable mirror (clear offline message, non-zero
# exit). Exits 77 (skipped) when STREAMOPT_DATA is unset or lacks the data.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
fetch="$root/scripts/fetch_data.sh"
manifest="$root/scripts/data.sha256"

if [ -z "${STREAMOPT_DATA:-}" ]; then
  echo "fetch_data_test: SKIPPED: STREAMOPT_DATA is unset (it must name the shared data directory to build the local mirror from)"
  exit 77
fi
if [ ! -d "$STREAMOPT_DATA/traces/fcc-hsdpa/test" ] || [ ! -f "$STREAMOPT_DATA/video/envivio/ladder.json" ]; then
  echo "fetch_data_test: SKIPPED: STREAMOPT_DATA=$STREAMOPT_DATA has no traces/fcc-hsdpa/test or video/envivio/ladder.json"
  exit 77
fi
command -v curl >/dev/null || { echo "fetch_data_test: FAIL: curl is not installed" >&2; exit 1; }
shared="$(cd "$STREAMOPT_DATA" && pwd)"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/fetch_data_test.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
mirror="$tmp/mirror"
dest="$tmp/data"
log="$tmp/log"

fail() { echo "fetch_data_test: FAIL: $*" >&2; [ -f "$log" ] && sed 's/^/  | /' "$log" >&2; exit 1; }
pass() { echo "fetch_data_test: ok: $*"; }
run_fetch() { "$fetch" "$@" >"$log" 2>&1; }

# 1. the mirror, from the manifest's own list of published paths (files that
# keep their name are copied one directory at a time)
n_src=0
group=""
files=()
flush() {
  if [ ${#files[@]} -gt 0 ]; then mkdir -p "$mirror/$group" && cp -t "$mirror/$group" -- "${files[@]}"; fi
  files=()
}
while IFS=$'\t' read -r rel src; do
  [ "$src" = - ] && continue
  [ -f "$shared/$rel" ] || fail "$shared/$rel is missing: STREAMOPT_DATA is not a complete shared data directory"
  n_src=$((n_src + 1))
  if [ "${rel##*/}" != "${src##*/}" ]; then
    mkdir -p "$mirror/${src%/*}" && cp -- "$shared/$rel" "$mirror/$src"
    continue
  fi
  [ "${src%/*}" = "$group" ] || { flush; group="${src%/*}"; }
  files+=("$shared/$rel")
done < <("$fetch" --list-sources)
flush
total="$(grep -vc '^#' "$manifest")"
[ "$n_src" -ge $((total - 1)) ] || fail "only $n_src of $total files have a published source"
(cd "$shared" && grep -v '^#' "$manifest" | sha256sum -c --quiet) || fail "$shared does not match scripts/data.sha256"
url="file://$mirror"

# 2. a full fetch gives the shared tree, byte for byte, and nothing else
# (not even the .part files or curl's list)
run_fetch --mirror "$url" --dest "$dest" || fail "the first fetch from the mirror exited non-zero"
grep -q "all checksums match" "$log" || fail "the first fetch did not report success"
n_dest="$(find "$dest" -type f | wc -l)"
[ "$n_dest" -eq "$total" ] || fail "$dest holds $n_dest files, the manifest $total (left-over .part files?)"
# the shared tree matches the manifest (checked above), so this makes them identical
(cd "$dest" && grep -v '^#' "$manifest" | sha256sum -c --quiet) || fail "the fetched tree does not match scripts/data.sha256"
"$fetch" --verify --dest "$dest" >/dev/null || fail "--verify rejects a complete tree"
pass "full fetch: $total files identical to $shared"

# 3. a second run fetches nothing and rewrites nothing, even with the mirror gone
touch "$tmp/stamp"
sleep 1
run_fetch --mirror "http://127.0.0.1:9" --dest "$dest" || fail "a second run with everything present exited non-zero"
grep -q "already present" "$log" || fail "the second run did not say the files were already present"
[ -z "$(find "$dest" -newer "$tmp/stamp" -type f)" ] || fail "the second run rewrote files"
pass "second run: nothing fetched, nothing rewritten"

# 4. resume: a half-downloaded .part is continued, not fetched again (the
# mirror's copy has its first half spoiled, so only continuing it gives the
# right sum); a corrupted final file is replaced
big="video/envivio/source/seg_18.m4s"
bad="traces/hsdpa/norway_bus_1"
bigsrc="$("$fetch" --list-sources | awk -F '\t' -v r="$big" '$1 == r { print $2 }')"
size="$(stat -c %s "$dest/$big")"
head -c $((size / 2)) "$dest/$big" > "$dest/$big.part"
{ head -c $((size / 2)) /dev/zero; tail -c +$((size / 2 + 1)) "$shared/$big"; } > "$mirror/$bigsrc"
rm "$dest/$big"
printf 'not a trace\n' > "$dest/$bad"
run_fetch --mirror "$url" --dest "$dest" || fail "resuming exited non-zero"
grep -q "fetching 2 of $total" "$log" || fail "the resuming run did not fetch exactly the 2 missing or wrong files"
cmp -s "$shared/$big" "$dest/$big" || fail "the resumed $big differs from the shared one"
cmp -s "$shared/$bad" "$dest/$bad" || fail "the corrupted $bad was not replaced"
[ ! -e "$dest/$big.part" ] || fail "$big.part was left behind"
cp "$shared/$big" "$mirror/$bigsrc"
pass "resume: partial download continued, corrupted file replaced"

# 5. a mirror file with the wrong content: error naming it, nothing under the final name
victim="traces/fcc-hsdpa/test/norway_ferry_10_part0.log"
vsrc="$("$fetch" --list-sources | awk -F '\t' -v r="$victim" '$1 == r { print $2 }')"
[ -n "$vsrc" ] || fail "no published source listed for $victim"
printf '0.0\t9.9\n' >> "$mirror/$vsrc"
rm "$dest/$victim"
if run_fetch --mirror "$url" --dest "$dest"; then fail "a corrupted mirror file was accepted"; fi
grep -q "checksum mismatch" "$log" || fail "no checksum message for the corrupted mirror file"
grep -qF "${vsrc##*/}" "$log" || fail "the checksum message does not name the file"
[ ! -e "$dest/$victim" ] || fail "the corrupted download was kept as $victim"
[ ! -e "$dest/$victim.part" ] || fail "the corrupted download was kept as $victim.part"
"$fetch" --verify --dest "$dest" >/dev/null 2>&1 && fail "--verify accepts a tree with a missing file"
pass "checksum failure: non-zero exit, message, no file kept"
cp "$shared/$victim" "$mirror/$vsrc"

# 6. an unreachable mirror: a clear offline message naming the URL, non-zero exit, no file
for offline in "http://127.0.0.1:9" "file://$tmp/no-such-mirror"; do
  if run_fetch --mirror "$offline" --dest "$dest"; then fail "fetching from $offline succeeded"; fi
  grep -qF "$offline/" "$log" || fail "the failure message does not name the URL under $offline"
  [ ! -e "$dest/$victim" ] || fail "a file appeared under its final name after the failed fetch from $offline"
done
run_fetch --mirror "http://127.0.0.1:9" --dest "$dest" || true
grep -q "seems offline" "$log" || fail "an unreachable server does not say the machine seems offline"
grep -q "run scripts/fetch_data.sh again to resume" "$log" || fail "the offline failure does not say how to resume"
pass "offline: message names the URL and says the machine seems offline"

# 7. and the same tree completes once the mirror is back
run_fetch --mirror "$url/" --dest "$dest" || fail "fetching again after the failures exited non-zero"
"$fetch" --verify --dest "$dest" >/dev/null || fail "the tree is not complete after the last fetch"
pass "recovery: complete again"

# 8. usage errors exit 2
set +e
"$fetch" --no-such-flag >/dev/null 2>&1; rc=$?
set -e
[ "$rc" -eq 2 ] || fail "an unknown flag exited $rc, not 2"
pass "usage errors exit 2"
echo "fetch_data_test: all passed"
