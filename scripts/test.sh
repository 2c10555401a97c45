#!/usr/bin/env bash
# Quick start, part two: install what ember needs, build it, and run the whole test
# suite twice: a normal release build, then everything under AddressSanitizer and
# UndefinedBehaviorSanitizer (EMBER_SANITIZE=ON).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
jobs="$(nproc)"

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DEMBER_BUILD_BENCH=OFF
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs"

cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEMBER_SANITIZE=ON -DEMBER_BUILD_BENCH=OFF \
  -DEMBER_BUILD_EXAMPLES=OFF
cmake --build build-sanitize -j"$jobs"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions="$PWD/tests/lsan.supp"
ctest --test-dir build-sanitize --output-on-failure -j"$jobs"
