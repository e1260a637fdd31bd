#!/usr/bin/env bash
# Configs and reports written to hurt, through the `expt` binary: each ends in its documented
# exit code with a message naming what was wrong, in bounded time, writing nothing it should not.
set -uo pipefail
expt=$1 config=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$work"

# A network far larger than this machine's memory: refused before building, naming the layer.
huge=(results_dir="$work/r" model.layers.conv1.filters=100000000 training.epochs=1)
out=$("$expt" validate "$config" "${huge[@]}" 2>&1); code=$?
[[ $code -eq 3 ]] || fail "oversized network: validate exit $code, expected 3: $out"
grep -q "but this process may use" <<<"$out" || fail "oversized network: no limit named: $out"
grep -q "model.layers\[0\] 'conv1' activations" <<<"$out" || fail "oversized network: largest layer not named: $out"
grep -q -- "--ignore-memory-limit" <<<"$out" || fail "oversized network: the override is not named: $out"
"$expt" validate "$config" "${huge[@]}" --ignore-memory-limit >/dev/null 2>&1 || fail "validate --ignore-memory-limit failed"
out=$("$expt" run "$config" "${huge[@]}" 2>&1); code=$?
[[ $code -eq 3 ]] || fail "oversized network: run exit $code, expected 3: $out"
[[ ! -e "$work/r" ]] || fail "oversized network: the refused run wrote to results"
out=$(EXPT_IGNORE_MEMORY_LIMIT=1 "$expt" validate "$config" "${huge[@]}" 2>&1) || fail "EXPT_IGNORE_MEMORY_LIMIT=1 ignored: $out"

# The data set is absent and data.classes does not say how many classes: a data error.
printf 'model:\n  layers:\n    - {type: dense, units: classes}\n' > nodata.yaml
out=$("$expt" validate nodata.yaml 2>&1); code=$?
[[ $code -eq 4 ]] || fail "absent data without data.classes: exit $code, expected 4: $out"
grep -q "data.classes" <<<"$out" || fail "absent data without data.classes: message does not say what to add: $out"

# A config named `...yaml` without `name:` would put its run folder beside results_dir.
cp "$config" ...yaml
sed -i '/^name:/d' ...yaml
out=$("$expt" run ...yaml results_dir="$work/r/inner" 2>&1); code=$?
[[ $code -eq 3 ]] || fail "run named '..': exit $code, expected 3: $out"
[[ ! -e "$work/r" ]] || fail "run named '..' wrote something"

# threads=1 on the reference backend at fp32_strict: the report says 1 thread and records it;
# the resolved config is read back by a YAML 1.1 reader with its numbers as numbers.
out=$("$expt" run "$config" results_dir="$work/runs" threads=1 precision=fp32_strict training.epochs=2 --quiet 2>&1) ||
  fail "reference run at fp32_strict with threads=1 failed: $out"
run_dir=$(ls -d "$work"/runs/cli_quick/*)
grep -q '"device": "CPU (reference loops), 1 thread"' "$run_dir/report.json" || fail "device does not say 1 thread: $(grep device "$run_dir/report.json")"
grep -q '"threads": 1,' "$run_dir/report.json" || fail "report.json does not record threads: 1"
if python3 -c 'import yaml' 2>/dev/null; then
  python3 - "$run_dir/config.yaml" <<'PY' || fail "a YAML 1.1 reader reads a number of config.yaml as a string"
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
eps = doc["training"]["optimizer"]["epsilon"]
assert isinstance(eps, float) and eps == 1e-08, repr(eps)
PY
fi

# A report claiming epoch 10^12: compare draws it at once.
sed -i 's/"epoch": 2,/"epoch": 1000000000000,/' "$run_dir/report.json"
grep -q '"epoch": 1000000000000' "$run_dir/report.json" || fail "could not plant the epoch"
out=$(timeout 20 "$expt" compare "$work/runs" -o "$work/c.html" 2>&1); code=$?
[[ $code -eq 0 ]] || fail "compare of a report claiming epoch 10^12: exit $code: $out"
echo "hostile configs and reports end as documented"
