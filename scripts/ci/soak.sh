#!/usr/bin/env bash
# The soak tests alone (tests/test_soak.cpp: training loops of 10^4 steps, 10^6 tensors
# handed between threads, a long DataLoader run), on an existing build directory
# (default: build). Each checks that memory plateaus; a few seconds each.
set -euo pipefail
cd "$(dirname "$0")/../.."
build="${1:-build}"
cmake --build "$build" --target ember-tests -j"$(nproc)"
ctest --test-dir "$build" -L soak --output-on-failure
