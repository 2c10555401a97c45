#!/usr/bin/env bash
# Quick start, part two: install what ember needs, build it, and run the whole test
# suite twice: a normal release build, then everything under AddressSanitizer and
# UndefinedBehaviorSanitizer (EMBER_SANITIZE=ON).
#
# Every option is set explicitly whatever an earlier configure left in the cache, and
# ctest treats "no tests found" as a failure.
# EMBER_CONFIGURE_ONLY=1 stops after the release configure; EMBER_BUILD_DIR replaces `build`.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${EMBER_BUILD_DIR:-build}"
[ "${EMBER_CONFIGURE_ONLY:-0}" = 1 ] || bash scripts/install-deps.sh
jobs="$(nproc)"

# shellcheck source=scripts/release-options.sh
source scripts/release-options.sh
cmake -S . -B "$build" "${EMBER_RELEASE_OPTIONS[@]}"
[ "${EMBER_CONFIGURE_ONLY:-0}" = 1 ] && exit 0
cmake --build "$build" -j"$jobs"
ctest --test-dir "$build" --output-on-failure --no-tests=error -j"$jobs"

cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEMBER_SANITIZE=ON -DEMBER_BUILD_TESTS=ON \
  -DEMBER_BUILD_BENCH=OFF -DEMBER_BUILD_EXAMPLES=OFF -DEMBER_BUILD_REPL=OFF
cmake --build build-sanitize -j"$jobs"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions="$PWD/tests/lsan.supp"
ctest --test-dir build-sanitize --output-on-failure --no-tests=error -j"$jobs"
