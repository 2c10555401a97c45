#!/usr/bin/env bash
# Runs ember-bench and torch-bench (built beforehand; this script builds nothing) at 1 and
# 2 threads and prints the figures side by side with each ember/LibTorch ratio; and the
# static-graph workloads: eager ember, compiled ember and TorchScript.
#
#   bench/run.sh [--build DIR] [--repeat N] [--only w1,w2] [--threads "1 2"] [--out DIR]
#   bench/run.sh --only mlp_infer,fusion,serve_mlp --repeat 5    # the static-graph marks
#
# --build   the CMake build directory holding bench/ember-bench (default: ./build)
# --repeat  run every program N times, alternating them, and report per-figure medians
#           (the machines this runs on are shared and noisy; default 1)
# --only    a comma-separated subset of the workloads (default: all of them:
#           overhead_add overhead_autograd elementwise reduce matmul ops conv2d mlp_fmnist
#           cnn_fmnist lstm_words build mlp_infer fusion train_step serve_mlp allreduce ddp_mlp)
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
#
# The static-graph workloads (skipped, with a note, when their programs are not built):
# mlp_infer, fusion and train_step (mlp_fmnist's epoch, eager steps against a compiled
# step) run bench/ember-jit-bench (eager and compiled ember in one process) at each
# thread count; mlp_infer also runs bench/torchscript-bench on the same
# MLP traced by bench/trace_mlp.py (once per run, into OUT/model, from the weights and
# inputs ember-jit-bench --export writes; needs Debian's python3-torch, which belongs to
# /usr/bin/python3), as is and, above one thread, with OMP_WAIT_POLICY=PASSIVE.
# serve_mlp runs examples/serve_mlp once per pass with 1 request thread (ember's thread
# count inside each op at its default, the cores, and at 1) and with 2 request threads.
#
# The distributed workloads run once per pass, 2 local processes of one thread each
# (skipped, with a note, when ember_distributed, ember-launch or python3-torch is missing):
# allreduce runs tests/distributed/distributed_bench (1 KiB to 64 MiB, float32 sum) on
# Gloo through tools/launch/ember-launch and on MPI through mpirun, and
# bench/allreduce_torch.py (torch.distributed with Gloo); ddp_mlp runs bench/ddp_mlp_bench
# (mlp_fmnist's model, one epoch) on 1 process at 1 and 2 threads and data-parallel on
# 2 processes of 1 thread (DistributedDataParallel over Gloo), and bench/ddp_mlp_torch.py
# (PyTorch's DistributedDataParallel over Gloo, 2 processes of 1 thread).
#
# EMBER_SIMD=avx2 (or sse2) measures an AVX2-only (or SSE-only) machine on a wider CPU:
# it caps ember's kernels, and this script caps LibTorch's the same way
# (ATEN_CPU_CAPABILITY for ATen's kernels, ONEDNN_MAX_CPU_ISA for the oneDNN both
# libraries use), unless those variables are set already. The table's first line says
# which caps each side ran under.
set -euo pipefail

case "${EMBER_SIMD:-}" in
  avx2) export ATEN_CPU_CAPABILITY="${ATEN_CPU_CAPABILITY:-avx2}" ONEDNN_MAX_CPU_ISA="${ONEDNN_MAX_CPU_ISA:-AVX2}" ;;
  sse2) export ATEN_CPU_CAPABILITY="${ATEN_CPU_CAPABILITY:-default}" ONEDNN_MAX_CPU_ISA="${ONEDNN_MAX_CPU_ISA:-SSE41}" ;;
esac

