#!/usr/bin/env bash
# Runs tutorial 5's round trip: C++ saves, Python loads and saves, C++ loads.
# Usage: 05_checkpoints_and_python.sh <tutorial program> <python3> <scratch dir>
set -euo pipefail
program="$1" python="$2" dir="$3"
rm -rf "$dir" && mkdir -p "$dir"
"$program" save "$dir"
"$python" "$(dirname "$0")/05_checkpoints_and_python.py" "$dir"
"$program" load "$dir"
