#!/usr/bin/env bash
# For each test network, every built CPU backend and SGD and Adam: one expt training step
# against PyTorch.
set -euo pipefail
dump=$1 check=$2
if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
  echo "skipped: python3-torch is not installed (scripts/bootstrap --tests installs it)"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for network in seed activations batchnorm residual spatialdrop; do
  for backend in reference onednn; do
    for optimizer in sgd adam; do
      dir="$work/$network-$backend-$optimizer"
      mkdir -p "$dir"
      if ! "$dump" "$network" "$backend" "$optimizer" "$dir" 2>"$dir/err"; then
        if grep -q "cannot run here\|unknown backend" "$dir/err"; then echo "$backend: not in this build"; continue; fi
        cat "$dir/err"; exit 1
      fi
      /usr/bin/python3 "$check" "$dir" "$network" "$optimizer" "$backend"
    done
  done
done
