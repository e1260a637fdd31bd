"""Rebuilds expt's test network in PyTorch from the step-0 checkpoint, runs one training step on
the same batch and compares the loss and every updated weight with expt's step-1 checkpoint,
then two more steps against expt's step-3 checkpoint, batch norm's running statistics included.
Networks trained with dropout on (spatialdrop) apply the masks expt drew at each step.

Tolerances: loss within 1e-5 relative; weights within 1e-5 absolute + 1e-4 relative (float32
sums in different orders); 5e-5 absolute after three Adam steps with dropout masks. Adam's first step moves every weight by about lr, so a wrong
gradient sign or a missing bias correction shows up far above these.
"""
import json
import struct
import sys

import torch
import torch.nn.functional as F


def load_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        dtype = {"F32": torch.float32, "I32": torch.int32}[entry["dtype"]]
        raw = bytearray(data[8 + n + begin:8 + n + end])
        tensors[name] = torch.frombuffer(raw, dtype=dtype).reshape(entry["shape"]).clone()
    return tensors, meta


def same_pad(x, kernel, stride):
    """TensorFlow's `same`: total padding split with the extra pixel at the bottom/right."""
    pads = []
    for size, k, s in ((x.shape[3], kernel[1], stride[1]), (x.shape[2], kernel[0], stride[0])):
        out = -(-size // s)
        total = max((out - 1) * s + k - size, 0)
        pads += [total // 2, total - total // 2]
    return pads


def conv(p, name, x, kernel, stride=1):
    """A conv2d layer with `same` padding, its kernel [h, w] and stride as in the config, with or
    without bias."""
    x = F.pad(x, same_pad(x, kernel, (stride, stride)))
    return F.conv2d(x, p[f"{name}.weight"], p.get(f"{name}.bias"), stride=stride)


def dense(p, name, x):
    return F.linear(torch.flatten(x, 1), p[f"{name}.weight"], p.get(f"{name}.bias"))


# The networks of torch_step_dump.cpp, by name.
def seed_network(p, x):
    x = F.relu(conv(p, "conv1", x, (3, 3)))
    x = F.relu(conv(p, "conv2", x, (2, 3), 2))
    x = F.max_pool2d(F.pad(x, same_pad(x, (2, 2), (2, 2)), value=float("-inf")), 2, 2)
    x = F.relu(dense(p, "fc1", x))
    return dense(p, "logits", x)


def activations_network(p, x):
    x = F.leaky_relu(conv(p, "conv1", x, (3, 3)), 0.2)
    x = F.gelu(conv(p, "conv2", x, (2, 3), 2))
    x = F.elu(x, 0.5)
    x = F.silu(conv(p, "conv3", x, (1, 1)))
    x = torch.tanh(F.silu(x))
    x = F.adaptive_avg_pool2d(x, 1)
    x = torch.sigmoid(F.elu(dense(p, "fc1", x)))
    x = F.gelu(F.leaky_relu(torch.tanh(dense(p, "fc2", x))))
    x = F.relu(torch.sigmoid(dense(p, "fc3", x)))
    return dense(p, "logits", x)


def batch_norm(p, name, x, momentum=0.1, eps=1e-5):
    """Training-mode batch norm; F.batch_norm updates the running statistics in place, the
    counter is the module's job."""
    with torch.no_grad():
        p[f"{name}.num_batches_tracked"] += 1
    return F.batch_norm(x, p[f"{name}.running_mean"], p[f"{name}.running_var"], p[f"{name}.weight"],
                        p[f"{name}.bias"], training=True, momentum=momentum, eps=eps)


def batchnorm_network(p, x):
    x = F.relu(batch_norm(p, "bn1", conv(p, "conv1", x, (3, 3))))
    x = F.relu(batch_norm(p, "bn2", conv(p, "conv2", x, (2, 3), 2), 0.3, 1e-3))
    x = torch.tanh(batch_norm(p, "bn3", dense(p, "fc1", x)))
    return dense(p, "logits", x)


def spatial_dropout(x, kept, rate):
    """Dropout2d with the planes expt kept: kept is [n, C] of 1 and 0; the scale is 1 / (1 - rate)
    rounded once to float32, as expt rounds it."""
    scale = torch.tensor(1.0 / (1.0 - rate), dtype=torch.float32)
    return x * (kept[:, :, None, None] * scale)


def spatialdrop_network(p, x, kept):
    x = spatial_dropout(F.relu(conv(p, "conv1", x, (3, 3))), kept("sd1"), 0.4)
    x = spatial_dropout(F.relu(conv(p, "conv2", x, (2, 3), 2)), kept("sd2"), 0.5)
    x = F.relu(dense(p, "fc1", x))
    return dense(p, "logits", x)


NETWORKS = {"seed": seed_network, "activations": activations_network, "batchnorm": batchnorm_network,
            "spatialdrop": spatialdrop_network}
# Networks trained with dropout on: their forward also takes kept(layer), the mask expt drew for
# that layer at the current step (masks.safetensors).
MASKED = {"spatialdrop"}
STATE = ("running_mean", "running_var", "num_batches_tracked")


def compare(params, expected, what, absolute=1e-5):
    worst = 0.0
    for name, value in params.items():
        diff = (value.detach() - expected[name]).abs()
        limit = absolute + 1e-4 * value.detach().abs()
        assert bool((diff <= limit).all()), f"{what}: {name}: max difference {diff.max().item():.3g}"
        worst = max(worst, diff.max().item())
    return worst


def main():
    folder, network, optimizer, backend = sys.argv[1:5]
    forward = NETWORKS[network]
    params, _ = load_safetensors(f"{folder}/step0.safetensors")
    batch, _ = load_safetensors(f"{folder}/batch.safetensors")
    expected, meta = load_safetensors(f"{folder}/step1.safetensors")
    after_three, _ = load_safetensors(f"{folder}/step3.safetensors")
    lr = float(meta["learning_rate"])
    trained = [t for name, t in params.items() if not name.endswith(STATE)]
    for t in trained:
        t.requires_grad_(True)
    opt = (torch.optim.SGD if optimizer == "sgd" else torch.optim.Adam)(trained, lr=lr)
    masks = load_safetensors(f"{folder}/masks.safetensors")[0] if network in MASKED else {}
    steps_taken = [0]

    def kept(layer):
        return masks[f"{layer}.step{steps_taken[0]}"]

    def step():
        logits = forward(params, batch["images"], kept) if network in MASKED else forward(params, batch["images"])
        steps_taken[0] += 1
        loss = F.cross_entropy(logits, batch["labels"].long())
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    loss = step()
    expt_loss = float(meta["loss"])
    assert abs(loss.item() - expt_loss) <= 1e-5 * abs(loss.item()), f"loss: torch {loss.item()} expt {expt_loss}"
    worst = compare(params, expected, "step 1")
    step()
    step()
    # Adam steps by lr * m / sqrt(v): where dropped channels leave a weight's gradient near zero,
    # its float rounding becomes a visible part of the step. With masks, three steps apart by up
    # to 1.6e-5 (fc1.weight, reference backend), so that check allows 5e-5.
    masked_adam = network in MASKED and optimizer == "adam"
    worst = max(worst, compare(params, after_three, "step 3", 5e-5 if masked_adam else 1e-5))
    print(f"{network}/{backend}/{optimizer}: loss {expt_loss:.6f} matches torch {loss.item():.6f}; "
          f"{len(params)} tensors match after 1 and 3 steps, max |diff| {worst:.2e}")


if __name__ == "__main__":
    main()
