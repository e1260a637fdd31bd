#!/usr/bin/env bash
# `expt sweep` from the command line: --dry-run, --quiet, --jobs, a failing member, a changed
# sweep file and a second sweep process on the same folder.
set -uo pipefail
expt=$1 grid=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
quick=(results_dir="$work/r" training.epochs=2 threads=0)

out=$("$expt" sweep "$grid" "${quick[@]}" --dry-run 2>&1); code=$?
[[ $code -eq 0 ]] || fail "--dry-run: exit $code: $out"
[[ $(grep -c "pending" <<<"$out") -eq 6 ]] || fail "--dry-run does not list 6 pending members: $out"
grep -q "GFLOP/s on reference" <<<"$out" || fail "--dry-run does not state the assumed throughput: $out"
[[ ! -e "$work/r" ]] || fail "--dry-run wrote to results"

out=$("$expt" sweep "$grid" "${quick[@]}" --quiet --jobs 2 2>&1); code=$?
[[ $code -eq 0 ]] || fail "sweep: exit $code: $out"
[[ $(wc -l <<<"$out") -eq 1 ]] || fail "--quiet printed more than the summary: $out"
grep -q "6 done" <<<"$out" || fail "summary does not say 6 done: $out"
per_job=$(( $(nproc) / 2 )); (( per_job >= 1 )) || per_job=1
[[ $(grep -l "^threads: $per_job\$" "$work"/r/synthetic_grid/*/config.yaml | wc -l) -eq 6 ]] \
  || fail "--jobs 2 did not give each member $per_job threads"

out=$("$expt" sweep "$grid" "${quick[@]}" 2>&1); code=$?
[[ $code -eq 0 ]] || fail "re-run of a finished sweep: exit $code: $out"
grep -q "0 to run" <<<"$out" || fail "re-run of a finished sweep ran members again: $out"

out=$("$expt" sweep "$grid" results_dir="$work/r" training.epochs=3 threads=0 2>&1); code=$?
[[ $code -eq 3 ]] || fail "changed sweep: exit $code, expected 3: $out"
grep -q "training.epochs 2 -> 3" <<<"$out" || fail "changed sweep: the message does not name training.epochs: $out"

cat > "$work/run.yaml" <<'YAML'
seed: 3
backend: reference
threads: 1
data: {dataset: synthetic, image_size: 12, channels: 1, synthetic: {classes: 3, train: 120, test: 60}}
model:
  layers:
    - {type: conv2d, name: conv1, filters: 4, kernel: 3, activation: relu}
    - {type: max_pool, name: pool1, size: 2}
    - {type: dense, name: logits, units: classes}
training: {epochs: 2, batch_size: 20}
tensorboard: {enabled: false}
YAML
cat > "$work/bad.yaml" <<'YAML'
base: run.yaml
parameters:
  training.optimizer: [{type: sgd, learning_rate: 1.0e30}, {type: adam, learning_rate: 0.003}]
YAML
out=$("$expt" sweep "$work/bad.yaml" "${quick[@]}" 2>&1); code=$?
[[ $code -eq 0 ]] || fail "a diverging member stopped the sweep: exit $code: $out"
grep -q "1 done, 1 diverged" <<<"$out" || fail "summary does not count the diverged member: $out"

"$expt" sweep "$grid" results_dir="$work/lock" data.synthetic.train=4000 --quiet >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 200); do [[ -e "$work/lock/synthetic_grid/sweep.json" ]] && break; sleep 0.05; done
out=$("$expt" sweep "$grid" results_dir="$work/lock" data.synthetic.train=4000 2>&1); code=$?
kill -INT "$pid"; wait "$pid"
[[ $code -eq 6 ]] || fail "a second sweep on the same folder: exit $code, expected 6: $out"
grep -q "another \`expt sweep\` is working" <<<"$out" || fail "no lock message: $out"
echo "dry run, quiet, jobs, re-run, changed file, diverging member and lock as documented"
