#!/usr/bin/env bash
# Coverage-guided fuzzing of dcl with libFuzzer + AddressSanitizer (docs/fuzzing.md).
#
#   Scripts/fuzz.sh TARGET|all [SECONDS]      build, then run each target for SECONDS (default 300)
#   Scripts/fuzz.sh replay [DIR]              build, then run every saved input under DIR/TARGET/
#                                             (default Fuzz/findings) once: which still fail, where
#
# TARGET: bundle, script, data, predict-input (or fuzz-bundle, …). Targets run one after another,
# each on one core. Exit status: 0 no finding; 1 a crash, leak, timeout or out-of-memory input
# (saved under fuzz-artifacts/TARGET/ and printed, with its base64); 2 usage or build failure.
#
# Environment:
#   FUZZ_NO_BUILD=1     use the fuzzers already in .build-fuzz
#   FUZZ_KEEP_GOING=1   do not stop at the first finding (libFuzzer fork mode): collect every
#                       finding of the run (for triage; the exit status is still 1 if any)
#   FUZZ_ARGS="…"       extra libFuzzer flags (e.g. -seed=1 or -jobs=…)
#   DCL=path/to/dcl     a dcl binary; when set, the bundles of Fuzz/corpus/bundle-seeds.dcl and of
#                       two examples are compiled as extra seeds (those within -max_len)
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"

all_targets=(bundle script data predict-input)
usage() { echo "usage: Scripts/fuzz.sh {${all_targets[*]// /|}|all} [SECONDS]" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 2 ] || usage
mode=fuzz
if [ "$1" = replay ]; then
  mode=replay; replay_dir="${2:-Fuzz/findings}"; targets=("${all_targets[@]}"); seconds=0
else
  seconds="${2:-300}"
  [[ "$seconds" =~ ^[0-9]+$ ]] || usage
  case "$1" in
    all) targets=("${all_targets[@]}") ;;
    *) t="${1#fuzz-}"; [[ " ${all_targets[*]} " == *" $t "* ]] || usage; targets=("$t") ;;
  esac
fi

# Swift's once-initialised globals look like leaks to LeakSanitizer; Fuzz/lsan.supp says why.
export LSAN_OPTIONS="suppressions=$PWD/Fuzz/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

scratch=.build-fuzz
bin="$scratch/release"
artifacts=fuzz-artifacts

# The longest input each target generates: a small bundle, a long script, a small data file.
max_len() {
  case "$1" in
    bundle) echo 65536 ;; script) echo 16384 ;; data) echo 65536 ;; predict-input) echo 8192 ;;
  esac
}

# ---- build -----------------------------------------------------------------------------------
# Every module gets -sanitize=fuzzer (coverage counters and comparison tracing, so the fuzzer sees
# the library code, not only the harness) and -sanitize=address; SwiftPM's own --sanitize=fuzzer
# only links libFuzzer's main. DCL_FUZZ=1 is what declares the fuzz targets in Package.swift.
build() {
  for t in "${targets[@]}"; do
    echo "== build fuzz-$t"
    DCL_FUZZ=1 swift build -c release --scratch-path "$scratch" \
      --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address \
      --product "fuzz-$t" 2>&1 | grep -v -e "warning: Cannot export local symbol '__asan_extra_spill_area'" | tail -n 30
    [ "${PIPESTATUS[0]}" -eq 0 ] || { echo "fuzz.sh: building fuzz-$t failed" >&2; exit 2; }
  done
}

# ---- seeds -----------------------------------------------------------------------------------
# Committed seeds live in Fuzz/corpus/TARGET; the rest are made here from the repository's own
# files into .build-fuzz/seeds/TARGET. The working corpus (.build-fuzz/corpus/TARGET) keeps what
# libFuzzer found across runs.
seeds() {
  local t="$1" dir="$scratch/seeds/$1"
  rm -rf "$dir"; mkdir -p "$dir"
  case "$t" in
    script)
      # Every script of the repository: examples, the standard library, the tests' samples.
      local i=0
      while IFS= read -r f; do
        [ "$(wc -c < "$f")" -le "$(max_len script)" ] && cp "$f" "$dir/$(printf %04d $i)-$(basename "$f")"
        i=$((i + 1))
      done < <(find Examples StdLib Tests -name '*.dcl' | sort)
      ;;
    data)
      # Small slices of the shipped data sets, each behind its loader's selector byte
      # (FuzzData.swift: 0 IDX, 2 CSV, 3 MovieLens).
      python3 - "$dir" <<'PY'
