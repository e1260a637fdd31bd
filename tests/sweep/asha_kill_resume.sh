#!/usr/bin/env bash
# An ASHA sweep (--jobs 2) killed with SIGKILL while a promoted member trains, then run again
# to the end: the promotions recorded before the kill stand, every member ends done, pruned
# or stopped early, and no epoch a member had finished is trained again: every epoch record seen
# checkpointed before the kill is in the final report unchanged, its measured time included.
set -euo pipefail
expt=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sweep="$work/results/asha_kill"
source "$(dirname "$0")/asha_sweep.sh"
# Epochs long enough (a few hundred ms on a fast core) that the kill below, 0.3 s after a
# promoted member starts, lands while it trains: with 1,600 images the whole sweep could end first.
ASHA_TRAIN_IMAGES=12800 asha_sweep_file "$work/asha_kill.yaml" "$work/results" 4 11 test_loss \
  "model.layers.drop1.rate: {uniform: [0.0, 0.5]}"

# Records, in $work/seen.json, every epoch each member's folder holds for good (in its report
# and covered by its checkpoint), with its measured time: an epoch trained again would be timed
# again. With --until-promoted it watches until a promoted member (rung >= 1) is running.
cat > "$work/watch.py" <<'PY'
import json, os, struct, sys, time
sweep, seen_path = sys.argv[1:3]
until_promoted = "--until-promoted" in sys.argv
seen = json.load(open(seen_path)) if os.path.exists(seen_path) else {}

def checkpoint_epochs(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        return int(json.loads(f.read(n))["__metadata__"]["epochs_done"])

def look():
    promoted_running = False
    for r in json.load(open(os.path.join(sweep, "sweep.json")))["members"]:
        promoted_running |= r["state"] == "running" and r["rung"] >= 1
        d = os.path.join(sweep, r["id"])
        try:
            done = checkpoint_epochs(os.path.join(d, "checkpoints", "last.safetensors"))
            epochs = json.load(open(os.path.join(d, "report.json")))["history"]["epochs"]
        except (OSError, ValueError, KeyError, struct.error):
            continue  # not there yet, or between writes
        for e in epochs[:done]:
            seen.setdefault(r["id"], {}).setdefault(str(e["epoch"]), e)
    return promoted_running

deadline = time.time() + 300
while True:
    try:
        if look() or not until_promoted:
            break
    except (OSError, ValueError, KeyError):
        pass  # sweep.json between writes: look again
    if time.time() > deadline:
        sys.exit("timed out waiting for a promoted member to run")
    time.sleep(0.01)
json.dump(seen, open(seen_path, "w"))
PY

"$expt" sweep "$work/asha_kill.yaml" --jobs 2 --quiet >/dev/null 2>&1 &
pid=$!
python3 "$work/watch.py" "$sweep" "$work/seen.json" --until-promoted
sleep 0.3
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
cp "$sweep/sweep.json" "$work/before.json"
python3 "$work/watch.py" "$sweep" "$work/seen.json"

"$expt" sweep "$work/asha_kill.yaml" --jobs 2 --quiet >/dev/null
python3 - "$sweep" "$work/before.json" "$work/seen.json" <<'PY'
import json, os, sys
sweep, before_path, seen_path = sys.argv[1:4]
seen = json.load(open(seen_path))
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
    # No finished epoch trained twice: every epoch once held for good is in the final report
    # as it was first recorded, and each start after a rung begins at that rung's epochs.
    final = {str(e["epoch"]): e for e in report["history"]["epochs"]}
    for epoch, record in seen.get(r["id"], {}).items():
        assert final.get(epoch) == record, f"{r['id']}: epoch {epoch} was trained again: {record} then {final.get(epoch)}"
    attempts = r["attempts"]
    for prev, cur in zip(attempts, attempts[1:]):
        assert cur["from_epoch"] >= prev["from_epoch"], (r["id"], attempts)
        if prev["outcome"] == "paused":
            assert cur["from_epoch"] == min(e for e in rungs if e > prev["from_epoch"]), (r["id"], attempts)
        else:
            assert prev["outcome"] == "" and b["state"] == "running", (r["id"], attempts)
            resumed += 1
    assert attempts[0]["from_epoch"] == 0
assert resumed >= 1, "no member was resumed after the kill"
print(f"{len(after)} members: {promoted_before} promoted before the kill, {resumed} resumed after it; "
      f"final states {sorted(r['state'] for r in after)}")
PY

# `sweep status` shows each member's rung and that rung's epochs.
"$expt" sweep status "$sweep" > "$work/status.txt"
python3 - "$sweep" "$work/status.txt" <<'PY'
import json, os, sys
sweep, status_path = sys.argv[1:3]
lines = open(status_path).read().splitlines()
assert "rung" in lines[1].split(), lines[1]
rungs = [1, 2, 4]
for r in json.load(open(os.path.join(sweep, "sweep.json")))["members"]:
    line = next(l for l in lines if l.startswith(r["id"]))
    assert f"{r['rung']} ({rungs[r['rung']]} ep)" in line, (r["id"], r["rung"], line)
PY
