#!/usr/bin/python3
"""Time the same network, batch and thread count in PyTorch and in `expt bench`, in one go.

    bench/compare_pytorch.py configs/pets_dropout.yaml --threads 2
    bench/compare_pytorch.py configs/fashion_dropout.yaml --threads 2 --epoch

Runs `expt bench CONFIG --json` first (it reports the input shape and classes it planned, on
synthetic data when the data set is absent), then builds the config's layer stack in PyTorch
(Debian's python3-torch, torch.set_num_threads) with the same optimizer and times training
steps on random input of that shape. Prints both medians and their ratio; with --epoch also the
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


def build_torch_model(layers, input_shape, classes):
    """The config's model.layers as torch modules (PyTorch's layouts and defaults)."""
    modules, (c, h, w) = [], input_shape
    for layer in layers:
        kind = layer["type"]
        if kind == "conv2d":
            k = layer.get("kernel", 3)
            stride = layer.get("stride", 1)
            if layer.get("padding", "valid") == "same":
                if stride != 1 or k % 2 == 0:
                    sys.exit(f"compare_pytorch: layer {layer.get('name')}: only odd kernels at stride 1 map 'same' padding")
                pad = k // 2
            else:
                pad = 0
            modules.append(torch.nn.Conv2d(c, layer["filters"], k, stride=stride, padding=pad))
            c, h, w = layer["filters"], (h + 2 * pad - k) // stride + 1, (w + 2 * pad - k) // stride + 1
        elif kind in ("max_pool", "avg_pool"):
            size = layer.get("size", 2)
            stride = layer.get("stride", size)
            pool = torch.nn.MaxPool2d if kind == "max_pool" else torch.nn.AvgPool2d
            modules.append(pool(size, stride=stride, ceil_mode=True))
            h, w = -(-(h - size) // stride) + 1, -(-(w - size) // stride) + 1
        elif kind == "dropout":
            modules.append(torch.nn.Dropout(layer["rate"]))
        elif kind == "flatten":
            modules.append(torch.nn.Flatten())
            c, h, w = c * h * w, 1, 1
        elif kind == "dense":
            if h * w != 1 or not any(isinstance(m, torch.nn.Flatten) for m in modules):
                modules.append(torch.nn.Flatten())
                c, h, w = c * h * w, 1, 1
            units = classes if layer["units"] == "classes" else layer["units"]
            modules.append(torch.nn.Linear(c, units))
            c = units
        elif kind == "relu":
            modules.append(torch.nn.ReLU())
            continue
        else:
            sys.exit(f"compare_pytorch: no PyTorch mapping for layer type {kind}")
        if layer.get("activation") == "relu":
            modules.append(torch.nn.ReLU())
    return torch.nn.Sequential(*modules)


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


def time_torch(model, optimizer, batch, input_shape, classes, steps, warmup, bf16):
    x = torch.randn(batch, *input_shape)
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
    model = build_torch_model(config["model"]["layers"], input_shape, classes)
    optimizer = torch_optimizer(config, model.parameters())
    torch_ms = time_torch(model, optimizer, batch, input_shape, classes, args.torch_steps, args.warmup,
                          args.precision == "bf16")

    expt_median, torch_median = expt["step_ms"]["median"], statistics.median(torch_ms)
    print(f"{expt['config']}: batch {batch}, input {'x'.join(map(str, input_shape))}, {classes} classes, "
          f"{args.threads} threads, {args.precision}; load average {expt['machine']['load_average']:.2f}")
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