import gzip, struct, sys, os
out = sys.argv[1]
def put(name, selector, *files):
    with open(os.path.join(out, name), "wb") as f:
        f.write(bytes([selector]) + b"\n@@file\n".join(files))
mnist = "Examples/data/mnist"
for kind, n in (("images-idx3", 3), ("labels-idx1", 1)):
    path = f"{mnist}/t10k-{kind}-ubyte.gz"
    if os.path.exists(path):
        raw = gzip.open(path).read()
        dims = struct.unpack(">" + "I" * n, raw[4:4 + 4 * n])
        count = 3
        item = 1
        for d in dims[1:]: item *= d
        head = raw[:4] + struct.pack(">I", count) + raw[8:4 + 4 * n]
        body = raw[4 + 4 * n: 4 + 4 * n + count * item]
        globals()[kind.split("-")[0]] = head + body
if "images" in globals():
    put("idx-images-gz", 0, gzip.compress(images, 9, mtime=0))
    put("idx-images-raw", 0, images)
    put("idx-pair", 0, gzip.compress(images, 9, mtime=0), labels)
def lines(path, n):
    with open(path, "rb") as f: return b"".join(f.readline() for _ in range(n))
if os.path.exists("Examples/data/digits/digits.csv"):
    put("csv-digits", 2, lines("Examples/data/digits/digits.csv", 4))
ml = "Examples/data/ml-latest-small"
if os.path.exists(f"{ml}/ratings.csv"):
    put("movielens-ratings", 3, lines(f"{ml}/ratings.csv", 8))
    put("movielens-genres", 3, lines(f"{ml}/ratings.csv", 8), lines(f"{ml}/movies.csv", 8))
PY
      ;;
    bundle)
      if [ -n "${DCL:-}" ]; then
        local out="$scratch/seeds/bundle-compiled"
        rm -rf "$out"
        for f in Fuzz/corpus/bundle-seeds.dcl Examples/iciia_mnist.dcl Examples/coda_movielens.dcl; do
          "$DCL" compile "$f" -o "$out/$(basename "$f" .dcl)" > /dev/null 2>&1 || true
        done
        for b in "$out"/*/*.dclb; do
          [ -f "$b" ] && [ "$(wc -c < "$b")" -le "$(max_len bundle)" ] && { printf '\0'; cat "$b"; } > "$dir/$(basename "$(dirname "$b")")-$(basename "$b")"
        done
      fi
      ;;
  esac
}

# ---- run -------------------------------------------------------------------------------------
# The first frame of dcl's own code in a crash report (the Swift backtracer's
# "N … in fuzz-x at /…/Sources/…:L:C" lines, or a sanitizer's "#N 0x… in … /…/Sources/…"), and
# the cause: the Swift runtime failure, fatal error or sanitizer/libFuzzer error.
top_frame() {
  local frame cause
  frame="$(grep -a -E '(^|[ /])(Sources|Fuzz/Targets)/' "$1" | grep -a -E '^ *[0-9]+ |^ *#[0-9]+ ' | head -n 1 \
    | sed -E 's/^ *#?[0-9]+ +(\[[a-z]+\] +)*(0x[0-9a-f]+ +)?(in +)?//; s/ \+ [0-9]+ in [^ ]+ at / at /; s/ in [^ ]+ at / at /; s|/[^ ]*/(Sources\|Fuzz/Targets)/|\1/|' \
    | cut -c1-200)"
  cause="$(grep -a -m1 -oE 'Swift runtime failure: .* in [^ ]+ at|Fatal error: .*|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer): [a-zA-Z -]+' "$1" \
    | sed -E 's/ in [^ ]+ at$//' | cut -c1-120)"
  echo "${frame:-?}${cause:+ [$cause]}"
}

