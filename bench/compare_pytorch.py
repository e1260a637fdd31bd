#!/usr/bin/python3
"""Time the same network, batch and thread count in PyTorch and in `expt bench`, in one go.

    bench/compare_pytorch.py configs/pets_dropout.yaml --threads 2
    bench/compare_pytorch.py configs/fashion_dropout.yaml --threads 2 --epoch
    bench/compare_pytorch.py configs/fashion_batchnorm.yaml --threads 2 --channels-last
    bench/compare_pytorch.py configs/fashion_resnet.yaml --threads 2 --channels-last

Runs `expt bench CONFIG --json` first (it reports the input shape and classes it planned, on
synthetic data when the data set is absent), then builds the config's layers, branches and adds included, in PyTorch
(Debian's python3-torch, torch.set_num_threads) with the same optimizer and times training
steps on random input of that shape, in PyTorch's default contiguous (NCHW) memory format or,
with --channels-last, in channels_last (NHWC) for the model and the input. Prints both medians and their ratio; with --epoch also the
time for one epoch over --epoch-images images (60,000 for Fashion-MNIST), estimated for both as
steps per epoch x median step time (data loading and evaluation not included).
Use /usr/bin/python3: Debian's torch is built for it.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import torch
import yaml


def pair(value):
    """A config size: n or [h, w]."""
    return (value, value) if isinstance(value, int) else tuple(value)


def same_padding(size, kernel, stride):
    """TensorFlow's `same` padding of one dimension: (before, after), the odd pixel after."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def window(layer, h, w, kernel, stride):
    """The pad module (or None) and output size of a conv or pool window with the layer's
    padding, which defaults to `same` for conv2d and `valid` for the pools."""
    default = "same" if layer["type"] == "conv2d" else "valid"
    if layer.get("padding", default) == "valid":
        return None, (h - kernel[0]) // stride[0] + 1, (w - kernel[1]) // stride[1] + 1
    top, bottom = same_padding(h, kernel[0], stride[0])
    left, right = same_padding(w, kernel[1], stride[1])
    return (left, right, top, bottom), -(-h // stride[0]), -(-w // stride[1])


def activation_module(name, alpha=None):
    """The config's activation as a torch module, with its alpha (PyTorch's default when absent)."""
    if name == "relu":
        return torch.nn.ReLU()
    if name == "leaky_relu":
        return torch.nn.LeakyReLU(0.01 if alpha is None else alpha)
    if name == "elu":
        return torch.nn.ELU(1.0 if alpha is None else alpha)
    return {"gelu": torch.nn.GELU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid, "silu": torch.nn.SiLU}[name]()


ACTIVATIONS = ("relu", "leaky_relu", "elu", "gelu", "tanh", "sigmoid", "silu")


def layer_modules(layer, shape, classes):
    """One config layer as torch modules, given the (c, h, w, flat) shape it reads; returns the
    modules and the shape it writes."""
    kind = layer["type"]
    (c, h, w, flat), modules = shape, []
    if kind == "conv2d":
        kernel, stride = pair(layer.get("kernel", 3)), pair(layer.get("stride", 1))
        pads, h, w = window(layer, h, w, kernel, stride)
        if pads and any(pads):
            modules.append(torch.nn.ZeroPad2d(pads))
        modules.append(torch.nn.Conv2d(c, layer["filters"], kernel, stride=stride, bias=layer.get("use_bias", True)))
        c = layer["filters"]
    elif kind in ("max_pool", "avg_pool"):
        kernel = pair(layer.get("size", 2))
        stride = pair(layer.get("stride", layer.get("size", 2)))
        pads, h, w = window(layer, h, w, kernel, stride)
        if pads and any(pads):
            modules.append(torch.nn.ConstantPad2d(pads, float("-inf") if kind == "max_pool" else 0.0))
        pool = torch.nn.MaxPool2d if kind == "max_pool" else torch.nn.AvgPool2d
        modules.append(pool(kernel, stride=stride))
    elif kind == "global_avg_pool":
        modules += [torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten()]
        h, w, flat = 1, 1, True
    elif kind == "dropout":
        modules.append(torch.nn.Dropout(layer["rate"]))
    elif kind == "spatial_dropout":
        modules.append(torch.nn.Dropout2d(layer["rate"]))
    elif kind == "batch_norm":
        norm = torch.nn.BatchNorm1d if flat else torch.nn.BatchNorm2d
        modules.append(norm(c, eps=layer.get("epsilon", 1e-5), momentum=layer.get("momentum", 0.1)))
    elif kind == "flatten":
        modules.append(torch.nn.Flatten())
        c, h, w, flat = c * h * w, 1, 1, True
    elif kind == "dense":
        if not flat:
            modules.append(torch.nn.Flatten())
            c, h, w, flat = c * h * w, 1, 1, True
        units = classes if layer["units"] == "classes" else layer["units"]
        modules.append(torch.nn.Linear(c, units, bias=layer.get("use_bias", True)))
        c = units
    elif kind in ACTIVATIONS:
        modules.append(activation_module(kind, layer.get("alpha")))
    elif kind != "add":  # add sums its inputs in GraphModel.forward
        sys.exit(f"compare_pytorch: no PyTorch mapping for layer type {kind}")
    if layer.get("activation", "none") != "none":
        modules.append(activation_module(layer["activation"], layer.get("activation_alpha")))
    return modules, (c, h, w, flat)


class GraphModel(torch.nn.Module):
    """The config's model.layers as torch modules (PyTorch's layouts and defaults), wired as expt
    wires them: each layer reads the previous one, or the layer its `input` names (`input` for
    the network's input), and an `add` sums the layers its `inputs` name. The shapes, the work per
    layer and the padding follow expt's (TensorFlow's asymmetric `same` padding as an explicit pad
    module); the weights are PyTorch's defaults, which timing does not depend on."""

    def __init__(self, layers, input_shape, classes):
        super().__init__()
        index, counts = {"input": -1}, {}
        shapes = {-1: (*input_shape, False)}
        self.stages, self.sources = torch.nn.ModuleList(), []
        for i, layer in enumerate(layers):
            counts[layer["type"]] = counts.get(layer["type"], 0) + 1
            name = layer.get("name", f"{layer['type']}_{counts[layer['type']]}")
            if layer["type"] == "add":
                sources = [index[n] for n in layer["inputs"]]
            else:
                sources = [index[layer["input"]] if "input" in layer else i - 1]
            modules, shapes[i] = layer_modules(layer, shapes[sources[0]], classes)
            self.stages.append(torch.nn.Sequential(*modules))
            self.sources.append(sources)
            index[name] = i

    def forward(self, x):
        outputs = {-1: x}
        for i, (stage, sources) in enumerate(zip(self.stages, self.sources)):
            first = outputs[sources[0]]
            for other in sources[1:]:
                first = first + outputs[other]
            outputs[i] = stage(first)
        return outputs[len(self.stages) - 1]


def torch_optimizer(config, params):
    opt = config.get("training", {}).get("optimizer", {"type": "adam", "learning_rate": 1e-3})
    lr = float(opt.get("learning_rate", 1e-3))
    kind = opt.get("type", "adam")
    if kind == "adam":
        return torch.optim.Adam(params, lr=lr)
    if kind == "adamw":
        return torch.optim.AdamW(params, lr=lr)
    if kind == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=float(opt.get("momentum", 0.9)))
    return torch.optim.SGD(params, lr=lr)


