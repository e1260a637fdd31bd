#!/usr/bin/env bash
# `expt export --onnx` on two one-epoch Fashion-MNIST runs (the network of
# configs/fashion_dropout.yaml, and batch_norm_net.yaml's), checked by one outside tool:
#   checker      ONNX's checker (full_check) and strict shape inference (Debian's python3-onnx)
#   onnxruntime  ONNX Runtime under Node: logits equal `expt predict`'s on 100 test images
# Exits 77 (skipped) when the tool or the data set is missing.
set -euo pipefail
expt=$1 here=$2 mode=$3 fashion_config=$4 write_pngs=$5 ort_package=$6
data=/usr/share/datasets/fashion-mnist
skip() { echo "skipped: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
[[ -f $data/t10k-images-idx3-ubyte.gz ]] || skip "$data is absent (Debian's dataset-fashion-mnist)"
case $mode in
  checker)
    /usr/bin/python3 -c "import onnx" 2>/dev/null || skip "python3-onnx is not installed (scripts/bootstrap --tests)" ;;
  onnxruntime)
    command -v node >/dev/null || skip "node is not installed (scripts/bootstrap --tests installs nodejs)"
    [[ -f $ort_package/package.json ]] || skip "$ort_package is absent (scripts/bootstrap --tests installs it)" ;;
  *) fail "unknown mode $mode" ;;
esac
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$expt" run "$fashion_config" data.limit_train=600 data.limit_test=100 training.epochs=1 tensorboard.enabled=false \
  results_dir="$work/results" --quiet >/dev/null
"$expt" run "$here/batch_norm_net.yaml" results_dir="$work/results" --quiet >/dev/null
[[ $mode == onnxruntime ]] &&
  /usr/bin/python3 "$write_pngs" "$data/t10k-images-idx3-ubyte.gz" "$data/t10k-labels-idx1-ubyte.gz" 100 "$work/png"

declare -A ops=(
  [fashion_dropout]=Sub,Mul,Conv,Relu,MaxPool,Flatten,Gemm
  [export_batch_norm]=Conv,BatchNormalization,Relu,AveragePool,Sum,LeakyRelu,Erf,MaxPool,Sigmoid,Elu,GlobalAveragePool,Gemm,Tanh
)
for name in fashion_dropout export_batch_norm; do
  run=$(echo "$work/results/$name"/*)
  model="$work/out/$name.onnx"
  mkdir -p "$work/out"
  "$expt" export "$run" --onnx "$model" >/dev/null
  # Written atomically: the model and nothing else.
  [[ $(ls -A "$work/out" | grep -c "$name") == 1 ]] || fail "leftover files beside $model: $(ls -A "$work/out")"
  if [[ $mode == checker ]]; then
    /usr/bin/python3 "$here/onnx_check.py" "$model" 1 28 28 10 "${ops[$name]}"
  else
    "$expt" predict "$run" "$work/png" --json >"$work/$name.json"
    node "$here/ort_compare.js" "$ort_package" "$model" "$data/t10k-images-idx3-ubyte.gz" "$work/$name.json" 100
  fi
done

# A run folder without a checkpoint is refused, naming it, with exit 8; nothing is written.
mkdir -p "$work/not-a-run"
status=0
"$expt" export "$work/not-a-run" --onnx "$work/none.onnx" 2>"$work/err" || status=$?
[[ $status == 8 ]] && grep -q "not-a-run" "$work/err" || fail "no checkpoint: exit $status: $(cat "$work/err")"
[[ ! -e $work/none.onnx ]] || fail "a model was written without a checkpoint"
echo "export ($mode): ok"
