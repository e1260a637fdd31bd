#!/usr/bin/env bash
# An ASHA sweep with `--launcher slurm` on the one-node Slurm cluster (cluster.sh; exits 77,
# skipped, without the Slurm packages): 3 array tasks, 2 at a time, each an ASHA worker taking
# promotions and new members from sweep.json. One task is cancelled while a member trains;
# submitting again finishes the sweep. Every member ends done or pruned at a rung, promotions
# follow the rung results, and no epoch a member had finished is trained again.
set -euo pipefail
expt=$1
work=$(mktemp -d)
trap 'declare -F slurm_cluster_stop >/dev/null && slurm_cluster_stop; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
source "$(dirname "$0")/cluster.sh" "$work"

source "$(dirname "$0")/../asha_sweep.sh"
asha_sweep_file "$work/asha.yaml" "$work/results" 6 5 test_accuracy
sweep="$work/results/asha"
slurm=(--launcher slurm --array-parallelism 2 --pack 2)

job=$("$expt" sweep "$work/asha.yaml" "${slurm[@]}" --quiet)
[[ $job =~ ^[0-9]+$ ]] || fail "--quiet did not print the job id: $job"
# Cancel array task 0 while it trains a member that has a checkpoint.
python3 - "$sweep" "${job}_0" <<'PY'
import json, os, sys, time
sweep, task = sys.argv[1:3]
deadline = time.time() + 120
while time.time() < deadline:
    try:
        for r in json.load(open(os.path.join(sweep, "sweep.json")))["members"]:
            if r["slurm_task"] == task and r["state"] == "running" and \
               os.path.exists(os.path.join(sweep, r["id"], "checkpoints", "last.safetensors")):
                sys.exit(0)
    except (OSError, ValueError, KeyError):
        pass  # a file between writes: look again
    time.sleep(0.01)
sys.exit(f"timed out waiting for task {task} to train")
PY
scancel "${job}_0"
out=$("$expt" sweep "$work/asha.yaml" "${slurm[@]}" --wait 2>&1) || fail "resubmission: $out"
grep -Eq "sweep asha: [0-9]+ done, [0-9]+ pruned" <<<"$out" || fail "--wait did not end with done and pruned members: $out"

python3 - "$sweep" <<'PY'
import json, os, sys
sweep = sys.argv[1]
rungs = [1, 2, 4]
m = json.load(open(os.path.join(sweep, "sweep.json")))
assert m["scheduler"]["max_epochs"] == 4
members = m["members"]
assert len(members) == 6
for r in members:
    assert r["state"] in ("done", "pruned"), (r["id"], r["state"])
    report = json.load(open(os.path.join(sweep, r["id"], "report.json")))
    epochs = [e["epoch"] for e in report["history"]["epochs"]]
    assert epochs == list(range(1, rungs[r["rung"]] + 1)), (r["id"], r["rung"], epochs)
    assert len(r["rung_metrics"]) == r["rung"] + 1
    for prev, cur in zip(r["attempts"], r["attempts"][1:]):
        # After a rung the next start is at that rung's epochs; after a cancel at no fewer.
        if prev["outcome"] == "paused":
            assert cur["from_epoch"] == min(e for e in rungs if e > prev["from_epoch"]), r["attempts"]
        assert cur["from_epoch"] >= prev["from_epoch"], r["attempts"]
    assert all(a["slurm_task"] for a in r["attempts"]), r["attempts"]
# The top half of the six at rung 0 reached rung 1, the top half of those the last rung.
for k in (0, 1):
    reported = sorted((r for r in members if len(r["rung_metrics"]) > k), key=lambda r: (-r["rung_metrics"][k], r["id"]))
    top = reported[: len(reported) // 2]
    assert all(r["rung"] > k for r in top), (k, [(r["id"], r["rung_metrics"], r["rung"]) for r in reported])
print("states:", sorted(r["state"] for r in members), "tasks:", sorted({a["slurm_task"] for r in members for a in r["attempts"]}))
PY
echo "job $job: ASHA on Slurm, one task cancelled; the resubmission finished the sweep with every promotion in order"
