#!/usr/bin/env python3
"""Coarse-retrieval references for `dcl bench retrieve`: exact top-M inner-product search by
numpy brute force and by faiss-cpu's exact IndexFlatIP, on the data the bench wrote.

Usage: python3 Scripts/reference/retrieve.py --items F --queries F --dim D --top M
           [--latency-queries L] [--reps R] [--threads T] [--out DIR]

--items / --queries: raw little-endian float32 files, row-major (N x D and Q x D), written by
the bench (so both sides search exactly the same numbers). Measured the same way as the dcl
side (Sources/DCLDriver/Command+Bench+Retrieve.swift):
  latency:    the first L queries one at a time (one warm-up pass, then one timed pass); p50 and
              p99 of the per-query times in milliseconds;
  throughput: all Q queries in one call, R timed repetitions after one warm-up; queries/s of the
              median repetition.
Each side's top-M indices and scores of the batched search are written to DIR/<side>.idx
(int64) and DIR/<side>.scores (float32), Q x M, for the bench to compare with dcl's.

Prints one JSON line: {"threads": T, "numpy": {...} or null, "faiss": {...} or null,
"missing": [...]} -- a missing module is named, never fatal.
"""
import argparse
import json
import os
import sys
import time

p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
p.add_argument("--items", required=True)
p.add_argument("--queries", required=True)
p.add_argument("--dim", type=int, required=True)
p.add_argument("--top", type=int, required=True)
p.add_argument("--latency-queries", type=int, default=200)
p.add_argument("--reps", type=int, default=3)
p.add_argument("--threads", type=int, default=os.cpu_count())
p.add_argument("--out", default=None)
args = p.parse_args()
if args.dim < 1 or args.top < 1 or args.threads < 1 or args.reps < 1 or args.latency_queries < 0:
    p.error("--dim, --top, --threads and --reps must be positive, --latency-queries not negative")

# Thread counts are read when the BLAS and OpenMP runtimes start: set them before any import.
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(args.threads)

missing = []
try:
    import numpy as np
except ImportError:
    print(json.dumps({"threads": args.threads, "numpy": None, "faiss": None, "missing": ["numpy", "faiss"]}))
    sys.exit(0)
try:
    import faiss
except ImportError:
    faiss = None
    missing.append("faiss")

items = np.fromfile(args.items, dtype="<f4")
queries = np.fromfile(args.queries, dtype="<f4")
if items.size % args.dim or queries.size % args.dim:
    p.error(f"{items.size} item floats or {queries.size} query floats are not whole rows of {args.dim}")
items = items.reshape(-1, args.dim)
queries = queries.reshape(-1, args.dim)
n, q, m = items.shape[0], queries.shape[0], args.top
if m > n:
    p.error(f"--top {m} is more than the {n} items")
lat_q = min(args.latency_queries, q)


def numpy_search(x):
    """Top-m rows of x @ items.T, best first (ties to the lower index): argpartition, then a sort
    of the m survivors. Queries go in blocks so that a block's scores stay under ~256 MB."""
    out_i = np.empty((x.shape[0], m), dtype=np.int64)
    out_s = np.empty((x.shape[0], m), dtype=np.float32)
    block = max(1, (256 << 20) // (4 * n))
    for b0 in range(0, x.shape[0], block):
        s = x[b0:b0 + block] @ items.T
        if m < n:
            part = np.argpartition(-s, m - 1, axis=1)[:, :m]
        else:
            part = np.broadcast_to(np.arange(n), s.shape)
        ps = np.take_along_axis(s, part, axis=1)
        # Primary key the score (descending), secondary the index (ascending).
        order = np.lexsort((part, -ps), axis=1)
        out_i[b0:b0 + block] = np.take_along_axis(part, order, axis=1)
        out_s[b0:b0 + block] = np.take_along_axis(ps, order, axis=1)
    return out_s, out_i


def measure(search):
    """Per-query latencies (ms) over the first lat_q queries, and the batched search's median."""
    lat = []
    for timed in (False, True):
        for i in range(lat_q):
            t0 = time.perf_counter()
            search(queries[i:i + 1])
            if timed:
                lat.append((time.perf_counter() - t0) * 1e3)
    result = search(queries)
    times = []
    for _ in range(args.reps):
        t0 = time.perf_counter()
        result = search(queries)
        times.append(time.perf_counter() - t0)
    times.sort()
    batch = times[len(times) // 2]
    side = {"batch_s": batch, "qps": q / batch}
    if lat:
        side["p50_ms"] = float(np.percentile(lat, 50))
        side["p99_ms"] = float(np.percentile(lat, 99))
    return side, result


def save(name, result):
    if args.out:
        s, i = result
        np.ascontiguousarray(i, dtype="<i8").tofile(os.path.join(args.out, name + ".idx"))
        np.ascontiguousarray(s, dtype="<f4").tofile(os.path.join(args.out, name + ".scores"))


report = {"threads": args.threads, "numpy_version": np.__version__, "numpy": None, "faiss": None, "missing": missing}
report["numpy"], result = measure(numpy_search)
save("numpy", result)
if faiss is not None:
    faiss.omp_set_num_threads(args.threads)
    index = faiss.IndexFlatIP(args.dim)
    index.add(items)
    report["faiss"], result = measure(lambda x: index.search(x, m))
    report["faiss"]["omp_threads"] = faiss.omp_get_max_threads()
    report["faiss_version"] = faiss.__version__
    save("faiss", result)
print(json.dumps(report))
