#!/bin/sh
# The C player (C ABI) must report exactly what `streamopt simulate` reports
# for the same trace, video and controller, in both simulator modes.
set -eu
c_player="$1"
cli="$2"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$cli" traces synth --kind markov --seed 7 --duration-s 200 --out "$work/t.log" >/dev/null
pass=0
fail=0
for mode in default pensieve; do
  for abr in bba bola:variant=basic robust_mpc:horizon=4; do
    c_line=$("$c_player" "$work/t.log" synthetic "$abr" "$mode")
    cli_line=$("$cli" simulate --abr "$abr" --traces "$work/t.log" --mode "$mode" | sed -n 2p)
    # CLI columns: trace segments QoE/segment bitrate_kbps rebuffer_s switches
    expected=$(echo "$cli_line" | awk '{printf "segments=%s qoe_per_segment=%s bitrate_kbps=%s rebuffer_s=%s switches=%s", $2, $3, $4, $5, $6}')
    if [ "$c_line" = "$expected" ]; then
      pass=$((pass + 1))
    else
      echo "FAIL $mode $abr: c_player '$c_line' vs cli '$expected'"
      fail=$((fail + 1))
    fi
  done
done
echo "c_player vs cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
