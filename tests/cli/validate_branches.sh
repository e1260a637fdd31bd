#!/usr/bin/env bash
# `expt validate` shows what each layer reads where it is not the layer above it.
set -uo pipefail
expt=$1 config=$2
fail() { echo "FAIL: $*"; exit 1; }

layers="model.layers=[{type: conv2d, name: conv1, filters: 4, kernel: 3, activation: relu},
  {type: conv2d, name: conv2, filters: 4, kernel: 3}, {type: conv2d, name: short, input: input, filters: 4, kernel: 1},
  {type: add, name: join, inputs: [conv1, conv2, short]}, {type: dense, name: logits, units: classes}]"
out=$("$expt" validate "$config" "$layers" --no-backend-check 2>&1) || fail "validate failed: $out"
grep -A1 "^short " <<<"$out" | grep -q "^  <- input$" || fail "the shortcut's input is not shown: $out"
grep -A1 "^join " <<<"$out" | grep -q "^  <- conv1 + conv2 + short$" || fail "the add's inputs are not shown: $out"
grep -A1 "^conv2 " <<<"$out" | grep -q "<-" && fail "a layer reading the layer above shows an input line: $out"
echo "validate shows the branches"