def time_torch(model, optimizer, batch, input_shape, classes, steps, warmup, bf16, channels_last):
    x = torch.randn(batch, *input_shape)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, classes, (batch,))
    loss_fn = torch.nn.CrossEntropyLoss()
    model.train()
    times = []
    for i in range(warmup + steps):
        start = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        if i >= warmup:
            times.append(1000.0 * (time.perf_counter() - start))
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("config")
    parser.add_argument("overrides", nargs="*", help="key.path=value, passed to expt bench")
    parser.add_argument("--expt", default=os.path.join(os.path.dirname(__file__), "..", "build", "expt"))
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--batch", type=int, default=0, help="default: the config's training.batch_size")
    parser.add_argument("--steps", type=int, default=10, help="timed expt steps")
    parser.add_argument("--torch-steps", type=int, default=5, help="timed PyTorch steps (slower)")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--precision", default="fp32", choices=["fp32", "bf16"],
                        help="bf16: expt precision=bf16; PyTorch autocast to bfloat16")
    parser.add_argument("--channels-last", action="store_true",
                        help="PyTorch's model and input in the channels_last (NHWC) memory format")
    parser.add_argument("--epoch", action="store_true", help="also estimate one epoch's time")
    parser.add_argument("--epoch-images", type=int, default=60000)
    args = parser.parse_args()

    command = [args.expt, "bench", args.config, *args.overrides, f"threads={args.threads}", "--json",
               "--steps", str(args.steps), "--warmup", str(args.warmup), "--precision", args.precision]
    if args.batch:
        command += ["--batch", str(args.batch)]
    expt = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
    batch, input_shape, classes = expt["batch"], tuple(expt["input"]), expt["classes"]

    with open(args.config) as f:
        config = yaml.safe_load(f)
    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    model = GraphModel(config["model"]["layers"], input_shape, classes)
    if args.channels_last:
        model = model.to(memory_format=torch.channels_last)
    optimizer = torch_optimizer(config, model.parameters())
    torch_ms = time_torch(model, optimizer, batch, input_shape, classes, args.torch_steps, args.warmup,
                          args.precision == "bf16", args.channels_last)

    expt_median, torch_median = expt["step_ms"]["median"], statistics.median(torch_ms)
    layout = "channels_last" if args.channels_last else "contiguous (NCHW)"
    print(f"{expt['config']}: batch {batch}, input {'x'.join(map(str, input_shape))}, {classes} classes, "
          f"{args.threads} threads, {args.precision}, PyTorch layout {layout}; "
          f"load average {expt['machine']['load_average']:.2f}")
    paths = expt.get("code_paths", {})
    if paths:
        print("  expt code paths: " + ", ".join(f"{what} {choice}" for what, choice in paths.items()))
    if expt["data_note"]:
        print(f"  expt data: {expt['data_note'][:160]}")
    print(f"  expt bench   median {expt_median:9.1f} ms/step (min {expt['step_ms']['min']:.1f}, "
          f"max {expt['step_ms']['max']:.1f}, {args.steps} steps)")
    print(f"  PyTorch {torch.__version__} median {torch_median:9.1f} ms/step (min {min(torch_ms):.1f}, "
          f"max {max(torch_ms):.1f}, {args.torch_steps} steps)")
    print(f"  speed-up     {torch_median / expt_median:9.2f}x")
    result = {"config": expt["config"], "batch": batch, "threads": args.threads, "precision": args.precision,
              "torch_channels_last": args.channels_last,
              "expt_median_ms": expt_median, "torch_median_ms": torch_median,
              "speedup": torch_median / expt_median, "load_average": expt["machine"]["load_average"],
              "expt_code_paths": paths}
    if args.epoch:
        steps = args.epoch_images // batch
        expt_s, torch_s = steps * expt_median / 1000.0, steps * torch_median / 1000.0
        print(f"  one epoch ({args.epoch_images} images, {steps} steps x median step): expt {expt_s:.1f} s, "
              f"PyTorch {torch_s:.1f} s, {torch_s / expt_s:.2f}x")
        result.update({"epoch_steps": steps, "expt_epoch_s": expt_s, "torch_epoch_s": torch_s})
    print(json.dumps(result))


if __name__ == "__main__":
    main()
