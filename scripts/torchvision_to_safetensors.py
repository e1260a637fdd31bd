#!/usr/bin/python3
"""Writes a torchvision VGG's weights as a safetensors file with expt's tensor names.

  scripts/torchvision_to_safetensors.py vgg16 vgg16.safetensors              # ImageNet weights (downloads once)
  scripts/torchvision_to_safetensors.py vgg16 vgg16_random.safetensors --random   # no download

Names follow the VGG paper's layers, which configs/pets_vgg16_transfer.yaml uses:
  features.<i> (Conv2d)       -> conv<block>_<k>.weight / .bias  (block counts max pools, from 1)
  features.<i> (BatchNorm2d)  -> bn<block>_<k>.weight / .bias / .running_mean / .running_var /
                                 .num_batches_tracked (as float32, as expt stores it)
  classifier.<i> (Linear)     -> fc6, fc7, fc8 .weight / .bias
PyTorch's layouts are expt's (conv [out, in, kh, kw], dense [out, in], flattening C, H, W), so
tensors are copied as they are. The file is written by hand (an 8-byte little-endian header
length, a JSON header, the raw little-endian float32 data), since Debian has no safetensors
package; a temporary file renamed into place, so a killed run leaves no half-written file.
"""
import argparse
import json
import os
import struct
import sys
import tempfile

import torch
import torchvision


def expt_names(model):
    """(expt name, tensor) for every tensor of a torchvision VGG's state dict."""
    block, k = 1, 0
    names = {}
    for i, module in enumerate(model.features):
        if isinstance(module, torch.nn.MaxPool2d):
            block, k = block + 1, 0
        elif isinstance(module, torch.nn.Conv2d):
            k += 1
            names[f"features.{i}."] = f"conv{block}_{k}."
        elif isinstance(module, torch.nn.BatchNorm2d):
            names[f"features.{i}."] = f"bn{block}_{k}."
    fc = 6
    for i, module in enumerate(model.classifier):
        if isinstance(module, torch.nn.Linear):
            names[f"classifier.{i}."] = f"fc{fc}."
            fc += 1
    out = []
    for name, tensor in model.state_dict().items():
        prefix = name[: name.rindex(".") + 1]
        if prefix not in names:
            sys.exit(f"torchvision_to_safetensors: no expt name for {name}")
        out.append((names[prefix] + name[len(prefix):], tensor))
    return out


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, tensor in tensors:
        data = tensor.detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensor.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # the data starts 8-byte aligned
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".tmp-")
    umask = os.umask(0)
    os.umask(umask)
    os.fchmod(fd, 0o666 & ~umask)  # mkstemp's 0600 would keep the weights from other users
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(struct.pack("<Q", len(text)))
            f.write(text)
            for blob in blobs:
                f.write(blob)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model", help="a torchvision VGG: vgg11, vgg13, vgg16, vgg19 or their _bn variants")
    parser.add_argument("output", help="the .safetensors file to write")
    parser.add_argument("--random", action="store_true",
                        help="torchvision's random initialization instead of the ImageNet weights (no download)")
    parser.add_argument("--seed", type=int, default=0, help="with --random: torch's seed")
    args = parser.parse_args()
    if not args.model.startswith("vgg") or not hasattr(torchvision.models, args.model):
        sys.exit(f"torchvision_to_safetensors: {args.model} is not a torchvision VGG")
    torch.manual_seed(args.seed)
    model = getattr(torchvision.models, args.model)(weights=None if args.random else "DEFAULT")
    tensors = expt_names(model)
    write_safetensors(args.output, tensors)
    print(f"wrote {args.output}: {len(tensors)} tensors of {args.model}")


if __name__ == "__main__":
    main()
