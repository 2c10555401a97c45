#!/usr/bin/env bash
# Quick start, part two: install what ember needs, build it, and run the whole test
# suite twice: a normal release build, then everything under AddressSanitizer and
# UndefinedBehaviorSanitizer (EMBER_SANITIZE=ON); then the multi-threaded cases under
# ThreadSanitizer (scripts/ci/tsan.sh) and every file parser under libFuzzer for a
# bounded time (scripts/ci/fuzz.sh, FUZZ_SECONDS per target).
#
# Every option is set explicitly whatever an earlier configure left in the cache, and
# ctest treats "no tests found" as a failure.
# EMBER_CONFIGURE_ONLY=1 stops after the release configure; EMBER_BUILD_DIR replaces `build`.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${EMBER_BUILD_DIR:-build}"
[ "${EMBER_CONFIGURE_ONLY:-0}" = 1 ] || bash scripts/install-deps.sh
jobs="$(nproc)"
# Each stage's wall time, so a slow stage shows in the CI log.
stage() { echo "== [${SECONDS}s] $*"; }

# shellcheck source=scripts/release-options.sh
source scripts/release-options.sh
cmake -S . -B "$build" "${EMBER_RELEASE_OPTIONS[@]}"
[ "${EMBER_CONFIGURE_ONLY:-0}" = 1 ] && exit 0
stage "release build"
cmake --build "$build" -j"$jobs"
stage "release tests"
ctest --test-dir "$build" --output-on-failure --no-tests=error -j"$jobs"

stage "sanitizer build"
# clang-19 (installed for the libFuzzer targets) builds the sanitized tree: with
# -fsanitize=address,undefined it compiles the test files 2-4 times faster than g++ does
# (tests/test_nn_loss.cpp: 15 s of CPU against 67 s), and one build holds the test suite
# and the fuzz targets, so the library is instrumented once. The release build above is
# g++'s, so both compilers build everything.
# ember_distributed is left out here: its tests start several processes through mpirun
# and Gloo, whose runtimes are not instrumented; they run in the release build.
# -g1 (line tables only): sanitizer reports keep their file:line, and the builds take
# about 40 % less time than with full debug info (-g).
sanitize_build=build-asan
cmake -S . -B "$sanitize_build" -DCMAKE_CXX_COMPILER=clang++-19 -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
  -DEMBER_SANITIZE=ON -DEMBER_BUILD_TESTS=ON -DEMBER_BUILD_FUZZERS=ON \
  -DEMBER_BUILD_BENCH=OFF -DEMBER_BUILD_EXAMPLES=OFF -DEMBER_BUILD_REPL=OFF -DEMBER_BUILD_JIT=ON -DEMBER_BUILD_ONNX=ON -DEMBER_BUILD_TENSORBOARD=ON \
  -DEMBER_BUILD_DISTRIBUTED=OFF
cmake --build "$sanitize_build" -j"$jobs"
stage "sanitizer tests"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions="$PWD/tests/lsan.supp"
ctest --test-dir "$sanitize_build" --output-on-failure --no-tests=error -j"$jobs"

# ThreadSanitizer over the multi-threaded cases (thread pool, set_num_threads during
# work, backward from several threads, the DataLoader, shared modules).
stage "thread sanitizer"
bash scripts/ci/tsan.sh

# Every file parser under libFuzzer with ASan and UBSan (clang-19), from the committed
# seeds and past crashes, from the sanitizer build above; a longer run is in
# docs/FUZZING.md.
stage "fuzzing"
FUZZ_BUILD_DIR="$sanitize_build" FUZZ_SECONDS="${FUZZ_SECONDS:-10}" bash scripts/ci/fuzz.sh
stage "done"