findings=0
run() {
  local t="$1" exe="$bin/fuzz-$1"
  [ -x "$exe" ] || { echo "fuzz.sh: $exe is missing (build it first)" >&2; exit 2; }
  local corpus="$scratch/corpus/$t" out="$artifacts/$t" log="$scratch/logs/fuzz-$t.log"
  mkdir -p "$corpus" "$out" "$(dirname "$log")"
  seeds "$t"
  local dict=(); [ -f "Fuzz/dict/$t.dict" ] && dict=("-dict=Fuzz/dict/$t.dict")
  local keep=(); [ "${FUZZ_KEEP_GOING:-0}" = 1 ] && keep=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
  local before; before="$(ls "$out" 2>/dev/null | sort)"
  echo "== fuzz-$t for ${seconds}s (log: $log)"
  # shellcheck disable=SC2086
  local dirs=("$corpus" "$scratch/seeds/$t"); [ -d "Fuzz/corpus/$t" ] && dirs+=("Fuzz/corpus/$t")
  "$exe" "${dirs[@]}" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len="$(max_len "$t")" \
    -print_final_stats=1 -artifact_prefix="$out/" "${dict[@]}" "${keep[@]}" ${FUZZ_ARGS:-} > "$log" 2>&1
  local status=$?
  # The libFuzzer status line closest to the end: coverage (cov), features (ft), corpus, speed.
  local last; last="$(grep -E '(cov|ft): [0-9]+' "$log" | tail -n 1)"
  local runs; runs="$(grep -E '^stat::number_of_executed_units' "$log" | tail -n 1 | awk '{print $2}')"
  [ -n "$runs" ] || runs="$(printf '%s\n' "$last" | sed -nE 's/^#([0-9]+).*/\1/p')"
  local speed; speed="$(grep -E '^stat::average_exec_per_sec' "$log" | tail -n 1 | awk '{print $2}')"
  [ -n "$speed" ] || speed="$(printf '%s\n' "$last" | sed -nE 's/.*exec\/s: ([0-9]+).*/\1/p')"
  echo "   executions: ${runs:-?}  exec/s: ${speed:-?}  $(printf '%s\n' "$last" | grep -oE '(cov|ft|corp): [0-9/]+[a-zA-Z]*' | tr '\n' ' ')"
  local new; new="$(comm -13 <(printf '%s\n' "$before") <(ls "$out" 2>/dev/null | sort) | grep -E '^(crash|leak|timeout|oom)-' || true)"
  if [ -n "$new" ]; then
    while IFS= read -r f; do
      findings=$((findings + 1))
      echo "!! fuzz-$t finding: $out/$f ($(wc -c < "$out/$f") bytes)"
      # Re-run the input alone: its own report gives its own top frame (the run's log may hold
      # several findings in fork mode).
      "$exe" -timeout=10 -rss_limit_mb=2048 "$out/$f" > "$scratch/logs/$f.log" 2>&1
      echo "   top frame: $(top_frame "$scratch/logs/$f.log")"
      echo "   reproduce: $exe $out/$f"
      echo "   base64: $(base64 -w0 < "$out/$f")"
    done <<< "$new"
  elif [ "$status" -ne 0 ]; then
    findings=$((findings + 1))
    echo "!! fuzz-$t exited with status $status and left no input; the end of its log:"
    tail -n 40 "$log"
  fi
}

# Each saved input run once; prints "fixed" or "FAILS" with the top frame.
replay() {
  local t="$1" exe="$bin/fuzz-$1" f
  [ -d "$replay_dir/$t" ] || return 0
  mkdir -p "$scratch/logs"
  for f in "$replay_dir/$t"/*; do
    [ -f "$f" ] || continue
    if "$exe" -timeout=10 -rss_limit_mb=2048 "$f" > "$scratch/logs/replay.log" 2>&1; then
      echo "fixed  $f"
    else
      findings=$((findings + 1))
      echo "FAILS  $f  — $(top_frame "$scratch/logs/replay.log")"
    fi
  done
}

[ "${FUZZ_NO_BUILD:-0}" = 1 ] || build
for t in "${targets[@]}"; do
  if [ "$mode" = replay ]; then replay "$t"; else run "$t"; fi
done
# Scratch directories of fuzz processes that crashed (a normal exit removes its own).
for d in /dev/shm/dcl-fuzz-*; do [ -d "$d" ] && ! kill -0 "${d##*-}" 2>/dev/null && rm -rf "$d"; done
if [ "$findings" -gt 0 ]; then echo "fuzz.sh: $findings finding(s), see above"; exit 1; fi
echo "fuzz.sh: no findings"
