#!/usr/bin/python3
"""Golden fixtures for the engine's optimisers, written by PyTorch (torch.optim.SGD / Adam).

Run:  /usr/bin/python3 scripts/torch_optim_fixtures.py   (Debian: apt-get install -y python3-torch)
Writes tests/fixtures/optim-torch.json, read by tests/engine/optim.test.ts.

Each case: initial parameters, the gradient fed at each step, the learning rate of each step
(it changes, as with the solver's decay schedule), and the parameters after each step; plus the
optimiser's final state (momentum buffer, or Adam's exp_avg / exp_avg_sq and step count).
"""
import json
import os

import torch

torch.manual_seed(20240607)
SIZE = 16
STEPS = 6
LRS = [1e-3, 1e-3, 8e-4, 6.4e-4, 0.5, 1e-2]


def f32list(t):
    return [float(v) for v in t.detach().to(torch.float32).reshape(-1)]


def run(name, make_opt):
    p0 = (torch.randn(SIZE) * 0.3).to(torch.float32)
    # gradients of very different sizes, including zeros, so bias correction and eps both matter
    grads = []
    for s in range(STEPS):
        g = torch.randn(SIZE) * (10.0 ** torch.randint(-6, 1, (SIZE,)).to(torch.float32))
        g[s % SIZE] = 0.0
        grads.append(g.to(torch.float32))
    p = torch.nn.Parameter(p0.clone())
    opt = make_opt([p])
    after = []
    for s in range(STEPS):
        for group in opt.param_groups:
            group["lr"] = LRS[s]
        p.grad = grads[s].clone()
        opt.step()
        after.append(f32list(p))
    st = opt.state[p]
    state = {}
    if "momentum_buffer" in st and st["momentum_buffer"] is not None:
        state["velocity"] = f32list(st["momentum_buffer"])
    if "exp_avg" in st:
        state["m"] = f32list(st["exp_avg"])
        state["v"] = f32list(st["exp_avg_sq"])
        state["t"] = int(st["step"])
    return {"name": name, "params0": f32list(p0), "grads": [f32list(g) for g in grads], "lrs": LRS, "after": after, "state": state}


cases = [
    dict(run("sgd", lambda ps: torch.optim.SGD(ps, lr=1e-3)), optimizer="sgd", momentum=0.0),
    dict(run("sgd-momentum", lambda ps: torch.optim.SGD(ps, lr=1e-3, momentum=0.9)), optimizer="sgd", momentum=0.9),
    dict(run("adam", lambda ps: torch.optim.Adam(ps, lr=1e-3, betas=(0.9, 0.999), eps=1e-8)), optimizer="adam", beta1=0.9, beta2=0.999, epsilon=1e-8),
    dict(run("adam-b2-0.99", lambda ps: torch.optim.Adam(ps, lr=1e-3, betas=(0.8, 0.99), eps=1e-6)), optimizer="adam", beta1=0.8, beta2=0.99, epsilon=1e-6),
]

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "optim-torch.json")
with open(out, "w") as f:
    json.dump({"generator": "scripts/torch_optim_fixtures.py", "torch": torch.__version__, "cases": cases}, f, indent=1)
print("wrote", os.path.normpath(out))
