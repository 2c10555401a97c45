#!/usr/bin/env bash
# ONNX import from PyTorch: python3-torch exports an MLP, a CNN with batch norm, an LSTM
# and a transformer encoder layer (torch.onnx.export, opset 17) with its own outputs;
# ember loads each file and must give PyTorch's outputs within 1e-5.
#   tests/onnx/run_import.sh CHECKER PYTHON3 WORK_DIR
set -euo pipefail
checker="$1" python="$2" work="$3"
here="$(cd "$(dirname "$0")" && pwd)"
rm -rf "$work" && mkdir -p "$work"
"$python" "$here/torch_export_models.py" "$work" 2> "$work/export.log"
"$checker" "$work"
