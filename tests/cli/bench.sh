#!/usr/bin/env bash
# `expt bench`: the text summary and the --json fields docs/benchmarks.md describes, on a tiny
# network (the numbers themselves are the machine's; only their presence and sense are checked).
set -uo pipefail
expt=$1 config=$2
fail() { echo "FAIL: $*"; exit 1; }

out=$("$expt" bench "$config" --backend onednn --steps 3 --warmup 1 2>&1) || fail "bench exited $?: $out"
for want in "code paths: onednn_isa" "expt_kernels" "step " "throughput" "roofline" "memory" "kernels" \
  "optimizer update" "slowest layer:"; do
  grep -q "$want" <<<"$out" || fail "no '$want' in the summary: $out"
done

json=$("$expt" bench "$config" --backend onednn --steps 3 --warmup 1 --json 2>/dev/null) || fail "bench --json exited $?"
/usr/bin/python3 - "$json" <<'PY' || fail "bench --json: fields missing or without sense"
import json, sys
j = json.loads(sys.argv[1])
steps = j["step_ms"]
assert len(steps["all"]) == 3 and 0 < steps["min"] <= steps["median"] <= steps["max"], steps
names = [layer["name"] for layer in j["layers"]]
for layer in ("conv1", "pool1", "drop1", "fc1", "logits", "optimizer", "reorders"):
    assert layer in names, (layer, names)
conv1 = next(layer for layer in j["layers"] if layer["name"] == "conv1")
assert conv1["forward_ms"] > 0 and conv1["kernels"], conv1
assert j["roofline"]["floor_ms"] > 0 and j["roofline"]["flops"] > 0, j["roofline"]
memory = j["memory"]
assert memory["sum_bytes"] == sum(memory[k] for k in
                                  ("parameters_bytes", "gradients_bytes", "optimizer_state_bytes", "activations_bytes"))
assert memory["peak_rss_bytes"] > memory["sum_bytes"], memory
assert j["code_paths"]["onednn_isa"] and j["code_paths"]["expt_kernels"] in ("scalar", "avx2", "avx512"), j["code_paths"]
assert j["machine"]["fp32_peak_gflops"] > 0 and j["machine"]["triad_gbytes_per_second"] > 0, j["machine"]
PY
echo "expt bench prints its summary and its JSON fields"
