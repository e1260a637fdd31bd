#!/usr/bin/env python3
"""Checks `expt predict --json` output: per file, the top-k classes are the k largest logits,
most probable first, with softmax probabilities and the run's class names; prints the number of
files whose top class is the label in the file name (<index>-<label>.png).

Usage: check_predictions.py PREDICT_JSON TOP_K CLASS_NAMES_JSON
"""
import json
import math
import pathlib
import sys

result = json.load(open(sys.argv[1]))
top_k = int(sys.argv[2])
names = json.loads(sys.argv[3])
correct = 0
for p in result['predictions']:
    logits = p['logits']
    assert len(logits) == len(names), p['file']
    largest = max(logits)
    exps = [math.exp(v - largest) for v in logits]
    probs = [e / sum(exps) for e in exps]
    ranked = sorted(range(len(logits)), key=lambda i: -probs[i])[:top_k]
    assert [t['label'] for t in p['top']] == ranked, (p['file'], p['top'], ranked)
    for t in p['top']:
        assert t['class'] == names[t['label']], t
        assert abs(t['probability'] - probs[t['label']]) < 1e-9, (t, probs[t['label']])
    label = int(pathlib.Path(p['file']).stem.split('-')[1])
    correct += ranked[0] == label
print(correct)