# OpenBLAS (LibTorch's GEMMs; ember's float64 ones) picks its kernels by CPU model, and a
# model newer than the library gets its generic SSE3 kernels: Debian 12's OpenBLAS 0.3.21
# runs "Prescott" on a 5th-generation Xeon (family 6, model 207), several times slower
# than its AVX-512 kernels. So unless OPENBLAS_CORETYPE is set already, an AVX2 run caps
# it at Haswell (as the caps above), and any run where it fell back to a pre-AVX2 kernel
# on a CPU with AVX2 or AVX-512 gets the newest kernel the CPU can run. The table's first
# line names the kernel LibTorch ran.
if [ -z "${OPENBLAS_CORETYPE:-}" ]; then
  openblas_core="$(python3 -c 'import ctypes; lib = ctypes.CDLL("libopenblas.so.0"); lib.openblas_get_corename.restype = ctypes.c_char_p; print(lib.openblas_get_corename().decode())' 2> /dev/null || true)"
  cpu_flags=" $(grep -m1 '^flags' /proc/cpuinfo 2> /dev/null | cut -d: -f2) "
  has_flags() { local f; for f in "$@"; do [[ "$cpu_flags" == *" $f "* ]] || return 1; done; }
  case "${EMBER_SIMD:-}:${openblas_core,,}" in
    avx2:*) has_flags avx2 fma && export OPENBLAS_CORETYPE=Haswell ;;
    :prescott | :core2 | :penryn | :dunnington | :nehalem | :sandybridge | :atom)
      if has_flags avx512f avx512bw avx512vl avx512dq; then export OPENBLAS_CORETYPE=SkylakeX
      elif has_flags avx2 fma; then export OPENBLAS_CORETYPE=Haswell; fi ;;
  esac
fi

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
    -h|--help) sed -n '2,52p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done

workloads="${only:-overhead_add,overhead_autograd,elementwise,reduce,matmul,ops,conv2d,mlp_fmnist,cnn_fmnist,lstm_words,build,mlp_infer,fusion,train_step,serve_mlp,allreduce,ddp_mlp}"
first_threads="${threads%% *}"
wants() { [[ ",$workloads," == *",$1,"* ]]; }
# Whether any workload of ember-bench / torch-bench is asked for.
suite_wanted=""
for w in ${workloads//,/ }; do
  case "$w" in mlp_infer|fusion|serve_mlp|allreduce|ddp_mlp) ;; *) suite_wanted=1 ;; esac
done

ember_bin="$build/bench/ember-bench"
torch_bin="$build/bench/torch-bench"
if [[ -n "$suite_wanted" && ! -x "$ember_bin" ]]; then
  echo "run.sh: $ember_bin not found; build first: cmake --build $build --target ember-bench torch-bench" >&2
  exit 1
fi
if [[ -n "$suite_wanted" && ! -x "$torch_bin" ]]; then
  echo "run.sh: $torch_bin not found (LibTorch missing?); showing ember alone" >&2
  torch_bin=""
fi
[[ -n "$out" ]] || out="$(mktemp -d -t ember-bench.XXXXXX)"
mkdir -p "$out"

# The static-graph programs.
jit_bin="$build/bench/ember-jit-bench"
ts_bin="$build/bench/torchscript-bench"
serve_bin="$build/examples/serve_mlp"
if [[ ! -x "$jit_bin" ]] && { wants mlp_infer || wants fusion; }; then
  echo "run.sh: $jit_bin not found (ember_jit off?); skipping mlp_infer and fusion" >&2
  jit_bin=""
fi
if [[ ! -x "$serve_bin" ]] && wants serve_mlp; then
  echo "run.sh: $serve_bin not found (examples off?); skipping serve_mlp" >&2
  serve_bin=""
fi
# The python3 that has torch (Debian's python3-torch belongs to /usr/bin/python3), or "".
torch_python() {
  local candidate
  for candidate in /usr/bin/python3 python3; do
    if "$candidate" -c "import torch" 2>/dev/null; then echo "$candidate"; return; fi
  done
}

