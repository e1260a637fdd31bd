#!/usr/bin/env bash
# An ASHA sweep (--jobs 2) killed with SIGKILL while a promoted member trains, then run again
# to the end: the promotions recorded before the kill stand, every member ends done, pruned
# or stopped early, and no epoch a member had finished is trained again (each start resumes
# from the epochs its checkpoint holds, and each report lists epochs 1..N once).
set -euo pipefail
expt=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sweep="$work/results/asha_kill"
cat > "$work/asha_kill.yaml" <<YAML
base:
  seed: 3
  backend: reference
  threads: 1
  results_dir: $work/results
  data: {dataset: synthetic, image_size: 12, channels: 1, synthetic: {classes: 4, train: 1600, test: 200}}
  model:
    layers:
      - {type: conv2d, name: conv1, filters: 8, kernel: 3, activation: relu}
      - {type: max_pool, name: pool1, size: 2}
      - {type: dropout, name: drop1, rate: 0.25}
      - {type: dense, name: logits, units: classes}
  training: {epochs: 1, batch_size: 16, optimizer: {type: adam, learning_rate: 3.0e-3}, log_every_steps: 20}
  tensorboard: {enabled: false}
search: random
trials: 4
sample_seed: 11
parameters:
  training.optimizer.learning_rate: {log_uniform: [3.0e-4, 1.0e-2]}
  model.layers.drop1.rate: {uniform: [0.0, 0.5]}
scheduler: {type: asha, min_epochs: 1, max_epochs: 4, reduction_factor: 2, metric: test_loss}
YAML

"$expt" sweep "$work/asha_kill.yaml" --jobs 2 --quiet >/dev/null 2>&1 &
pid=$!
# Wait for a promoted member (rung >= 1) that is running and has trained part of its new rung.
python3 - "$sweep" <<'PY'
import json, os, sys, time
sweep = sys.argv[1]
deadline = time.time() + 300
while time.time() < deadline:
    try:
        m = json.load(open(os.path.join(sweep, "sweep.json")))
        for r in m["members"]:
            if r["state"] == "running" and r["rung"] >= 1:
                sys.exit(0)
    except (OSError, ValueError, KeyError):
        pass  # a file between writes: look again
    time.sleep(0.01)
sys.exit("timed out waiting for a promoted member to run")
PY
sleep 0.3
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
cp "$sweep/sweep.json" "$work/before.json"
# The epochs each member's run folder holds at the moment of the kill, with their measured
# times: an epoch trained again would be timed again.
python3 - "$sweep" > "$work/epochs_at_kill.json" <<'PY'
import json, os, sys
sweep = sys.argv[1]
held = {}
for r in json.load(open(os.path.join(sweep, "sweep.json")))["members"]:
    report = os.path.join(sweep, r["id"], "report.json")
    if os.path.exists(os.path.join(sweep, r["id"], "checkpoints", "last.safetensors")) and os.path.exists(report):
        held[r["id"]] = json.load(open(report))["history"]["epochs"]
print(json.dumps(held))
PY

"$expt" sweep "$work/asha_kill.yaml" --jobs 2 --quiet >/dev/null
python3 - "$sweep" "$work/before.json" "$work/epochs_at_kill.json" <<'PY'
import json, os, sys
sweep, before_path, held_path = sys.argv[1:4]
held = json.load(open(held_path))
rungs = [1, 2, 4]
before = {r["id"]: r for r in json.load(open(before_path))["members"]}
after = json.load(open(os.path.join(sweep, "sweep.json")))["members"]
assert any(r["state"] == "running" for r in before.values()), "the kill did not land mid-member"
promoted_before = sum(r["rung"] >= 1 for r in before.values())
resumed = 0
for r in after:
    b = before[r["id"]]
    assert r["state"] in ("done", "pruned", "stopped_early"), (r["id"], r["state"])
    # Decisions taken before the kill stand: rungs never go back, rung results are kept.
    assert r["rung"] >= b["rung"], (r["id"], b["rung"], r["rung"])
    assert r["rung_metrics"][:len(b["rung_metrics"])] == b["rung_metrics"], (r["id"], b["rung_metrics"], r["rung_metrics"])
    report = json.load(open(os.path.join(sweep, r["id"], "report.json")))
    epochs = [e["epoch"] for e in report["history"]["epochs"]]
    assert epochs == list(range(1, len(epochs) + 1)), (r["id"], epochs)
    if r["state"] != "stopped_early":
        assert len(epochs) == rungs[r["rung"]], (r["id"], r["rung"], epochs)
    # No finished epoch trained twice: a start after a rung begins at that rung's epochs, and
    # the start after the killed attempt at the epochs its folder held when it was killed.
    attempts = r["attempts"]
    for prev, cur in zip(attempts, attempts[1:]):
        if prev["outcome"] == "paused":
            assert cur["from_epoch"] in rungs and cur["from_epoch"] > prev["from_epoch"], (r["id"], attempts)
        else:
            assert prev["outcome"] == "" and b["state"] == "running", (r["id"], attempts)
            assert cur["from_epoch"] == len(held.get(r["id"], [])), (r["id"], held.get(r["id"]), attempts)
            resumed += 1
    assert attempts[0]["from_epoch"] == 0
    kept = held.get(r["id"], [])
    assert report["history"]["epochs"][:len(kept)] == kept, f"{r['id']}: epochs held at the kill were trained again"
assert resumed >= 1, "no member was resumed after the kill"
print(f"{len(after)} members: {promoted_before} promoted before the kill, {resumed} resumed after it; "
      f"final states {sorted(r['state'] for r in after)}")
PY
