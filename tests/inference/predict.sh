#!/usr/bin/env bash
# `expt predict` on a one-epoch Fashion-MNIST run: top-k lines and their probabilities, PNG files
# and a folder of them giving exactly the IDX path's predictions, `--dataset test` giving the
# run report's final test accuracy, unreadable files reported, skipped, with exit 4; and an
# image folder run with its folder names as classes and its held-out split.
set -euo pipefail
expt=$1 here=$2 config=$3
data=/usr/share/datasets/fashion-mnist
if [[ ! -f $data/t10k-images-idx3-ubyte.gz ]]; then
  echo "skipped: $data is absent (Debian's dataset-fashion-mnist; scripts/bootstrap installs it)"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
py() { /usr/bin/python3 "$@"; }

"$expt" run "$config" data.limit_train=600 data.limit_test=300 training.epochs=1 tensorboard.enabled=false \
  results_dir="$work/results" --quiet >/dev/null
run=$(echo "$work"/results/fashion_dropout/*)
names=$(py -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["data"]["class_names"]))' "$run/report.json")

# The run's 300 test images as PNGs named <index>-<label>.png, five of them in a subfolder.
py "$here/write_pngs.py" "$data/t10k-images-idx3-ubyte.gz" "$data/t10k-labels-idx1-ubyte.gz" 300 "$work/png"
mkdir "$work/png/sub"
mv "$work"/png/0000[0-4]-*.png "$work/png/sub/"

# Text: one line per file, `<file>: <class> <p> ...`, k classes, probabilities not increasing.
"$expt" predict "$run" "$work"/png/sub/00000-*.png "$work"/png/sub/00001-*.png --top-k 3 >"$work/text"
[[ $(wc -l <"$work/text") == 2 ]] || fail "expected 2 lines: $(cat "$work/text")"
py - "$work/text" "$names" <<'PY'
import json, sys
names = json.loads(sys.argv[2])
for line in open(sys.argv[1]):
    fields = line.split(': ', 1)[1].split()
    assert len(fields) == 6, line
    classes, probs = fields[0::2], [float(p) for p in fields[1::2]]
    assert all(c in names for c in classes) and len(set(classes)) == 3, line
    assert probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1.0005, line
PY

# JSON over the folder (subfolder included): every PNG, top-k consistent with the logits.
"$expt" predict "$run" "$work/png" --top-k 4 --json >"$work/files.json"
[[ $(py -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["predictions"]))' "$work/files.json") == 300 ]] ||
  fail "the folder did not give 300 predictions"
png_correct=$(py "$here/check_predictions.py" "$work/files.json" 4 "$names")
# A run folder means its best checkpoint.
py -c 'import json,sys; c = json.load(open(sys.argv[1]))["checkpoint"]; assert c.endswith("checkpoints/best.safetensors"), c' \
  "$work/files.json"

# The test split through the last checkpoint: the report's final test accuracy, and the same
# correct count as the PNGs of the same images.
"$expt" predict "$run/checkpoints/last.safetensors" --dataset test --json >"$work/test.json"
py - "$work/test.json" "$run/report.json" "$png_correct" <<'PY'
import json, sys
test, report, png_correct = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), int(sys.argv[3])
assert test['examples'] == 300, test['examples']
assert test['accuracy'] == report["summary"]["final_test_accuracy"], (test['accuracy'], report["summary"]["final_test_accuracy"])
assert test['correct'] == png_correct, (test['correct'], png_correct)
confusion = test['confusion']
assert sum(map(sum, confusion)) == 300 and sum(confusion[i][i] for i in range(10)) == test['correct']
print(f"test split: accuracy {test['accuracy']} as the report; PNGs of the same images: {png_correct} correct")
PY
"$expt" predict "$run" --dataset test | grep -q "^confusion matrix" || fail "no confusion matrix in the text output"

# Unreadable files: reported on stderr, skipped, the others predicted, exit 4.
echo "not an image" >"$work/bad.png"
mkdir "$work/empty"
status=0
"$expt" predict "$run" "$work/bad.png" "$work"/png/00010-*.png "$work/missing.png" "$work/empty" \
  >"$work/out" 2>"$work/err" || status=$?
[[ $status == 4 ]] || fail "unreadable files: exit $status, expected 4"
[[ $(wc -l <"$work/out") == 1 ]] && grep -q "00010-" "$work/out" || fail "the readable file was not predicted: $(cat "$work/out")"
for skipped in bad.png missing.png empty; do
  grep -q "^skipped $work/$skipped: " "$work/err" || fail "$skipped not reported: $(cat "$work/err")"
done

# An image folder run: class names are the folder names, images of another size and channel
# count are decoded and resized as the data set's were, and --dataset test is its held-out split.
mkdir -p "$work/folder/trouser" "$work/folder/bag"
cp "$work"/png/*-1.png "$work/folder/trouser/"
cp "$work"/png/*-8.png "$work/folder/bag/"
cat >"$work/folder.yaml" <<YAML
name: predict_folder
seed: 3
backend: reference
data: {dataset: image_folder, root: $work/folder, image_size: [14, 14], channels: 3, test_fraction: 0.25, cache: false}
model:
  layers:
    - {type: conv2d, name: conv1, filters: 4, kernel: 3, activation: relu}
    - {type: max_pool, name: pool1}
    - {type: dense, name: logits, units: classes}
training: {epochs: 2, batch_size: 10, optimizer: {type: adam, learning_rate: 0.01}}
tensorboard: {enabled: false}
YAML
"$expt" run "$work/folder.yaml" results_dir="$work/results" --quiet >/dev/null
folder_run=$(echo "$work"/results/predict_folder/*)
"$expt" predict "$folder_run" "$work"/png/00010-*.png --top-k 2 >"$work/folder_text"
grep -Eq ": (bag|trouser) [0-9.]+ (bag|trouser) [0-9.]+$" "$work/folder_text" || fail "folder run: $(cat "$work/folder_text")"
"$expt" predict "$folder_run/checkpoints/last.safetensors" --dataset test --json >"$work/folder_test.json"
py - "$work/folder_test.json" "$folder_run/report.json" <<'PY'
import json, sys
test, report = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert test['class_names'] == ['bag', 'trouser'], test['class_names']
assert test['examples'] == report['data']['test_examples'], (test['examples'], report['data']['test_examples'])
assert test['accuracy'] == report['summary']['final_test_accuracy'], (test['accuracy'], report['summary'])
PY

# Neither images nor --dataset, or both: a usage error.
status=0; "$expt" predict "$run" >/dev/null 2>&1 || status=$?
[[ $status == 2 ]] || fail "no images: exit $status, expected 2"
status=0; "$expt" predict "$run/config.yaml" "$work/bad.png" >/dev/null 2>&1 || status=$?
[[ $status == 8 ]] || fail "not a checkpoint: exit $status, expected 8"
echo "predict: ok"
