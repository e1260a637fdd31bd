#!/usr/bin/env bash
# A run whose disk fills up: exit 6 with a message naming the file and the cause, and what was
# already written stays whole: report.json parses, and the run resumes from its checkpoint on
# another disk. The full disk is a 128 KiB tmpfs, so this needs root with mount rights.
set -uo pipefail
expt=$1 config=$2
work=$(mktemp -d)
disk=$work/disk
mkdir -p "$disk"
cleanup() { umount "$disk" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

if ! why=$(mount -t tmpfs -o size=128k tmpfs "$disk" 2>&1); then
  echo "skipped: cannot mount a small tmpfs to fill up here: $why"
  exit 77
fi

# TensorBoard logs every step, so the event files outgrow any small disk.
out=$("$expt" run "$config" results_dir="$disk/r" training.epochs=30 training.log_every_steps=1 tensorboard.enabled=true \
  tensorboard.histograms_every_steps=1 tensorboard.images_every_steps=1 --quiet 2>&1); code=$?
[[ $code -eq 6 ]] || fail "full disk: exit $code, expected 6; output: $out"
grep -q "No space left on device" <<<"$out" || fail "full disk: the cause is not named: $out"
grep -q "$disk/r/" <<<"$out" || fail "full disk: the file is not named: $out"

run=$(ls -d "$disk"/r/*/*)
/usr/bin/python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); assert r["status"] in ("failed", "running"), r["status"]' \
  "$run/report.json" || fail "report.json is not whole after the disk filled up"
cp -r "$run" "$work/copy"
out=$("$expt" run --resume "$work/copy" --quiet 2>&1); code=$?
[[ $code -eq 0 ]] || fail "resume on another disk: exit $code: $out"
echo "a full disk fails the run with exit 6, naming the file; the run resumes elsewhere"
