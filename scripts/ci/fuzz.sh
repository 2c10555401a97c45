#!/usr/bin/env bash
# Builds the libFuzzer targets (clang-19, AddressSanitizer + UndefinedBehaviorSanitizer)
# and runs each one for FUZZ_SECONDS (default 30), starting from the committed seeds
# and every input that ever crashed a parser. Fails on any crash, sanitizer report,
# leak, timeout (FUZZ_TIMEOUT seconds for one input, default 10) or input that needs
# more than FUZZ_RSS_MB of memory (default 2048). Needs: clang-19 and libclang-rt-19-dev
# (plus ember's own build dependencies). Installs nothing.
#
#   scripts/ci/fuzz.sh                     # every target
#   FUZZ_SECONDS=600 scripts/ci/fuzz.sh torch pickle
#
# New corpus entries go to build-fuzz/corpus/<target>/, crashing inputs to
# build-fuzz/artifacts/<target>/ (see docs/FUZZING.md for keeping them).
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds="${FUZZ_SECONDS:-30}"
timeout_s="${FUZZ_TIMEOUT:-10}"
rss_mb="${FUZZ_RSS_MB:-2048}"
cxx="${FUZZ_CXX:-clang++-19}"
build="${FUZZ_BUILD_DIR:-build-fuzz}"
jobs="${FUZZ_BUILD_JOBS:-$(nproc)}"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(safetensors torch pickle idx wordlist)

mkdir -p "$build"
# A build folder configured with the fuzz targets already (scripts/test.sh's sanitizer
# build) is only brought up to date; any other is configured here.
if grep -q '^EMBER_BUILD_FUZZERS:BOOL=ON' "$build/CMakeCache.txt" 2> /dev/null; then
  cmake --build "$build" -j"$jobs" --target ember_fuzzers
else
launcher=()
if command -v ccache > /dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S . -B "$build" -DCMAKE_CXX_COMPILER="$cxx" "${launcher[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
  -DEMBER_BUILD_FUZZERS=ON -DEMBER_SANITIZE=ON -DEMBER_BUILD_TESTS=OFF -DEMBER_BUILD_EXAMPLES=OFF \
  -DEMBER_BUILD_BENCH=OFF -DEMBER_BUILD_REPL=OFF > "$build/configure.log" \
  || { cat "$build/configure.log"; exit 1; }
cmake --build "$build" -j"$jobs" --target ember_fuzzers
fi

export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp}"
# One thread for OpenMP and OpenBLAS: the parsers do not need more, and idle pools
# only slow the fuzzer down.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

failed=()
for t in "${targets[@]}"; do
  work="$build/corpus/$t" artifacts="$build/artifacts/$t"
  mkdir -p "$work" "$artifacts"
  inputs=("$work" "tests/fuzz/corpus/$t")
  [ -d "tests/fuzz/regressions/$t" ] && inputs+=("tests/fuzz/regressions/$t")
  echo "== fuzz_$t for ${seconds}s"
  if ! "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout="$timeout_s" -rss_limit_mb="$rss_mb" \
      -max_len=65536 -print_final_stats=1 -artifact_prefix="$artifacts/" "${inputs[@]}" \
      > "$build/fuzz_$t.log" 2>&1; then
    failed+=("$t")
    tail -n 60 "$build/fuzz_$t.log"
    echo "fuzz_$t FAILED: crashing input(s) in $artifacts/"
  fi
  grep -E "^#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|stat::peak_rss_mb" "$build/fuzz_$t.log" || true
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing found crashes in: ${failed[*]}"
  exit 1
fi
echo "fuzzing: no crashes in ${targets[*]} (${seconds}s each)"
