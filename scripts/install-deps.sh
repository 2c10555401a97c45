#!/usr/bin/env bash
# Installs the Debian 12 packages ember builds and tests with (run as root).
set -euo pipefail
packages=(cmake g++ make pkg-config libxsimd-dev xtensor-dev libopenblas-dev libfmt-dev catch2 nlohmann-json3-dev
  zlib1g-dev            # gzip-compressed IDX datasets
  libdnnl-dev           # oneDNN's sgemm for float32 convolutions (optional: without it, OpenBLAS's)
  dpkg-dev              # dpkg-shlibdeps, for the Debian package made by cpack
  doxygen               # the API reference (docs/api) and its warning check
  dataset-fashion-mnist # the training examples and their tests
  wamerican             # /usr/share/dict/words for words_lstm
  python3-torch         # the checkpoint interop test (io_torch_interop)
  python3-onnx          # the ONNX export check: onnx's checker
  libonnx-testdata      # ONNX's own conformance cases, run through the importer
  libclang-19-dev libclang-cpp19-dev llvm-19-dev  # ember-repl (clang's Interpreter library)
  clang-19 libclang-rt-19-dev  # the libFuzzer targets (scripts/ci/fuzz.sh)
  protobuf-compiler python3-protobuf python3-crcmod python3-pil  # TensorBoard files decoded by an independent reader
  graphviz              # autograd graph pictures rendered by dot in the tests
  libgloo-dev libopenmpi-dev openmpi-bin  # ember_distributed's two backends, and mpirun
  chromium)             # ember-board's page loaded in a real browser
# Node.js and npm run ONNX Runtime for the ONNX export check. A machine that already has
# both (from another source, whose nodejs package may conflict with Debian's npm) keeps them.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# ONNX Runtime for the ONNX export check, from npm: its Linux x64 runtime ships inside the
# package (its install script only fetches GPU extras, hence --ignore-scripts).
ort_dir=/opt/ember-onnxruntime-node
if [ ! -d "$ort_dir/node_modules/onnxruntime-node" ]; then
  npm install --silent --no-audit --no-fund --ignore-scripts --prefix "$ort_dir" onnxruntime-node@1.30.0
fi
