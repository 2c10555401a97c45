#!/usr/bin/env bash
# ThreadSanitizer run: builds libember and the multi-threaded test cases with
# -fsanitize=thread (EMBER_SANITIZE=thread) and runs the [threads] cases, which cover the
# thread pool, set_num_threads during work, backward from several threads, the
# DataLoader's workers (one and several), inference on a shared module and a compiled
# (jit) model called from several threads, and SummaryWriter's writer thread. Any report
# fails the run.
# Built with clang-19 where it is installed (scripts/install-deps.sh installs it for the
# fuzz targets), which compiles sanitized code faster than g++ (see scripts/test.sh).
# Otherwise with g++, which ships libtsan. TSAN_CXX picks another compiler. Set
# CMAKE_CXX_COMPILER_LAUNCHER=ccache in the environment to cache the compiles.
set -euo pipefail
cd "$(dirname "$0")/../.."
jobs="$(nproc)"
cxx="${TSAN_CXX:-$(command -v clang++-19 || command -v g++)}"

cmake -S . -B build-tsan -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" -DEMBER_SANITIZE=thread \
  -DEMBER_BUILD_BENCH=OFF -DEMBER_BUILD_EXAMPLES=OFF -DEMBER_BUILD_REPL=OFF -DEMBER_BUILD_JIT=ON -DEMBER_BUILD_TENSORBOARD=ON \
  -DEMBER_USE_DNNL=OFF  # oneDNN's OpenMP runtime is not instrumented either
cmake --build build-tsan -j"$jobs" --target ember-thread-tests ember-jit-tests ember-tensorboard-tests

# OpenBLAS is not instrumented, so ThreadSanitizer cannot see how its threads hand work
# back; one OpenBLAS thread per calling thread keeps its work on the caller. (The cases
# keep their matrix products below OpenBLAS's threading size even where they change the
# thread count.)
export OPENBLAS_NUM_THREADS=1
export TSAN_OPTIONS="halt_on_error=0 exitcode=66 second_deadlock_stack=1 history_size=4"
./build-tsan/tests/ember-thread-tests "[threads]"
# A compiled (jit) model called from several threads at once.
./build-tsan/tests/jit/ember-jit-tests "[threads]"
# SummaryWriter: callers enqueue while the writer thread encodes and writes; flush,
# close and the destructor hand over the queue.
./build-tsan/tests/tensorboard/ember-tensorboard-tests "[tensorboard]"
