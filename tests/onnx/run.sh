#!/usr/bin/env bash
# The ONNX export check: ember writes the models and its own outputs, the onnx package
# checks the files, ONNX Runtime runs them. Fails (never skips) when a side is missing.
#   tests/onnx/run.sh EXPORTER PYTHON3 ORT_DIR WORK_DIR
set -euo pipefail
exporter="$1" python="$2" ort_dir="$3" work="$4"
here="$(cd "$(dirname "$0")" && pwd)"
rm -rf "$work" && mkdir -p "$work"
"$exporter" "$work"
"$python" "$here/check_models.py" "$work"
if [ ! -d "$ort_dir/node_modules/onnxruntime-node" ]; then
  echo "onnxruntime-node is not installed under $ort_dir (scripts/install-deps.sh installs it)" >&2
  exit 1
fi
node "$here/run_onnxruntime.js" "$work" "$ort_dir"
