#!/usr/bin/env bash
# Builds the release binary and runs every side-by-side benchmark (dcl vs numpy/OpenBLAS GEMM
# and vs PyTorch training) in one go. Takes ~15 minutes on 2 cores. See BENCHMARKS.md.
#   Scripts/bench.sh [--rounds N] [--threads 1 2] [--only gemm|train] [--ref ../shared]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product dcl
python3 Scripts/bench.py "$@"
