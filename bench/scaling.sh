#!/bin/sh
# Step time of the seed network against batch size, image size and thread count (docs/benchmarks.md).
#   bench/scaling.sh [path/to/expt] [steps]
# One `expt bench --json` per point; prints "what value median_ms min_ms load_average" lines.
set -eu
EXPT=${1:-build/expt}
STEPS=${2:-5}
CONFIG=configs/pets_dropout.yaml
point() {  # label value overrides...
  label=$1 value=$2
  shift 2
  "$EXPT" bench "$CONFIG" "$@" --json --steps "$STEPS" --warmup 2 |
    /usr/bin/python3 -c 'import json,sys; j=json.load(sys.stdin); s=j["step_ms"]
print(sys.argv[1], sys.argv[2], round(s["median"], 1), round(s["min"], 1), j["machine"]["load_average"])' "$label" "$value"
}
echo "what value median_ms min_ms load_average"
for b in 1 10 32 64; do point batch "$b" threads=2 --batch "$b"; done
for s in 112 224; do point image_size "$s" threads=2 "data.image_size=$s"; done
for t in 1 2; do point threads "$t" "threads=$t"; done
point precision bf16 threads=2 --precision bf16