# The distributed programs.
dist_bin="$build/tests/distributed/distributed_bench"
ddp_bin="$build/bench/ddp_mlp_bench"
launch_bin="$build/tools/launch/ember-launch"
dist_py=""
if wants allreduce || wants ddp_mlp; then
  if [[ ! -x "$launch_bin" ]]; then
    echo "run.sh: $launch_bin not found (EMBER_BUILD_DISTRIBUTED off?); skipping allreduce and ddp_mlp" >&2
    dist_bin=""
    ddp_bin=""
  fi
  if [[ -n "$dist_bin" && ! -x "$dist_bin" ]] && wants allreduce; then
    echo "run.sh: $dist_bin not found (tests or ember_distributed off?); skipping allreduce" >&2
    dist_bin=""
  fi
  if [[ -n "$ddp_bin" && ! -x "$ddp_bin" ]] && wants ddp_mlp; then
    echo "run.sh: $ddp_bin not found (bench or ember_distributed off?); skipping ddp_mlp" >&2
    ddp_bin=""
  fi
  dist_py="$(torch_python)"
  [[ -n "$dist_py" ]] || echo "run.sh: no python3 with torch (python3-torch); allreduce and ddp_mlp without PyTorch" >&2
fi
mpirun_bin="$(command -v mpirun || true)"

# TorchScript: trace ember's MLP once, with python3-torch's interpreter.
if [[ -n "$jit_bin" ]] && wants mlp_infer; then
  if [[ ! -x "$ts_bin" ]]; then
    echo "run.sh: $ts_bin not found (LibTorch missing?); mlp_infer without TorchScript" >&2
    ts_bin=""
  else
    py="$(torch_python)"
    if [[ -z "$py" ]]; then
      echo "run.sh: no python3 with torch (python3-torch); mlp_infer without TorchScript" >&2
      ts_bin=""
    else
      mkdir -p "$out/model"
      "$jit_bin" --export "$out/model"
      "$py" "$here/trace_mlp.py" "$out/model" >&2
    fi
  fi
fi

# run_jit THREADS WORKLOAD: ember-jit-bench, and torchscript-bench for mlp_infer.
run_jit() {
  local t="$1" w="$2"
  [[ -n "$jit_bin" ]] || return 0
  echo "  pass $pass, $t thread(s): ember-jit-bench $w" >&2
  env OMP_NUM_THREADS="$t" OPENBLAS_NUM_THREADS="$t" "$jit_bin" --threads "$t" --only "$w" \
    >> "$out/jit-$t-$pass.jsonl"
  if [[ "$w" == mlp_infer && -n "$ts_bin" ]]; then
    echo "  pass $pass, $t thread(s): torchscript-bench" >&2
    env OMP_NUM_THREADS="$t" OPENBLAS_NUM_THREADS="$t" "$ts_bin" --model "$out/model" --threads "$t" \
      >> "$out/torchscript-$t-$pass.jsonl"
    if [[ "$t" -gt 1 ]]; then
      env OMP_NUM_THREADS="$t" OPENBLAS_NUM_THREADS="$t" OMP_WAIT_POLICY=PASSIVE "$ts_bin" --model "$out/model" \
        --threads "$t" >> "$out/torchscript-passive-$t-$pass.jsonl"
    fi
  fi
}

# run_serve: serve_mlp with 1 request thread (ember's threads inside each op at the
# default and at 1) and with 2; the environment's thread settings are left out, as
# serve_mlp sets ember's (and OpenBLAS's) thread count itself.
run_serve() {
  [[ -n "$serve_bin" ]] || return 0
  echo "  pass $pass: serve_mlp 1 and 2 request threads" >&2
  # 300000 requests: about 2.7 s at one thread, 1.4 s at two. With 20000 the run lasted
  # a few tenths of a second, and OpenBLAS's idle worker, which spins for about 0.1 s
  # after the library loads, held the second core for part of the 2-thread run (1.3-1.8x
  # one thread, against 1.85-1.95x with 100000, on a 2-core Xeon); with 100000 a burst
  # of load from the host's other tenants could still take a whole 2-thread run (1.45x
  # once, against 1.88-1.98x run by hand minutes later).
  local common=(--requests 300000 --json)
  env -u OMP_NUM_THREADS -u OPENBLAS_NUM_THREADS "$serve_bin" --threads 1 "${common[@]}" >> "$out/serve-1-$pass.jsonl"
  env -u OMP_NUM_THREADS -u OPENBLAS_NUM_THREADS "$serve_bin" --threads 1 --intra-op-threads 1 "${common[@]}" \
    >> "$out/serve-1-$pass.jsonl"
  env -u OMP_NUM_THREADS -u OPENBLAS_NUM_THREADS "$serve_bin" --threads 2 "${common[@]}" >> "$out/serve-2-$pass.jsonl"
}

