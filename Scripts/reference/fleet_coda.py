#!/usr/bin/env python3
"""CoDA fleet reference: the protocol of Examples/bench/fleet_coda.dcl in plain PyTorch.

Usage: python3 Scripts/reference/fleet_coda.py --devices N [--threads T] [--seed S]
Prints one JSON line (see fleet_common.report). The model mirrors `dcl summary` of the example's
`ctr(users: 610, items: 9724, dim: 16, hidden: [32])`: user and item embeddings, [u, v, u*v], a
hidden layer of 32, one logit. Data rules follow dcl's built-ins: movielens (dense ids by first
appearance, rating >= 4 positive, multi-hot genres of rated movies), time_split, by_user,
with_negatives (per user, distinct unseen items, label 0, genres copied from a row of the item).
"""
import copy
import csv
import os
import time

WALL_START = time.perf_counter()

import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import fleet_common as fc

COARSE_USERS, CLF_EPOCHS, CLF_LR, THRESHOLD = 20, 5, 0.05, 0.5
TUNE_EPOCHS, TUNE_BATCH, TUNE_LR = 2, 32, 2e-3


class CTR(nn.Module):
    def __init__(self, users, items, dim=16, hidden=32):
        super().__init__()
        self.user = nn.Embedding(users, dim)
        self.item = nn.Embedding(items, dim)
        self.fc = nn.Linear(3 * dim, hidden)
        self.out = nn.Linear(hidden, 1)

    def forward(self, u, i):
        a, b = self.user(u), self.item(i)
        return self.out(F.relu(self.fc(torch.cat([a, b, a * b], 1)))).view(-1)


def load():
    """ratings.csv + movies.csv as numpy columns (user, item, y, time, genres)."""
    d = os.path.join(fc.DATA, "ml-latest-small")
    genres_of = {}
    with open(os.path.join(d, "movies.csv"), newline="") as f:
        for row in csv.DictReader(f):
            g = row["genres"]
            genres_of[row["movieId"]] = [] if g == "(no genres listed)" else g.split("|")
    users, items, y, t, movie = [], [], [], [], []
    uid, iid = {}, {}
    with open(os.path.join(d, "ratings.csv"), newline="") as f:
        for row in csv.DictReader(f):
            users.append(uid.setdefault(row["userId"], len(uid)))
            items.append(iid.setdefault(row["movieId"], len(iid)))
            y.append(1.0 if float(row["rating"]) >= 4.0 else 0.0)
            t.append(int(row["timestamp"]))
    names = sorted({g for m in iid for g in genres_of.get(m, [])})
    col = {g: k for k, g in enumerate(names)}
    item_genres = np.zeros((len(iid), len(names)), dtype=np.float32)
    for m, k in iid.items():
        for g in genres_of.get(m, []):
            item_genres[k, col[g]] = 1
    users, items = np.array(users, dtype=np.int64), np.array(items, dtype=np.int64)
    return dict(user=users, item=items, y=np.array(y, dtype=np.float32), time=np.array(t),
                genres=item_genres[items]), len(uid), len(iid)


def select(data, rows):
    return {k: v[rows] for k, v in data.items()}


def concat(parts):
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def by_user(data, test_fraction):
    """Per user (ascending id): rows in time order, the last test_count(n, f) to test."""
    order = np.lexsort((np.arange(len(data["user"])), data["time"], data["user"]))
    out = {}
    for r in order:
        out.setdefault(int(data["user"][r]), []).append(r)
    split = {}
    for u in sorted(out):
        rows = np.array(out[u])
        n_test = fc.test_count(len(rows), test_fraction)
        split[u] = (rows[:len(rows) - n_test], rows[len(rows) - n_test:])
    return split


def with_negatives(data, n, seed, n_items):
    """Adds, per user, n distinct items it has no sample of in `data`, labelled 0."""
    seen, row_of_item = {}, {}
    for r in range(len(data["user"])):
        seen.setdefault(int(data["user"][r]), set()).add(int(data["item"][r]))
        row_of_item.setdefault(int(data["item"][r]), r)
    us, its = [], []
    for u in sorted(seen):
        want = min(n, n_items - len(seen[u]))
        g = fc.rng(seed, "negatives", u)
        picked = set()
        while len(picked) < want:
            i = int(g.integers(n_items))
            if i not in seen[u]:
                picked.add(i)
        us += [u] * want
        its += sorted(picked)
    genres = np.zeros((len(its), data["genres"].shape[1]), dtype=np.float32)
    for k, i in enumerate(its):
        if i in row_of_item:
            genres[k] = data["genres"][row_of_item[i]]
    neg = dict(user=np.array(us, dtype=np.int64), item=np.array(its, dtype=np.int64), y=np.zeros(len(us), dtype=np.float32),
               time=np.zeros(len(us), dtype=np.int64), genres=genres)
    return concat([data, neg])


