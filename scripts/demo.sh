#!/usr/bin/env bash
# Sets everything up, then evaluates every ABR controller (the learned ones
# included: the shipped models/*.sopt) and the offline
# oracle: on the real traces and Pensieve video from the first of
# STREAMOPT_DATA, ../shared and data/ (what scripts/fetch_data.sh downloads)
# that has them, otherwise on synthetic traces and a synthetic ladder. Prints
# the QoE table and writes the report (plots + index.html) to out/demo/report/.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/build.sh default --target streamopt_cli --target streamopt_python
cli=build/default/tools/streamopt/streamopt
out=out/demo
mkdir -p "$out"

controllers="fixed,rate,bba,bba:preset=pensieve,bola,bola:variant=basic,dynamic,mpc,robust_mpc,robust_mpc:preset=pensieve,robust_mpc:horizon=12,stochastic_mpc,imitation,ppo,dqn,dashjs,hlsjs,exoplayer,shaka,oracle"
has_data() { [ -d "$1/traces/fcc-hsdpa/test" ] && [ -f "$1/video/envivio/ladder.json" ]; }
data=""
if [ -n "${STREAMOPT_DATA:-}" ]; then
  if has_data "$STREAMOPT_DATA"; then
    data="$STREAMOPT_DATA" from="STREAMOPT_DATA"
  else
    echo "demo: STREAMOPT_DATA=$STREAMOPT_DATA has no traces/fcc-hsdpa/test and video/envivio/ladder.json: not using it" >&2
  fi
fi
if [ -z "$data" ] && has_data ../shared; then
  data=../shared from="the shared data directory"
elif [ -z "$data" ] && has_data data; then
  data=data from="scripts/fetch_data.sh"
fi
if [ -n "$data" ]; then
  echo "demo: real traces and the Pensieve envivio ladder from $data ($from; Pensieve simulator semantics)"
  traces="$data/traces/fcc-hsdpa/test,$data/traces/fcc/test,$data/traces/hsdpa"
  video="$data/video/envivio"
  mode=pensieve
else
  echo "demo: no real data (STREAMOPT_DATA unset or incomplete, no ../shared, no data/): using 40 synthetic Markov traces and a synthetic ladder"
  echo "demo: for the real traces and the Pensieve ladder, run scripts/fetch_data.sh (about 40 MB into data/) and run the demo again"
  "$cli" traces synth --kind markov --count 40 --seed 1 --out "$out/synthetic-traces" >/dev/null
  traces="$out/synthetic-traces"
  video=synthetic
  mode=default
fi

"$cli" evaluate --abr "$controllers" --traces "$traces" --video "$video" --mode "$mode" --out "$out" --logs
{
  echo "# streamopt demo report"
  echo
  echo "Generated $(date -u '+%Y-%m-%d %H:%M UTC') by scripts/demo.sh on $(nproc) cores."
  echo
  echo "- traces: \`$traces\`"
  echo "- video: \`$video\`, simulator mode \`$mode\`, QoE_lin"
  echo "- QoE/segment: sum of per-segment QoE over segments 2..N divided by N-1, mean over sessions"
  echo "- % of oracle: mean session QoE relative to the offline optimum on the same traces"
  echo
  cat "$out/table.md"
} > "$out/summary.md"
if [ -n "$data" ]; then
  edge_traces="$data/traces/fcc/test"
  edge_video="$data/video/envivio"
  [ -f "$data/video/bbb-sabre/movie.json" ] && edge_video="$edge_video,$data/video/bbb-sabre/movie.json"
else
  edge_traces="$out/synthetic-traces"
  edge_video=synthetic
fi
echo
echo "Edge: 30 players sharing one link (capacity 30 x the trace), under each bandwidth allocator, first 5 traces of $edge_traces"
"$cli" edge simulate --traces "$edge_traces" --video "$edge_video" --sessions 30 --max-traces 5 --priors both \
  --out "$out/edge" --quiet | tee "$out/edge.md"
{
  echo
  echo "## Edge: 30 sessions on one link (docs/edge.md)"
  echo
  cat "$out/edge.md"
  echo
  echo "Plot: report/edge.png"
} >> "$out/summary.md"
if [ -n "$data" ]; then
  live_traces="$data/traces/hsdpa"
  [ -d "$data/traces/sabre-4g" ] && live_traces="$live_traces,$data/traces/sabre-4g"
else
  live_traces="$out/synthetic-traces"
fi
echo
echo "Live: 3 s target latency, 0.5 s CMAF chunks, on $live_traces (docs/simulator.md, live mode)"
"$cli" evaluate --mode live --abr l2a,lolp,dashjs,bola,robust_mpc --traces "$live_traces" --video "$video" \
  --out "$out/live" | tee "$out/live.md"
{
  echo
  echo "## Live, 3 s target latency (QoE with LoL+'s latency and speed terms)"
  echo
  cat "$out/live.md"
  echo
  echo "Plot: report/live.png"
} >> "$out/summary.md"
report_traces=()
[ "$mode" = pensieve ] && report_traces=(--traces "$data/traces/fcc-hsdpa/test")
# The shipped policies' training runs (models/*.progress.csv): validation QoE against training time.
PYTHONPATH=build/default/bindings/python /usr/bin/python3 -m streamopt.report "$out" -o "$out/report" "${report_traces[@]}" \
  --edge "$out/edge" --live "$out/live" --training models/ppo.progress.csv,models/dqn.progress.csv >/dev/null
echo
echo "Live path: congestion controllers on RFC 8867 case 5.1 (one flow, 1.0/2.5/0.6/1.0 Mbps, 50 ms, 300 ms queue)"
"$cli" cc compare --cc gcc,gcc:profile=draft02,nada,bbr --case rfc8867-5.1 --out "$out/cc" | tee "$out/cc.md"
{
  echo
  echo "## Congestion control, RFC 8867 case 5.1"
  echo
  cat "$out/cc.md"
} >> "$out/summary.md"
echo
echo "demo: table in $out/summary.md, results in $out/results.{csv,json}, congestion control in $out/cc/, edge in $out/edge/, live in $out/live/"
echo "demo: report with plots written to $(pwd)/$out/report/index.html"
