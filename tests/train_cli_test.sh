#!/bin/sh
# `streamopt train --algo ppo|dqn|imitation` from the command line on a tiny
# synthetic title: the model, its checkpoint and the progress log are written,
# a run resumes from the checkpoint, imitation learns from a registry
# controller, options of other trainers are refused, policies combine into
# an ensemble, and the
# log plots with streamopt/training_report.py (when matplotlib is there).
#   train_cli_test.sh STREAMOPT_CLI PYTHON_PACKAGE_DIR
set -u
cli="$1"
pydir="$2"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
run() {  # run CODE DESCRIPTION -- command...
  code=$1; what=$2; shift 3
  "$@" >"$work/out" 2>"$work/err"; got=$?
  if [ "$got" -ne "$code" ]; then echo "FAIL: $what: exit $got, expected $code"; cat "$work/out" "$work/err"; fail=1; fi
}
check() {  # check DESCRIPTION -- test-expression...
  what=$1; shift 2
  "$@" || { echo "FAIL: $what"; fail=1; }
}

# A 3-rung, 48-segment title and three synthetic traces.
mkdir -p "$work/video/sizes"
for r in 0 1 2; do
  kbps=$((400 * (r + 1) * (r + 1)))
  : >"$work/video/sizes/video_size_$r"
  i=0; while [ $i -lt 48 ]; do echo $((kbps * 500)) >>"$work/video/sizes/video_size_$r"; i=$((i + 1)); done
done
cat >"$work/video/ladder.json" <<'JSON'
{"name": "tiny", "segment_duration_s": 4.0, "segments": 48, "codec": "h264",
 "rungs": [{"bitrate_kbps": 400, "sizes_file": "sizes/video_size_0"},
           {"bitrate_kbps": 1600, "sizes_file": "sizes/video_size_1"},
           {"bitrate_kbps": 3600, "sizes_file": "sizes/video_size_2"}]}
JSON
run 0 "synthesise traces" -- "$cli" traces synth --kind markov --count 4 --seed 3 --duration-s 120 --out "$work/traces"

for algo in ppo dqn; do
  run 0 "train --algo $algo" -- "$cli" train --algo $algo --traces "$work/traces" --video "$work/video" \
    --out "$work/$algo.sopt" --iterations 4 --validate-every 2 --sessions 4 --hidden 8 --threads 1 --seed 2 \
    --log "$work/$algo.csv"
  check "$algo model written" -- [ -s "$work/$algo.sopt" ]
  check "$algo checkpoint written" -- [ -s "$work/$algo.sopt.ckpt" ]
  check "$algo log has a header and two validations" -- [ "$(wc -l <"$work/$algo.csv")" -eq 3 ]
  grep -q "iteration 4/4" "$work/err" || { echo "FAIL: $algo progress not reported"; cat "$work/err"; fail=1; }
  run 0 "$algo model runs in evaluate" -- "$cli" evaluate --abr "$algo:model=$work/$algo.sopt" \
    --traces "$work/traces" --video "$work/video"
done
run 0 "ppo resumes from its checkpoint" -- "$cli" train --algo ppo --traces "$work/traces" --video "$work/video" \
  --out "$work/resumed.sopt" --init "$work/ppo.sopt.ckpt" --iterations 6 --validate-every 2 --sessions 4 --threads 1
grep -q "iteration 6/6" "$work/err" || { echo "FAIL: resumed run did not continue at iteration 5"; cat "$work/err"; fail=1; }
check "the resumed run reports one validation" -- [ "$(grep -c '^iteration' "$work/err")" -eq 1 ]
run 0 "ppo fine-tunes a policy" -- "$cli" train --algo ppo --traces "$work/traces" --video "$work/video" \
  --out "$work/tuned.sopt" --init "$work/dqn.sopt" --iterations 2 --validate-every 2 --sessions 4 --threads 1
run 0 "ppo takes an entropy schedule" -- "$cli" train --algo ppo --traces "$work/traces" --video "$work/video" \
  --out "$work/held.sopt" --entropy 0.05 --iterations 2 --validate-every 2 --sessions 4 --hidden 8 --threads 1
check "the held-entropy model is written" -- [ -s "$work/held.sopt" ]
for bad in "x" "0.1,0.01,0" "-0.1" "2"; do
  run 2 "--entropy $bad is refused" -- "$cli" train --algo ppo --traces "$work/traces" --video "$work/video" \
    --out "$work/x.sopt" --entropy "$bad"
done
run 2 "--entropy is ppo's" -- "$cli" train --algo dqn --traces "$work/traces" --video "$work/video" \
  --out "$work/x.sopt" --entropy 0.02
mkdir -p "$work/more" && cp "$work/traces/$(ls "$work/traces" | head -1)" "$work/more/only"
run 0 "ppo draws traces by --trace-weights" -- "$cli" train --algo ppo --traces "$work/traces,$work/more" \
  --trace-weights 1,0.25 --video "$work/video" --out "$work/weighted.sopt" --iterations 2 --validate-every 2 \
  --sessions 4 --hidden 8 --threads 1
