#!/usr/bin/env bash
# Quick start, part one: install what ember needs, build it, train the CNN example on
# Fashion-MNIST for one epoch.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DEMBER_BUILD_TESTS=OFF -DEMBER_BUILD_BENCH=OFF
cmake --build build -j"$(nproc)" --target fmnist_cnn
./build/examples/fmnist_cnn --epochs 1 --threads "$(nproc)"
