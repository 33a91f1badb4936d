#!/usr/bin/env python3
"""ICIIA fleet reference: the protocol of Examples/bench/fleet_iciia.dcl in plain PyTorch.

Usage: python3 Scripts/reference/fleet_iciia.py --devices N [--threads T] [--seed S]
Prints one JSON line (see fleet_common.report). The backbone mirrors `dcl summary` of the
example (conv 8 5x5, conv 16 5x5, linear 64 features, linear 10 head); the plug-in is one
post-norm encoder layer over whole images (4 heads, every projection partitioned into P = 4
diagonal blocks plus the feature shuffle, FF width d, dropout 0.1), then ReLU and a linear head.
"""
import math
import time

WALL_START = time.perf_counter()

import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import fleet_common as fc

D, HEADS, P, MEMORY, MIN_MEMORY = 64, 4, 4, 16, 1


class Backbone(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 5)
        self.conv2 = nn.Conv2d(8, 16, 5)
        self.fc = nn.Linear(256, D)
        self.head = nn.Linear(D, classes)

    def features(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return F.relu(self.fc(x.flatten(1)))

    def forward(self, x):
        return self.head(self.features(x))


class PLinear(nn.Module):
    """Block-diagonal linear layer (P blocks, weight [P, out/P, in/P]) and the feature shuffle."""

    def __init__(self, d_in, d_out, p, shuffle=True):
        super().__init__()
        self.p, self.d_out, self.shuffle = p, d_out, shuffle
        self.weight = nn.Parameter(torch.empty(p, d_out // p, d_in // p))
        self.bias = nn.Parameter(torch.empty(d_out))
        # nn.Linear's default per block: kaiming_uniform(a=sqrt(5)) is U(±1/sqrt(fan_in)).
        bound = 1 / math.sqrt(d_in // p)
        with torch.no_grad():
            self.weight.uniform_(-bound, bound)
            self.bias.uniform_(-bound, bound)

    def forward(self, x):
        t = x.shape[0]
        y = torch.einsum("tpi,poi->tpo", x.view(t, self.p, -1), self.weight).reshape(t, self.d_out) + self.bias
        if self.shuffle and self.p > 1:
            y = y.view(t, self.p, -1).transpose(1, 2).reshape(t, self.d_out)
        return y


class SetAttention(nn.Module):
    """Multi-head attention across the rows of [T, d]: a client's images attend to each other."""

    def __init__(self):
        super().__init__()
        self.q, self.k, self.v, self.o = (PLinear(D, D, P) for _ in range(4))

    def forward(self, x):
        t, dh = x.shape[0], D // HEADS
        q, k, v = (f(x).view(t, HEADS, dh).transpose(0, 1) for f in (self.q, self.k, self.v))
        a = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(dh), dim=-1)
        return self.o((a @ v).transpose(0, 1).reshape(t, D))


class ICIIAHead(nn.Module):
    def __init__(self, classes=10, dropout=0.1):
        super().__init__()
        self.att = SetAttention()
        self.ff1, self.ff2 = PLinear(D, D, P), PLinear(D, D, P)
        self.ln1, self.ln2 = nn.LayerNorm(D), nn.LayerNorm(D)
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(D, classes)

    def forward(self, x):
        h = self.ln1(x + self.drop(self.att(x)))
        f = self.drop(self.ff2(self.drop(F.relu(self.ff1(h)))))
        return self.out(F.relu(self.ln2(h + f)))


def main():
    args = fc.setup(sys.argv[1:], __doc__)
    gen = torch.Generator().manual_seed(args.seed)
    x, y = fc.mnist("train")
    tx, ty = fc.mnist("test")

    # The backbone: one epoch on 6,000 random training images (Adam 2e-3, batch 64).
    perm = fc.rng(1, "shuffle").permutation(len(y))
    net = Backbone()
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    first = torch.from_numpy(perm[:6000])
    order = first[torch.randperm(len(first), generator=gen)]
    net.train()
    for s in range(0, len(order), 64):
        i = order[s:s + 64]
        opt.zero_grad()
        F.cross_entropy(net(x[i]), y[i]).backward()
        opt.step()
    net.eval()
    for p in net.parameters():
        p.requires_grad_(False)

    # The plug-in, trained once on 50 simulated clients of 96 images (features precomputed: the
    # backbone is frozen); each batch is up to 16 images of one client; Adam 5e-4, clip 5.
    rest = perm[6000:]
    pool = rest[fc.rng(2, "shuffle").permutation(len(rest))[:4800]]
    clients = [pool[c] for c in fc.class_groups(y[pool].numpy(), 5, 0.9, 96, 50, seed=3)]
    with torch.no_grad():
        feats = [net.features(x[c]) for c in clients]
    labels = [y[c] for c in clients]
    head = ICIIAHead()
    opt = torch.optim.Adam(head.parameters(), lr=5e-4)
    head.train()
    for epoch in range(2):
        plan = []
        for c in range(len(clients)):
            o = torch.randperm(len(clients[c]), generator=gen)
            plan += [(c, o[s:s + 16]) for s in range(0, len(o), 16)]
        for j in torch.randperm(len(plan), generator=gen).tolist():
            c, i = plan[j]
            opt.zero_grad()
            F.cross_entropy(head(feats[c][i]), labels[c][i]).backward()
            torch.nn.utils.clip_grad_norm_(head.parameters(), 5.0)
            opt.step()
    head.eval()

    # The devices: 100 distinct class-grouped clients of the test set (80 history, 16 test);
    # device c holds client c mod 100 with its own split.
    distinct = fc.class_groups(ty.numpy(), 5, 0.9, 96, 100, seed=4)
    devices = fc.fleet(distinct, args.devices, 16 / 96, seed=4)

    accs = []
    start = time.perf_counter()
    with torch.no_grad():
        for history, test in devices:
            memory = list(net.features(tx[history])[-MEMORY:]) if MEMORY > 0 else []
            current = net.features(tx[test])
            correct = 0
            for i in range(len(test)):
                if len(memory) < MIN_MEMORY:
                    logits = net.head(current[i:i + 1])[0]
                else:
                    logits = head(torch.stack(memory + [current[i]]))[-1]
                correct += int(logits.argmax().item() == ty[test[i]].item())
                memory.append(current[i])
                if len(memory) > MEMORY:
                    memory.pop(0)
            accs.append(correct / len(test))
    loop = time.perf_counter() - start
    fc.report("iciia", args, WALL_START, loop, "accuracy", float(np.mean(accs)))


if __name__ == "__main__":
    main()
