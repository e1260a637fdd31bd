#!/usr/bin/env bash
# Ctrl-C stops a run after the current step with exit code 130 and status `interrupted`;
# `expt run --resume` then finishes it with the same per-epoch history as an uninterrupted run.
# Arguments after the config are overrides for both runs.
set -euo pipefail
expt=$1 config=$2
shift 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$expt" run "$config" results_dir="$work/full" "$@" --quiet >/dev/null
full_report=$(ls "$work"/full/cli_quick/*/report.json)

"$expt" run "$config" results_dir="$work/cut" training.log_every_steps=1 "$@" --quiet >/dev/null &
pid=$!
# Wait for the first epoch's checkpoint, then press Ctrl-C.
for _ in $(seq 1 600); do
  compgen -G "$work/cut/cli_quick/*/checkpoints/last.safetensors" >/dev/null && break
  sleep 0.05
done
kill -INT "$pid"
set +e; wait "$pid"; code=$?; set -e
[[ $code -eq 130 ]] || { echo "FAIL: exit code after Ctrl-C was $code, expected 130"; exit 1; }
run_dir=$(dirname "$(ls "$work"/cut/cli_quick/*/report.json)")
grep -q '"status": "interrupted"' "$run_dir/report.json" || { echo "FAIL: report does not say interrupted"; exit 1; }

"$expt" run --resume "$run_dir" --quiet >/dev/null
python3 - "$full_report" "$run_dir/report.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert b["status"] == "completed", b["status"]
keys = ["epoch", "step", "train_loss", "train_accuracy", "test_loss", "test_accuracy", "learning_rate"]
ea = [[e[k] for k in keys] for e in a["history"]["epochs"]]
eb = [[e[k] for k in keys] for e in b["history"]["epochs"]]
assert ea == eb, f"histories differ:\n{ea}\n{eb}"
print(f"resumed run matches the uninterrupted one over {len(ea)} epochs")
PY
