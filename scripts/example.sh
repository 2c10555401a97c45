#!/usr/bin/env bash
# Quick start, part one: install what ember needs, build it, train the CNN example on
# Fashion-MNIST for one epoch.
#
# It configures `build` with exactly the options scripts/test.sh uses, so the two quick
# start commands can run in either order without one leaving the other a cache it does
# not expect (tests/quickstart_order.sh checks this).
# EMBER_CONFIGURE_ONLY=1 stops after the configure step; EMBER_BUILD_DIR replaces `build`.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${EMBER_BUILD_DIR:-build}"
[ "${EMBER_CONFIGURE_ONLY:-0}" = 1 ] || bash scripts/install-deps.sh
# shellcheck source=scripts/release-options.sh
source scripts/release-options.sh
cmake -S . -B "$build" "${EMBER_RELEASE_OPTIONS[@]}"
[ "${EMBER_CONFIGURE_ONLY:-0}" = 1 ] && exit 0
cmake --build "$build" -j"$(nproc)" --target fmnist_cnn
"./$build/examples/fmnist_cnn" --epochs 1 --threads "$(nproc)"
