#!/usr/bin/env bash
# `expt sweep --launcher slurm` against a real one-node Slurm cluster started here (cluster.sh;
# exits 77, skipped, without the Slurm packages). A sweep of configs/synthetic_grid.yaml is
# submitted as a job array of 3 tasks with 2 members each; one task is cancelled while its first
# member trains; submitting again runs only what is left, resuming the cancelled member from its
# checkpoint. Then every member has completed exactly once, its history equals that of a local
# sweep of the same file, and `expt compare` gives the same accuracy table for both. Failed
# submissions (no sbatch, sbatch refusing, controller unreachable) leave the folder as it was.
set -euo pipefail
expt=$1 grid=$2
work=$(mktemp -d)
trap 'declare -F slurm_cluster_stop >/dev/null && slurm_cluster_stop; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
source "$(dirname "$0")/cluster.sh" "$work"

# More images than the demo: about 2 seconds per member, long enough to cancel one mid-run.
size=data.synthetic.train=3000
slurm=(--launcher slurm --array-parallelism 2)
sweep="$work/slurm/synthetic_grid"
fingerprint() { (cd "$1" && find . -printf '%p %s\n' | sort && cat sweep.json 2>/dev/null) | sha256sum; }

# A submission that fails leaves nothing behind.
set +e
out=$(PATH=/nonexistent "$expt" sweep "$grid" results_dir="$work/none" "${slurm[@]}" 2>&1); code=$?
[[ $code -eq 5 ]] || fail "no sbatch on PATH: exit $code, expected 5: $out"
grep -q "sbatch is not on PATH" <<<"$out" || fail "no sbatch on PATH: unclear message: $out"
out=$("$expt" sweep "$grid" results_dir="$work/none" "${slurm[@]}" --partition nosuch 2>&1); code=$?
[[ $code -eq 5 ]] || fail "sbatch refusing the job: exit $code, expected 5: $out"
grep -q "sbatch refused the job array (exit 1): .*[Ii]nvalid partition" <<<"$out" || fail "sbatch refusing: unclear message: $out"
sed -e "s/^SlurmctldPort=.*/SlurmctldPort=$(free_port)/" -e '$a MessageTimeout=2' "$SLURM_CONF" >"$work/unreachable.conf"
out=$(SLURM_CONF="$work/unreachable.conf" "$expt" sweep "$grid" results_dir="$work/none" "${slurm[@]}" 2>&1); code=$?
[[ $code -eq 5 ]] || fail "controller unreachable: exit $code, expected 5: $out"
grep -q "Unable to contact slurm controller" <<<"$out" || fail "controller unreachable: unclear message: $out"
set -e
[[ ! -e "$work/none" ]] || fail "a failed submission left $(find "$work/none")"

"$expt" sweep "$grid" "$size" results_dir="$work/local" --quiet >/dev/null
job=$("$expt" sweep "$grid" "$size" results_dir="$work/slurm" "${slurm[@]}" --pack 2 --quiet)
[[ $job =~ ^[0-9]+$ ]] || fail "--quiet did not print the job id: $job"

# Cancel array task 1 once its first member has a checkpoint and epochs still to go.
python3 - "$sweep" "${job}_1" <<'PY'
import json, os, sys, time
sweep, task = sys.argv[1:3]
deadline = time.time() + 60
while time.time() < deadline:
    try:
        for r in json.load(open(os.path.join(sweep, "sweep.json")))["members"]:
            d = os.path.join(sweep, r["id"])
            if r["slurm_task"] == task and r["state"] == "running" and os.path.exists(os.path.join(d, "checkpoints", "last.safetensors")):
                if len(json.load(open(os.path.join(d, "report.json")))["history"]["epochs"]) < 7:
                    sys.exit(0)
    except (OSError, ValueError, KeyError):
        pass  # a file between writes: look again
    time.sleep(0.01)
sys.exit(f"timed out waiting for task {task} to train")
PY
scancel "${job}_1"
for _ in $(seq 1 600); do [[ -z $(squeue --noheader --jobs="$job" 2>/dev/null) ]] && break; sleep 0.1; done
[[ -z $(squeue --noheader --jobs="$job" 2>/dev/null) ]] || fail "job $job did not end"

