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
assert j["batch_norm"] is None, j["batch_norm"]  # no batch norm in this network
PY

# With batch norm: its time against its traffic floor, 8 passes over its 4x12x12 input at batch 20.
with_bn='model.layers=[{type: conv2d, name: conv1, filters: 4, kernel: 3}, {type: batch_norm, name: bn1},
  {type: relu, name: relu1}, {type: dense, name: logits, units: classes}]'
out=$("$expt" bench "$config" --backend onednn --steps 3 --warmup 1 "$with_bn" 2>&1) || fail "bench with batch norm exited $?: $out"
grep -q "^batch norm .* x its traffic floor" <<<"$out" || fail "no batch norm line in the summary: $out"
json=$("$expt" bench "$config" --backend onednn --steps 3 --warmup 1 --json "$with_bn" 2>/dev/null) || fail "bench --json with batch norm exited $?"
/usr/bin/python3 - "$json" <<'PY' || fail "bench --json: batch_norm missing or without sense"
import json, sys
bn = json.loads(sys.argv[1])["batch_norm"]
assert bn["bytes"] == 8 * 4 * 12 * 12 * 20 * 4, bn
assert bn["ms"] > 0 and bn["floor_ms"] > 0 and abs(bn["over_floor"] - bn["ms"] / bn["floor_ms"]) < 1e-9, bn
PY
echo "expt bench prints its summary and its JSON fields"
