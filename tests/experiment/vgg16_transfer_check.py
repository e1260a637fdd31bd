#!/usr/bin/python3
"""torchvision's vgg16() with random weights, converted by scripts/torchvision_to_safetensors.py,
loaded into expt through model.init_from: expt's logits on fp32_strict must be torchvision's
within 1e-4 of their largest magnitude (eval mode, dropout off), on two 224x224 images.

Usage: vgg16_transfer_check.py INIT_FROM_LOGITS CONVERTER [BACKEND]. Exits 77 (skipped) without
torch or torchvision.
"""
import importlib.util
import os
import subprocess
import sys
import tempfile

try:
    import torch
    import torchvision
except ImportError as e:
    print(f"skipped: {e.name} is not installed (scripts/bootstrap --tests installs python3-torchvision)")
    sys.exit(77)

tool, converter_path = sys.argv[1], sys.argv[2]
backend = sys.argv[3] if len(sys.argv) > 3 else "onednn"
spec = importlib.util.spec_from_file_location("converter", converter_path)
converter = importlib.util.module_from_spec(spec)
spec.loader.exec_module(converter)

BLOCKS = [(1, 64, 2), (2, 128, 2), (3, 256, 3), (4, 512, 3), (5, 512, 3)]


def config(weights, results):
    layers = []
    for block, filters, convs in BLOCKS:
        for k in range(1, convs + 1):
            layers.append(f"{{type: conv2d, name: conv{block}_{k}, filters: {filters}, kernel: 3, padding: same, "
                          "activation: relu}")
        layers.append(f"{{type: max_pool, name: pool{block}, size: 2}}")
    layers += ["{type: flatten}",
               "{type: dense, name: fc6, units: 4096, activation: relu}", "{type: dropout, rate: 0.5}",
               "{type: dense, name: fc7, units: 4096, activation: relu}", "{type: dropout, rate: 0.5}",
               "{type: dense, name: fc8, units: classes}"]
    return f"""name: vgg16_check
backend: {backend}
precision: fp32_strict
results_dir: {results}
data: {{dataset: synthetic, image_size: 224, channels: 3, synthetic: {{classes: 1000, train: 2, test: 2}}}}
model:
  layers:
""" + "".join(f"    - {line}\n" for line in layers) + f"""  init_from: {{path: {weights}}}
training: {{batch_size: 2, optimizer: {{type: sgd, learning_rate: 0.01}}}}
"""


def main():
    torch.manual_seed(1)
    model = torchvision.models.vgg16(weights=None).eval()
    images = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        expected = model(images)
    with tempfile.TemporaryDirectory() as work:
        weights = os.path.join(work, "vgg16.safetensors")
        converter.write_safetensors(weights, converter.expt_names(model))
        converter.write_safetensors(os.path.join(work, "input.safetensors"), [("images", images)])
        with open(os.path.join(work, "vgg16.yaml"), "w") as f:
            f.write(config(weights, os.path.join(work, "results")))
        output = os.path.join(work, "logits.safetensors")
        subprocess.run([tool, os.path.join(work, "vgg16.yaml"), os.path.join(work, "input.safetensors"), output],
                       check=True)
        got = read_logits(output)
    scale = expected.abs().max().item()
    worst = (got - expected).abs().max().item()
    print(f"vgg16 on {backend}: largest |logit| {scale:.4g}, largest difference {worst:.3g} "
          f"({worst / scale:.2e} of it)")
    if not worst <= 1e-4 * scale:
        sys.exit("expt's logits differ from torchvision's by more than 1e-4 of their largest magnitude")


def read_logits(path):
    import json
    import struct
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    entry = header["logits"]
    begin, end = entry["data_offsets"]
    values = torch.frombuffer(bytearray(data[begin:end]), dtype=torch.float32)
    return values.reshape(entry["shape"])


if __name__ == "__main__":
    main()