check "the weighted model is written" -- [ -s "$work/weighted.sopt" ]
run 1 "one --trace-weights per --traces item" -- "$cli" train --algo dqn --traces "$work/traces" \
  --trace-weights 1,2 --video "$work/video" --out "$work/x.sopt"
grep -q "2 weights for 1 --traces items" "$work/err" || { echo "FAIL: weight count not named"; cat "$work/err"; fail=1; }
for bad in "0" "-1" "x"; do
  run 2 "--trace-weights $bad is refused" -- "$cli" train --algo ppo --traces "$work/traces" --video "$work/video" \
    --out "$work/x.sopt" --trace-weights "$bad"
done
run 2 "--trace-weights is ppo's and dqn's" -- "$cli" train --algo imitation --traces "$work/traces" \
  --video "$work/video" --out "$work/x.sopt" --trace-weights 1
run 0 "imitation of a registry controller" -- "$cli" train --algo imitation --expert robust_mpc:horizon=4 \
  --traces "$work/traces" --video "$work/video" --out "$work/imitation.sopt" --iterations 2 --epochs 4 --hidden 8 \
  --threads 1 --log "$work/imitation.csv"
check "imitation log has a header and two iterations" -- [ "$(wc -l <"$work/imitation.csv")" -eq 3 ]
run 0 "the imitation policy runs in evaluate" -- "$cli" evaluate --abr "imitation:model=$work/imitation.sopt" \
  --traces "$work/traces" --video "$work/video"
run 1 "an unknown expert is named" -- "$cli" train --algo imitation --expert no_such_abr --traces "$work/traces" \
  --video "$work/video" --out "$work/x.sopt"
grep -q "no_such_abr" "$work/err" || { echo "FAIL: unknown expert not named"; cat "$work/err"; fail=1; }
run 2 "--expert-horizon sets the oracle, not --expert" -- "$cli" train --algo imitation --expert bola \
  --expert-horizon 4 --traces "$work/traces" --video "$work/video" --out "$work/x.sopt"
run 2 "--expert is imitation's" -- "$cli" train --algo ppo --expert bola --traces "$work/traces" \
  --video "$work/video" --out "$work/x.sopt"
run 2 "--epochs is imitation's" -- "$cli" train --algo ppo --traces "$work/traces" --video "$work/video" \
  --out "$work/x.sopt" --epochs 3
run 2 "--init is not for predictors" -- "$cli" train --algo rf --traces "$work/traces" --video "$work/video" \
  --out "$work/x.sopt" --init "$work/ppo.sopt"
run 1 "--init must be a rung policy" -- "$cli" train --algo ppo --traces "$work/traces" --video "$work/video" \
  --out "$work/x.sopt" --init "$work/video/ladder.json"

# Ensembles: policies of one algorithm combine into one model whose heads vote.
run 0 "ensemble of two ppo models" -- "$cli" ensemble --out "$work/ens.sopt" "$work/held.sopt" "$work/weighted.sopt"
grep -q "2 heads from 2 models (ppo)" "$work/out" || { echo "FAIL: ensemble summary"; cat "$work/out"; fail=1; }
run 0 "the ensemble runs in evaluate" -- "$cli" evaluate --abr "ppo:model=$work/ens.sopt" --traces "$work/traces" \
  --video "$work/video"
run 1 "an ensemble refuses members of two algorithms" -- "$cli" ensemble --out "$work/x.sopt" "$work/held.sopt" \
  "$work/imitation.sopt"
grep -q "trained by imitation" "$work/err" || { echo "FAIL: algorithm mismatch not named"; cat "$work/err"; fail=1; }
run 1 "an ensemble refuses a file that is not a model" -- "$cli" ensemble --out "$work/x.sopt" "$work/held.sopt" \
  "$work/video/ladder.json"
run 2 "an ensemble needs two members" -- "$cli" ensemble --out "$work/x.sopt" "$work/held.sopt"
run 2 "an ensemble's members must exist" -- "$cli" ensemble --out "$work/x.sopt" "$work/held.sopt" "$work/none.sopt"
check "refused runs write no model" -- [ ! -e "$work/x.sopt" ]

if /usr/bin/python3 -c "import matplotlib" 2>/dev/null; then
  run 0 "training report plots the logs" -- /usr/bin/python3 "$pydir/streamopt/training_report.py" \
    "$work/ppo.csv" "$work/dqn.csv" -o "$work/training.png" --ref "robust_mpc=0.5"
  check "training plot written" -- [ -s "$work/training.png" ]
  run 1 "training report refuses a file that is not a log" -- /usr/bin/python3 \
    "$pydir/streamopt/training_report.py" "$work/video/ladder.json" -o "$work/bad.png"
else
  echo "matplotlib not found: training report not checked"
fi
[ $fail -eq 0 ] && echo "train cli: all checks passed"
exit $fail