# mpirun as the tests start it (tests/distributed/launch.py): shared memory without
# single-copy (containers forbid it), root allowed, a fresh session directory per run.
mpirun_2() {
  local session
  session="$(mktemp -d -t ember-mpi.XXXXXX)"
  env OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_orte_tmpdir_base="$session" \
    "$mpirun_bin" --allow-run-as-root --oversubscribe -np 2 --mca btl self,vader --mca pml ob1 "$@"
  rm -rf "$session"
}

# run_allreduce: all_reduce bandwidth, ember on Gloo and on MPI and torch.distributed on
# Gloo, 2 processes of 1 thread each, back to back.
run_allreduce() {
  [[ -n "$dist_bin" ]] || return 0
  local one=(env OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1)
  echo "  pass $pass: allreduce ember gloo" >&2
  "${one[@]}" "$launch_bin" --nproc 2 "$dist_bin" gloo --json >> "$out/allreduce_ember_gloo-1-$pass.jsonl"
  if [[ -n "$mpirun_bin" ]]; then
    echo "  pass $pass: allreduce ember mpi" >&2
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 mpirun_2 "$dist_bin" mpi --json >> "$out/allreduce_ember_mpi-1-$pass.jsonl"
  else
    echo "run.sh: no mpirun; allreduce without ember's mpi backend" >&2
  fi
  if [[ -n "$dist_py" ]]; then
    echo "  pass $pass: allreduce torch gloo" >&2
    "${one[@]}" "$dist_py" "$here/allreduce_torch.py" --json >> "$out/allreduce_torch_gloo-1-$pass.jsonl"
  fi
}

# run_ddp: mlp_fmnist's model one epoch: ember on 1 process at 1 and 2 threads, ember DDP
# on 2 processes of 1 thread, PyTorch DDP on 2 processes of 1 thread.
run_ddp() {
  [[ -n "$ddp_bin" ]] || return 0
  echo "  pass $pass: ddp_mlp ember 2x1" >&2
  env OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "$launch_bin" --nproc 2 "$ddp_bin" --distributed --threads 1 \
    >> "$out/ddp_ember_2x1-1-$pass.jsonl"
  if [[ -n "$dist_py" ]]; then
    echo "  pass $pass: ddp_mlp torch 2x1" >&2
    env OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "$dist_py" "$here/ddp_mlp_torch.py" --nproc 2 --threads 1 \
      >> "$out/ddp_torch_2x1-1-$pass.jsonl"
  fi
  local t
  for t in 1 2; do
    echo "  pass $pass: ddp_mlp ember 1x$t" >&2
    env OMP_NUM_THREADS="$t" OPENBLAS_NUM_THREADS="$t" "$ddp_bin" --threads "$t" >> "$out/ddp_ember_1x$t-$t-$pass.jsonl"
  done
}

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
      case "$w" in
        mlp_infer|fusion|train_step) run_jit "$t" "$w"; continue ;;
        serve_mlp) [[ "$t" == "$first_threads" ]] && run_serve; continue ;;
        allreduce) [[ "$t" == "$first_threads" ]] && run_allreduce; continue ;;
        ddp_mlp) [[ "$t" == "$first_threads" ]] && run_ddp; continue ;;
      esac
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