def train(model, data, epochs, batch, lr, gen):
    u, i, y = (torch.from_numpy(data[k]) for k in ("user", "item", "y"))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(y), generator=gen)
        for s in range(0, len(y), batch):
            b = order[s:s + batch]
            opt.zero_grad()
            F.binary_cross_entropy_with_logits(model(u[b], i[b]), y[b]).backward()
            opt.step()


def auc(scores, labels):
    """Area under the ROC curve (ties count half); None with a single class."""
    pos, neg = labels == 1, labels == 0
    if pos.sum() == 0 or neg.sum() == 0:
        return None
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    s = scores[order]
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and s[j + 1] == s[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return (ranks[pos].sum() - pos.sum() * (pos.sum() + 1) / 2) / (pos.sum() * neg.sum())


def main():
    args = fc.setup(sys.argv[1:], __doc__)
    gen = torch.Generator().manual_seed(args.seed)
    data, n_users, n_items = load()
    history = by_user(data, 0.5)  # time_split(test: 0.5), per user
    hist_train = select(data, np.concatenate([history[u][0] for u in sorted(history)]))
    hist_test = select(data, np.concatenate([history[u][1] for u in sorted(history)]))
    pool = with_negatives(hist_train, 100, 3, n_items)
    pool_rows = {}
    for r, u in enumerate(pool["user"]):
        pool_rows.setdefault(int(u), []).append(r)

    # The cloud's global model: one epoch on the pool (Adam 5e-3, batch 256).
    global_model = CTR(n_users, n_items)
    train(global_model, pool, 1, 256, 5e-3, gen)
    global_model.eval()
    user_table = global_model.user.weight.detach().numpy().astype(np.float64)
    item_table = global_model.item.weight.detach().numpy()

    # Devices: users in id order, device c is user c mod 610 (partition(by_user(), distinct: 610)).
    local_split = by_user(hist_test, 0.4)
    users = sorted(local_split)

    aucs = []
    start = time.perf_counter()
    for c in range(args.devices):
        me = users[c % len(users)]
        tr, te = (select(hist_test, rows) for rows in local_split[me])
        test = with_negatives(te, 50, 7, n_items)
        local = with_negatives(tr, 20, 5, n_items)
        # Coarse: the top users by cosine similarity of their embeddings (ties by id); their pool
        # samples, re-homed to this device's user.
        others = [u for u in sorted(pool_rows) if u != me]
        mine = user_table[me]
        sims = user_table[others] @ mine / np.maximum(np.linalg.norm(user_table[others], axis=1) * np.linalg.norm(mine), 1e-12)
        ranked = sorted(zip(others, sims), key=lambda p: (-p[1], p[0]))[:COARSE_USERS]
        candidates = select(pool, np.concatenate([pool_rows[u] for u, _ in ranked]))
        candidates["user"] = np.full_like(candidates["user"], me)
        # Fine: a logistic-regression sample classifier on [item embedding ; genres], local
        # training samples (repeated up to the candidates' count) = 1, candidates = 0.
        feats = lambda d: torch.from_numpy(np.concatenate([item_table[d["item"]], d["genres"]], 1))
        loc, out = feats(tr), feats(candidates)
        if len(loc) < len(out):
            loc = loc[torch.arange(len(out)) % len(loc)]
        xs, ys = torch.cat([loc, out]), torch.cat([torch.ones(len(loc)), torch.zeros(len(out))])
        clf = nn.Linear(xs.shape[1], 1)
        opt = torch.optim.Adam(clf.parameters(), lr=CLF_LR)
        for _ in range(CLF_EPOCHS):
            order = torch.randperm(len(ys), generator=gen)
            for s in range(0, len(ys), 64):
                b = order[s:s + 64]
                opt.zero_grad()
                F.binary_cross_entropy_with_logits(clf(xs[b]).view(-1), ys[b]).backward()
                opt.step()
        with torch.no_grad():
            keep = (torch.sigmoid(clf(out).view(-1)) > THRESHOLD).numpy()
        kept = select(candidates, np.flatnonzero(keep))
        # Fine-tune a copy of the global model on local + kept samples; AUC on the test samples.
        model = copy.deepcopy(global_model)
        train(model, concat([local, kept]), TUNE_EPOCHS, TUNE_BATCH, TUNE_LR, gen)
        model.eval()
        with torch.no_grad():
            scores = model(torch.from_numpy(test["user"]), torch.from_numpy(test["item"])).numpy()
        a = auc(scores, test["y"])
        if a is not None:
            aucs.append(a)
    loop = time.perf_counter() - start
    fc.report("coda", args, WALL_START, loop, "auc", float(np.mean(aucs)))


if __name__ == "__main__":
    main()
