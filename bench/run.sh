#!/usr/bin/env bash
# Runs ember-bench and torch-bench (built beforehand; this script builds nothing) at 1 and
# 2 threads and prints the figures side by side with each ember/LibTorch ratio.
#
#   bench/run.sh [--build DIR] [--repeat N] [--only w1,w2] [--threads "1 2"] [--out DIR]
#
# --build   the CMake build directory holding bench/ember-bench (default: ./build)
# --repeat  run every program N times, alternating them, and report per-figure medians
#           (the machines this runs on are shared and noisy; default 1)
# --only    a comma-separated subset of the workloads (default: all of them:
#           overhead_add overhead_autograd elementwise reduce matmul conv2d mlp_fmnist
#           cnn_fmnist lstm_words build)
# --out     where the raw JSON lines go (default: a new temporary directory); its
#           *.jsonl files are replaced
#
# The programs alternate workload by workload so that both libraries' figures for a
# workload are taken close together in time, under the same background load. Every
# workload runs in a process of its own, so a training workload's peak RSS is its own.
# `build` (bench/build_bench.sh: compile time of a TU with the MLP, shared library size)
# is not threaded and runs once per pass, with the first thread count.
# Each run sets ember's thread count (--threads), OMP_NUM_THREADS and
# OPENBLAS_NUM_THREADS to the same number. At more than one thread LibTorch runs twice,
# as is and with OMP_WAIT_POLICY=PASSIVE (its OpenMP pool otherwise spins against
# OpenBLAS's threads), and the table compares against the better of the two. ember runs
# both ways too, since on a loaded machine spinning OpenMP threads cost it as much: the
# table's ember/torch ratio takes ember as is, and a second ratio ember's better figure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="build"
repeat=1
only=""
threads="1 2"
out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --repeat) repeat="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done

ember_bin="$build/bench/ember-bench"
torch_bin="$build/bench/torch-bench"
if [[ ! -x "$ember_bin" ]]; then
  echo "run.sh: $ember_bin not found; build first: cmake --build $build --target ember-bench torch-bench" >&2
  exit 1
fi
if [[ ! -x "$torch_bin" ]]; then
  echo "run.sh: $torch_bin not found (LibTorch missing?); showing ember alone" >&2
  torch_bin=""
fi
[[ -n "$out" ]] || out="$(mktemp -d -t ember-bench.XXXXXX)"
mkdir -p "$out"
workloads="${only:-overhead_add,overhead_autograd,elementwise,reduce,matmul,conv2d,mlp_fmnist,cnn_fmnist,lstm_words,build}"
first_threads="${threads%% *}"

# run LABEL THREADS WORKLOAD BINARY [ENV=VALUE...]: one program run, its JSON lines
# appended to $out/LABEL-THREADS-PASS.jsonl.
run() {
  local label="$1" t="$2" w="$3" bin="$4"
  shift 4
  echo "  pass $pass, $t thread(s): $label $w" >&2
  env OMP_NUM_THREADS="$t" OPENBLAS_NUM_THREADS="$t" "$@" "$bin" --threads "$t" --only "$w" \
    >> "$out/$label-$t-$pass.jsonl"
}

# build_side LIBRARY: the build workload for one library, into the first thread count's file.
build_side() {
  echo "  pass $pass: build $1" >&2
  "$here/build_bench.sh" --lib "$1" --build "$build" --repeat 3 >> "$out/$1-$first_threads-$pass.jsonl"
}

rm -f "$out"/*.jsonl
for ((pass = 1; pass <= repeat; ++pass)); do
  for t in $threads; do
    for w in ${workloads//,/ }; do
      if [[ "$w" == build ]]; then
        if [[ "$t" == "$first_threads" ]]; then
          build_side ember
          [[ -n "$torch_bin" ]] && build_side torch
        fi
        continue
      fi
      run ember "$t" "$w" "$ember_bin"
      if [[ "$t" -gt 1 ]]; then
        run ember-passive "$t" "$w" "$ember_bin" OMP_WAIT_POLICY=PASSIVE
      fi
      if [[ -n "$torch_bin" ]]; then
        run torch "$t" "$w" "$torch_bin"
        if [[ "$t" -gt 1 ]]; then
          run torch-passive "$t" "$w" "$torch_bin" OMP_WAIT_POLICY=PASSIVE
        fi
      fi
    done
  done
done

echo "raw figures: $out" >&2
python3 "$here/compare.py" "$out"
