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


def residual_network(p, x):
    x = F.relu(batch_norm(p, "bn1", conv(p, "conv1", x, (3, 3))))
    y = F.relu(batch_norm(p, "bn2", conv(p, "conv2", x, (3, 3))))
    x = F.relu(x + batch_norm(p, "bn3", conv(p, "conv3", y, (3, 3))))
    y = F.relu(conv(p, "conv4", x, (3, 3), 2)) + conv(p, "short", x, (1, 1), 2)
    return dense(p, "logits", F.adaptive_avg_pool2d(y, 1))


class SamePadConv(torch.nn.Conv2d):
    """nn.Conv2d with TensorFlow's `same` padding, which PyTorch's padding="same" lacks for stride 2."""

    def forward(self, x):
        return super().forward(F.pad(x, same_pad(x, self.kernel_size, self.stride)))


class BasicBlock(torch.nn.Module):
    """ResNet's basic block, as torchvision writes it."""

    def __init__(self, channels):
        super().__init__()
        self.conv1 = SamePadConv(channels, channels, 3, bias=False)
        self.bn1 = torch.nn.BatchNorm2d(channels)
        self.conv2 = SamePadConv(channels, channels, 3, bias=False)
        self.bn2 = torch.nn.BatchNorm2d(channels)

    def forward(self, x):
        return F.relu(x + self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x))))))


class ResidualModule(torch.nn.Module):
    """The residual network as torch.nn modules, whose state_dict keys are expt's names once the
    block's are flattened (conv2 = block.conv1, ...)."""

    def __init__(self, classes):
        super().__init__()
        self.conv1 = SamePadConv(3, 6, 3, bias=False)
        self.bn1 = torch.nn.BatchNorm2d(6)
        self.block = BasicBlock(6)
        self.conv4 = SamePadConv(6, 8, 3, stride=2)
        self.short = SamePadConv(6, 8, 1, stride=2)
        self.logits = torch.nn.Linear(8, classes)

    def forward(self, x):
        x = self.block(F.relu(self.bn1(self.conv1(x))))
        x = F.relu(self.conv4(x)) + self.short(x)
        return self.logits(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


# expt's layer names -> the module's, for the residual network's checkpoint.
RESIDUAL_NAMES = {"conv2": "block.conv1", "bn2": "block.bn1", "conv3": "block.conv2", "bn3": "block.bn2"}


def check_checkpoint_loads(folder, batch):
    """expt's checkpoint after three steps loads into ResidualModule with strict=True, and the
    module in eval mode gives expt's evaluation logits."""
    state, _ = load_safetensors(f"{folder}/step3.safetensors")
    renamed = {}
    for name, value in state.items():
        layer, _, leaf = name.rpartition(".")
        renamed[f"{RESIDUAL_NAMES.get(layer, layer)}.{leaf}"] = value
    want, _ = load_safetensors(f"{folder}/eval.safetensors")
    module = ResidualModule(want["logits"].shape[1])
    module.load_state_dict(renamed, strict=True)
    module.eval()
    with torch.no_grad():
        got = module(batch["images"])
    diff = (got - want["logits"]).abs().max().item()
    assert diff <= 1e-4, f"eval logits: max difference {diff:.3g}"
    return diff


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
            "residual": residual_network, "spatialdrop": spatialdrop_network}
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
    if network == "residual":
        diff = check_checkpoint_loads(folder, batch)
        print(f"{network}/{backend}/{optimizer}: the checkpoint loads into torch.nn modules with strict=True; "
              f"eval logits match, max |diff| {diff:.2e}")


if __name__ == "__main__":
    main()