status=$("$expt" sweep status "$grid" "$size" results_dir="$work/slurm")
grep -q "${job}_1 .*CANCELLED" <<<"$status" || fail "status does not show the cancelled task: $status"
grep -q "4 done" <<<"$status" || fail "status after the cancel: expected 4 done: $status"

# sbatch refusing a resubmission: the existing sweep is untouched.
before=$(fingerprint "$sweep")
set +e
out=$("$expt" sweep "$grid" "$size" results_dir="$work/slurm" "${slurm[@]}" --partition nosuch 2>&1); code=$?
set -e
[[ $code -eq 5 ]] || fail "refused resubmission: exit $code: $out"
[[ $(fingerprint "$sweep") == "$before" ]] || fail "a refused resubmission changed $sweep"

out=$("$expt" sweep "$grid" "$size" results_dir="$work/slurm" "${slurm[@]}" --wait 2>&1) || fail "resubmission: $out"
grep -q "submitted job [0-9]*: 2 members in 2 array tasks" <<<"$out" || fail "the resubmission did not submit just the 2 unfinished members: $out"
grep -q "sweep synthetic_grid: 6 done" <<<"$out" || fail "--wait did not end with 6 done: $out"
out=$("$expt" sweep "$grid" "$size" results_dir="$work/slurm" "${slurm[@]}" 2>&1)
grep -q "nothing to submit: 6 finished" <<<"$out" || fail "a finished sweep was submitted again: $out"

python3 - "$work/local/synthetic_grid" "$sweep" "${job}_1" <<'PY'
import json, os, sys
local, slurm, cancelled = sys.argv[1:4]
def members(sweep):
    m = json.load(open(os.path.join(sweep, "sweep.json")))
    return {tuple(sorted(r["parameters"].items())): r for r in m["members"]}
a, b = members(local), members(slurm)
assert a.keys() == b.keys()
keys = ["epoch", "step", "learning_rate", "train_loss", "train_accuracy", "test_loss", "test_accuracy"]
resumed = 0
for params, r in b.items():
    assert r["state"] == "done", (params, r["state"])
    outcomes = [t["outcome"] for t in r["attempts"]]
    assert outcomes.count("done") == 1, f"{params}: completed {outcomes.count('done')} times: {r['attempts']}"
    assert outcomes[-1] == "done" and r["starts"] == len(outcomes), (params, r["starts"], outcomes)
    if len(outcomes) > 1:
        first, last = r["attempts"][0], r["attempts"][-1]
        assert first["slurm_task"] == cancelled and first["outcome"] in ("interrupted", ""), first
        assert last["from_epoch"] > 0, f"{params}: started over instead of resuming: {r['attempts']}"
        resumed += 1
    rep = json.load(open(os.path.join(slurm, r["id"], "report.json")))
    ref = json.load(open(os.path.join(local, a[params]["id"], "report.json")))
    assert rep["status"] == "completed"
    ha = [[e[k] for k in keys] for e in ref["history"]["epochs"]]
    hb = [[e[k] for k in keys] for e in rep["history"]["epochs"]]
    assert ha == hb, f"{params}: histories differ\n{ha}\n{hb}"
assert resumed == 1, f"expected the cancelled member to be resumed once, got {resumed}"
PY

# expt compare: the same table, timing columns aside.
accuracy_columns() {
  "$expt" compare "$1" --format csv | python3 -c '
import csv, sys
rows = list(csv.DictReader(sys.stdin))
keep = [k for k in rows[0] if not k.startswith(("seconds", "images_per_second"))]
for r in rows: print(",".join(r[k] for k in keep))'
}
[[ $(accuracy_columns "$work/local/synthetic_grid") == $(accuracy_columns "$sweep") ]] ||
  fail "expt compare differs: $(diff <(accuracy_columns "$work/local/synthetic_grid") <(accuracy_columns "$sweep"))"
echo "job $job: one task cancelled mid-member; the resubmission resumed it and ran the rest; every member completed once, as locally"
