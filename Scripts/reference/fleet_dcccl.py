#!/usr/bin/env python3
"""DC-CCL fleet reference: the protocol of Examples/bench/fleet_dcccl.dcl in plain PyTorch.

Usage: python3 Scripts/reference/fleet_dcccl.py --devices N [--threads T] [--seed S]
Prints one JSON line (see fleet_common.report). The models mirror `dcl summary` of the example:
the cloud submodel is the 7/8 width half of the CNN (28/56/112 channels), the device co-submodel
the 1/8 half (4/8/16), the control model LeNet-5; logits are summed.
"""
import copy
import time

WALL_START = time.perf_counter()

import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import fleet_common as fc


class CNN(nn.Module):
    """conv3x3(pad 1) relu maxpool2, conv3x3(pad 1) relu maxpool2, flatten, linear relu, linear."""

    def __init__(self, c1, c2, hidden, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, c1, 3, padding=1)
        self.conv2 = nn.Conv2d(c1, c2, 3, padding=1)
        self.fc1 = nn.Linear(c2 * 7 * 7, hidden)
        self.fc2 = nn.Linear(hidden, classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


class LeNet(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(256, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x.flatten(1))))))


def batches(x, y, size, gen):
    """Shuffled mini-batches of one epoch (the last may be short)."""
    order = torch.randperm(len(y), generator=gen)
    for s in range(0, len(y), size):
        i = order[s:s + size]
        yield x[i], y[i]


def train(model, x, y, opt, loss_fn, epochs, size, gen):
    model.train()
    for _ in range(epochs):
        for xb, yb in batches(x, y, size, gen):
            opt.zero_grad()
            loss_fn(model, xb, yb).backward()
            opt.step()


def train_against_control(co, control, x, y, epochs, gen):
    """One copy's local training: CE(control(x) + co(x), y), control frozen (Adam lr 1e-2, batch 64)."""
    opt = torch.optim.Adam(co.parameters(), lr=1e-2)

    def loss(m, xb, yb):
        with torch.no_grad():
            c = control(xb)
        return F.cross_entropy(c + m(xb), yb)

    train(co, x, y, opt, loss, epochs, 64, gen)


def average(a, b):
    """FedAvg of two copies, 50/50 over every parameter."""
    out = copy.deepcopy(a)
    sa, sb = a.state_dict(), b.state_dict()
    out.load_state_dict({k: 0.5 * sa[k] + 0.5 * sb[k] for k in sa})
    return out


@torch.no_grad()
def accuracy(cloud, co, x, y):
    cloud.eval()
    co.eval()
    correct = 0
    for s in range(0, len(y), 256):
        correct += ((cloud(x[s:s + 256]) + co(x[s:s + 256])).argmax(1) == y[s:s + 256]).sum().item()
    return correct / max(1, len(y))


def main():
    args = fc.setup(sys.argv[1:], __doc__)
    gen = torch.Generator().manual_seed(args.seed)
    x, y = fc.mnist("train")
    # take(0.5, seed: 1) for the cloud, drop(0.5, seed: 1) for the devices.
    perm = fc.rng(1, "shuffle").permutation(len(y))
    cloud_rows, device_rows = perm[:len(y) // 2], perm[len(y) // 2:]
    cx, cy = x[cloud_rows[:2000]], y[cloud_rows[:2000]]
    rx, ry = x[cloud_rows[:300]], y[cloud_rows[:300]]
    pool = device_rows[:3000]
    distinct = fc.dirichlet(y[pool].numpy(), 0.5, 10, seed=2)
    devices = [(pool[tr], pool[te]) for tr, te in fc.fleet(distinct, args.devices, 0.4, seed=2)]

    cloud = CNN(28, 56, 112)
    co0 = CNN(4, 8, 16)
    control = LeNet()
    # Cloud pre-training (SGD 0.01, momentum 0.9, wd 5e-4) and knowledge transfer (MSE on the
    # frozen cloud submodel's logits, Adam 1e-3): one epoch each, batch 64.
    train(cloud, cx, cy, torch.optim.SGD(cloud.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4),
          lambda m, xb, yb: F.cross_entropy(m(xb), yb), 1, 64, gen)
    cloud.eval()

    def distill(m, xb, yb):
        with torch.no_grad():
            t = cloud(xb)
        return F.mse_loss(m(xb), t)

    train(control, cx, cy, torch.optim.Adam(control.parameters(), lr=1e-3), distill, 1, 64, gen)
    control.eval()

    accs = []
    start = time.perf_counter()
    for tr, te in devices:
        co = copy.deepcopy(co0)
        for _ in range(2):
            here, there = copy.deepcopy(co), copy.deepcopy(co)
            train_against_control(here, control, x[tr], y[tr], 1, gen)
            train_against_control(there, control, rx, ry, 1, gen)
            co = average(here, there)
        accs.append(accuracy(cloud, co, x[te], y[te]))
    loop = time.perf_counter() - start
    fc.report("dcccl", args, WALL_START, loop, "accuracy", float(np.mean(accs)))


if __name__ == "__main__":
    main()
