#!/usr/bin/env bash
# Documented exit codes and messages for bad input; nothing is written to results/.
set -uo pipefail
expt=$1 config=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

out=$("$expt" run "$work/missing.yaml" 2>&1); code=$?
[[ $code -eq 3 ]] || fail "missing config: exit $code, expected 3"
grep -q "missing.yaml" <<<"$out" || fail "missing config: message does not name the file: $out"

printf 'name: x\ntraining: {epochs: [1\n' > "$work/broken.yaml"
out=$("$expt" validate "$work/broken.yaml" 2>&1); code=$?
[[ $code -eq 3 ]] || fail "malformed YAML: exit $code, expected 3"
grep -q "broken.yaml:" <<<"$out" || fail "malformed YAML: no file:line in: $out"

out=$("$expt" run "$config" results_dir="$work/r" training.optimizer.learning_rat=1 2>&1); code=$?
[[ $code -eq 3 ]] || fail "misspelled override: exit $code, expected 3"
grep -q "learning_rate" <<<"$out" || fail "misspelled override: no suggestion in: $out"
[[ ! -e "$work/r" ]] || fail "a rejected run wrote to results"

out=$("$expt" run "$config" results_dir="$work/r" training.optimizer.type=sgd training.optimizer.learning_rate=1e30 --quiet 2>&1); code=$?
[[ $code -eq 7 ]] || fail "diverging run: exit $code, expected 7"
grep -q "diverged" <<<"$out" || fail "diverging run: no 'diverged' in: $out"

# A precision this CPU cannot run is refused by validate and by run, before anything is written.
# ONEDNN_MAX_CPU_ISA=AVX2 makes oneDNN, and so expt, see any CPU as an AVX2-only one.
for command in validate run; do
  out=$(ONEDNN_MAX_CPU_ISA=AVX2 "$expt" "$command" "$config" results_dir="$work/refused" backend=onednn precision=bf16 2>&1)
  code=$?
  [[ $code -eq 5 ]] || fail "bf16 on AVX2 ($command): exit $code, expected 5: $out"
  grep -q "bf16 needs AVX-512 (avx512_core); this CPU offers avx2" <<<"$out" || fail "bf16 on AVX2 ($command): no reason in: $out"
done
[[ ! -e "$work/refused" ]] || fail "a run refused for its precision wrote to results"
out=$("$expt" validate "$config" backend=onednn precision=fp16 2>&1); code=$?
[[ $code -eq 5 ]] || fail "fp16 on onednn: exit $code, expected 5: $out"
"$expt" validate "$config" backend=onednn precision=fp16 --no-backend-check >/dev/null 2>&1 ||
  fail "validate --no-backend-check still checked the backend"

# A run folder whose files cannot be read: exit 8 (6 is for files that cannot be written).
run_dir=$(dirname "$(ls "$work"/r/cli_quick/*/report.json)")
rm -rf "$run_dir/checkpoints"  # the diverged run may have none yet
out=$("$expt" run --resume "$run_dir" 2>&1); code=$?
[[ $code -eq 8 ]] || fail "resume without a checkpoint: exit $code, expected 8: $out"
grep -q "last.safetensors" <<<"$out" || fail "resume without a checkpoint: the file is not named: $out"
echo '{"status": ' > "$run_dir/report.json"
out=$("$expt" run --resume "$run_dir" 2>&1); code=$?
[[ $code -eq 8 ]] || fail "resume with a malformed report.json: exit $code, expected 8: $out"
grep -q "report.json is not a valid report" <<<"$out" || fail "malformed report.json not named: $out"

"$expt" bogus >/dev/null 2>&1; code=$?
[[ $code -eq 2 ]] || fail "unknown subcommand: exit $code, expected 2"
echo "exit codes and messages as documented"
