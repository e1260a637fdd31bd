#!/usr/bin/env python3
"""ONNX's own checker (Debian's python3-onnx) on a model written by `expt export --onnx`: the
full check, strict shape inference, and the form expt promises (docs/cli.md): input `pixels`
[batch, C, H, W] and output `logits` [batch, classes] with a symbolic batch dimension, opset 17,
no Dropout, explicit pads, activations as their own nodes.

Usage: onnx_check.py MODEL.onnx C H W CLASSES EXPECTED_OPS
  EXPECTED_OPS: comma-separated op types that must each appear at least once
Exits 77 when python3-onnx is missing.
"""
import sys

try:
    import onnx
    import onnx.shape_inference
except ImportError:
    print('skipped: python3-onnx is not installed (scripts/bootstrap --tests installs it)')
    sys.exit(77)

path, c, h, w, classes = sys.argv[1], *map(int, sys.argv[2:6])
expected_ops = set(sys.argv[6].split(','))
model = onnx.load(path)
onnx.checker.check_model(model, full_check=True)
inferred = onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)


def dims(value):
    return [d.dim_param or d.dim_value for d in value.type.tensor_type.shape.dim]


assert [o.version for o in model.opset_import] == [17], model.opset_import
(inp,), (out,) = model.graph.input, model.graph.output
assert inp.name == 'pixels' and dims(inp) == ['batch', c, h, w], dims(inp)
assert out.name == 'logits' and dims(out) == ['batch', classes], dims(out)
(inferred_out,) = inferred.graph.output
assert dims(inferred_out) == ['batch', classes], dims(inferred_out)
ops = [n.op_type for n in model.graph.node]
assert 'Dropout' not in ops, ops
assert expected_ops <= set(ops), (expected_ops - set(ops), ops)
for node in model.graph.node:
    attrs = {a.name: a for a in node.attribute}
    assert 'auto_pad' not in attrs, node.name
    if node.op_type in ('Conv', 'MaxPool', 'AveragePool'):
        assert len(attrs['pads'].ints) == 4, node.name
    if node.op_type == 'BatchNormalization':
        assert not any(a.name == 'training_mode' and a.i for a in node.attribute), node.name
print(f'{path}: checker and shape inference pass; {len(ops)} nodes: {sorted(set(ops))}')
