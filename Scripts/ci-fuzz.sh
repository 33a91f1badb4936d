#!/usr/bin/env bash
# CI step: builds the fuzzers and runs each for a short, bounded time (default 45 s, or
# DCL_CI_FUZZ_SECONDS); fails on any crash, leak, timeout or out-of-memory input. Scripts/fuzz.sh
# prints each finding's path, top frame and base64, so a CI log alone is enough to reproduce it:
#   echo BASE64 | base64 -d > crash && .build-fuzz/release/fuzz-TARGET crash
# The working corpus under .build-fuzz/corpus is kept between runs when the CI caches .build-fuzz.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== fuzz (${DCL_CI_FUZZ_SECONDS:-45} s per target)"
Scripts/fuzz.sh all "${DCL_CI_FUZZ_SECONDS:-45}"
# Every input that once crashed dcl (Fuzz/findings) must stay fixed.
echo "== fuzz replay"
FUZZ_NO_BUILD=1 Scripts/fuzz.sh replay
