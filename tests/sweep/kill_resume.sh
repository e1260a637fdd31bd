#!/usr/bin/env bash
# A sweep killed with SIGKILL mid-member, then stopped with Ctrl-C, then run to the end: every
# member runs to completion exactly once (members done before the kill are not touched again,
# interrupted ones resume from their checkpoint) and every report's history is the one an
# uninterrupted sweep writes.
set -euo pipefail
expt=$1 grid=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cut="$work/cut/synthetic_grid"
# More images per epoch than the demo, so a member takes long enough to be caught mid-run.
size=data.synthetic.train=1200

"$expt" sweep "$grid" "$size" results_dir="$work/full" --quiet >/dev/null

# Waits until the manifest shows at least $1 members done and one running member has a
# checkpoint with epochs still to go, i.e. the next signal lands mid-member.
wait_mid_member() {
  python3 - "$cut" "$1" <<'PY'
import json, os, sys, time
sweep, done_needed = sys.argv[1], int(sys.argv[2])
deadline = time.time() + 120
while time.time() < deadline:
    try:
        m = json.load(open(os.path.join(sweep, "sweep.json")))
        done = sum(r["state"] == "done" for r in m["members"])
        for r in m["members"]:
            d = os.path.join(sweep, r["id"])
            if r["state"] == "running" and done >= done_needed and os.path.exists(os.path.join(d, "checkpoints", "last.safetensors")):
                if len(json.load(open(os.path.join(d, "report.json")))["history"]["epochs"]) < 8:
                    sys.exit(0)
    except (OSError, ValueError, KeyError):
        pass  # a file between writes: look again
    time.sleep(0.01)
sys.exit("timed out waiting for a member mid-run")
PY
}

"$expt" sweep "$grid" "$size" results_dir="$work/cut" --quiet >/dev/null 2>&1 &
pid=$!
wait_mid_member 1
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
python3 - "$cut" "$work/before.json" <<'PY'
import hashlib, json, os, sys
sweep, out = sys.argv[1:3]
m = json.load(open(os.path.join(sweep, "sweep.json")))
states = [r["state"] for r in m["members"]]
assert "running" in states, f"the kill did not land mid-member: {states}"
done = {r["id"]: hashlib.sha256(open(os.path.join(sweep, r["id"], "report.json"), "rb").read()).hexdigest()
        for r in m["members"] if r["state"] == "done"}
json.dump(done, open(out, "w"))
PY

"$expt" sweep "$grid" "$size" results_dir="$work/cut" --quiet >/dev/null 2>&1 &
pid=$!
wait_mid_member 2
kill -INT "$pid"
set +e; wait "$pid"; code=$?; set -e
[[ $code -eq 130 ]] || { echo "FAIL: exit code after Ctrl-C was $code, expected 130"; exit 1; }
grep -q '"state": "interrupted"' "$cut/sweep.json" || { echo "FAIL: no member marked interrupted"; exit 1; }

"$expt" sweep "$grid" "$size" results_dir="$work/cut" --quiet >/dev/null
python3 - "$work/full/synthetic_grid" "$cut" "$work/before.json" <<'PY'
import hashlib, json, os, sys
full, cut, before = sys.argv[1:4]
def members(sweep):
    m = json.load(open(os.path.join(sweep, "sweep.json")))
    return {tuple(sorted(r["parameters"].items())): r for r in m["members"]}
a, b = members(full), members(cut)
assert a.keys() == b.keys(), (a.keys(), b.keys())
folders = [d for d in os.listdir(cut) if os.path.isdir(os.path.join(cut, d))]
assert len(folders) == len(b), f"member folders {folders}"
done_before = json.load(open(before))
keys = ["epoch", "step", "learning_rate", "train_loss", "train_accuracy", "test_loss", "test_accuracy"]
resumed = 0
for params, r in b.items():
    assert r["state"] == "done", (params, r["state"])
    report_path = os.path.join(cut, r["id"], "report.json")
    rep = json.load(open(report_path))
    ref = json.load(open(os.path.join(full, a[params]["id"], "report.json")))
    assert rep["status"] == "completed"
    ha = [[e[k] for k in keys] for e in ref["history"]["epochs"]]
    hb = [[e[k] for k in keys] for e in rep["history"]["epochs"]]
    assert ha == hb, f"{params}: histories differ\n{ha}\n{hb}"
    assert [e["epoch"] for e in rep["history"]["epochs"]] == list(range(1, 9))
    if r["id"] in done_before:
        assert r["starts"] == 1, (params, r["starts"])
        digest = hashlib.sha256(open(report_path, "rb").read()).hexdigest()
        assert digest == done_before[r["id"]], f"{params}: a member done before the kill was run again"
    resumed += r["starts"] > 1
assert resumed >= 2, f"expected the killed and the interrupted member to be resumed, got {resumed}"
print(f"{len(b)} members: {len(done_before)} kept from before the kill, {resumed} resumed; histories match the uninterrupted sweep")
PY
