"""Shared pieces of the fleet references (fleet_dcccl.py, fleet_iciia.py, fleet_coda.py).

Each reference is the protocol of an Examples/bench/fleet_*.dcl script in plain PyTorch, written
the way the papers' authors write theirs: a Python loop over devices, copy.deepcopy of models,
torch.optim, manual batching. What is shared here is only what must be identical across the three:
the data loaders, the client partitions (same rules as dcl's partition built-in, see
Sources/DCLData/PartitionSchemes.swift; numpy's seeded generator, not dcl's, so the same sizes and
label mixes but not the same samples), and the JSON result line.

per_device_ms = the wall time of the device loop (from before the first device to after the last,
metrics included) / devices, in milliseconds — measured the same way by the dcl scripts.
"""
import gzip
import json
import os
import resource
import sys
import time

import numpy as np
import torch

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(REPO, "Examples", "data")


def setup(argv, description):
    """Parses --devices/--threads/--seed, seeds torch and numpy, sets the thread count."""
    import argparse
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--devices", type=int, default=10)
    p.add_argument("--threads", type=int, default=torch.get_num_threads())
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    if args.devices < 1:
        p.error(f"--devices must be positive, found {args.devices}")
    if args.threads < 1:
        p.error(f"--threads must be positive, found {args.threads}")
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    return args


def rng(seed, *purpose):
    """A numpy generator for one purpose of one seed (streams never shared between purposes)."""
    key = [seed] + [sum(ord(ch) * 31 ** i for i, ch in enumerate(str(p))) % (2 ** 32) for p in purpose]
    return np.random.default_rng(key)


def _idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def mnist(part):
    """MNIST `train` or `test` as (float32 [N, 1, 28, 28] scaled to [0, 1], int64 labels)."""
    stem = {"train": "train", "test": "t10k"}[part]
    d = os.path.join(DATA, "mnist")
    x = _idx(os.path.join(d, f"{stem}-images-idx3-ubyte.gz")).astype(np.float32)[:, None] / 255.0
    y = _idx(os.path.join(d, f"{stem}-labels-idx1-ubyte.gz")).astype(np.int64)
    return torch.from_numpy(x), torch.from_numpy(y)


def test_count(n, f):
    """dcl's Dataset.clientTestCount: round(f·n), at least 1 and at most n−1 for 0 < f < 1, n ≥ 2."""
    k = int(np.floor(f * n + 0.5))
    if 0 < f < 1 and n >= 2:
        k = min(max(k, 1), n - 1)
    return min(max(k, 0), n)


def split_client(rows, test_fraction, seed, client):
    """A client's rows (sorted) split into train/test by a seeded choice of test rows."""
    rows = np.sort(np.asarray(rows))
    n_test = test_count(len(rows), test_fraction)
    is_test = np.zeros(len(rows), dtype=bool)
    is_test[rng(seed, "client split", client).permutation(len(rows))[:n_test]] = True
    return rows[~is_test], rows[is_test]


def fleet(distinct_rows, devices, test_fraction, seed):
    """Device c holds distinct client (c mod len(distinct_rows))'s rows, split with its own seed:
    the rule of dcl's `partition(..., distinct: k)`."""
    k = len(distinct_rows)
    return [split_client(distinct_rows[c % k], test_fraction, seed, c) for c in range(devices)]


def dirichlet(labels, alpha, clients, seed, min_samples=1):
    """Per class: rows shuffled, shares ~ Dirichlet(alpha), cut at rounded cumulative shares;
    redrawn while a client has fewer than min_samples rows."""
    labels = np.asarray(labels)
    for attempt in range(100):
        r = rng(seed, "dirichlet", attempt)
        out = [[] for _ in range(clients)]
        for cls in np.unique(labels):
            rows = np.flatnonzero(labels == cls)
            r.shuffle(rows)
            p = r.gamma(alpha, size=clients)
            p = p / p.sum()
            start, cum = 0, 0.0
            for c in range(clients):
                cum += p[c]
                end = len(rows) if c == clients - 1 else min(len(rows), int(np.floor(cum * len(rows) + 0.5)))
                if end > start:
                    out[c] += rows[start:end].tolist()
                start = max(start, end)
        if all(len(o) >= min_samples for o in out):
            return out
    raise SystemExit("dirichlet: no draw in 100 gave every client a sample")


def class_groups(labels, groups, r, size, clients, seed):
    """ICIIA's clients: classes permuted and cut into groups; client c belongs to group c mod G and
    holds round(r·size) rows of its group, then the rest from the pool of rows no group draw took."""
    labels = np.asarray(labels)
    classes = np.unique(labels)
    g = rng(seed, "class_groups")
    order = g.permutation(len(classes))
    members = np.array_split(order, groups)
    pools = []
    for i, m in enumerate(members):
        rows = np.flatnonzero(np.isin(labels, classes[m]))
        rng(seed, "group", i).shuffle(rows)
        pools.append(rows)
    from_group = int(np.floor(r * size + 0.5))
    taken = [0] * groups
    out = []
    for c in range(clients):
        gi = c % groups
        if taken[gi] + from_group > len(pools[gi]):
            raise SystemExit(f"class_groups: group {gi} has too few samples for its clients")
        out.append(pools[gi][taken[gi]:taken[gi] + from_group].tolist())
        taken[gi] += from_group
    rest = np.concatenate([pools[i][taken[i]:] for i in range(groups)])
    rng(seed, "rest").shuffle(rest)
    nxt = 0
    for c in range(clients):
        out[c] += rest[nxt:nxt + size - from_group].tolist()
        nxt += size - from_group
    return out


def peak_rss_mib():
    """Peak resident set size of this process (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def report(pattern, args, wall_start, loop_s, metric, value):
    """Prints the one JSON line `dcl bench fleet` reads."""
    out = {
        "pattern": pattern,
        "devices": args.devices,
        "threads": torch.get_num_threads(),
        "wall_s": time.perf_counter() - wall_start,
        "loop_s": loop_s,
        "per_device_ms": 1000.0 * loop_s / args.devices,
        "peak_rss_mib": peak_rss_mib(),
        "metric": metric,
        metric: value,
    }
    print(json.dumps(out))
    sys.stdout.flush()
