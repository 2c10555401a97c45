#!/usr/bin/env bash
# The classifier examples data-parallel, as a user starts them: by ember-launch (Gloo)
# and by the real mpirun (Open MPI). Rank 0 alone prints and writes the checkpoint, and
# checkpoints move both ways between a distributed run and a single process.
#
#   examples_distributed.sh PROGRAM_DIR EMBER_LAUNCH MPIRUN WORK_DIR
set -euo pipefail
bin="$1/fmnist_mlp"
launch="$2"
mpirun="$3"
work="$4"
rm -rf "$work" && mkdir -p "$work"
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
common=(--limit-train 1280 --limit-test 500 --batch-size 32 --seed 2)

# 1. Two ranks over Gloo, then a single process resumes from their checkpoint.
"$launch" --nproc 2 "$bin" --distributed "${common[@]}" --epochs 1 --checkpoint gloo.safetensors > gloo.log
grep -q "data-parallel over 2 ranks (gloo), 32 images per rank per step" gloo.log || fail "no Gloo job: $(cat gloo.log)"
[ "$(grep -c '^epoch 1: mean loss' gloo.log)" = 1 ] || fail "not exactly one rank printed the epoch"
"$bin" "${common[@]}" --epochs 2 --checkpoint gloo.safetensors --resume > single.log
grep -q "resumed from gloo.safetensors after epoch 1" single.log || fail "the single process did not resume"
read -r e1 < <(grep -o 'mean loss [0-9.]*' gloo.log | awk '{print $3}')
read -r e2 < <(grep -o 'mean loss [0-9.]*' single.log | awk '{print $3}')
awk -v a="$e1" -v b="$e2" 'BEGIN{exit !(b < a)}' || fail "loss did not fall: distributed epoch 1 $e1, resumed epoch 2 $e2"

# 2. A single process, then two ranks under mpirun resume from its checkpoint.
if [ -n "$mpirun" ]; then
  "$bin" "${common[@]}" --epochs 1 --checkpoint mpi.safetensors > first.log
  # Open MPI in a container: no single-copy mechanism, shared memory and loopback only,
  # and a session folder of this run's own.
  OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_orte_tmpdir_base="$work" \
    "$mpirun" --allow-run-as-root --oversubscribe -np 2 --mca btl self,vader --mca pml ob1 \
    "$bin" --distributed "${common[@]}" --epochs 2 --checkpoint mpi.safetensors --resume > mpi.log 2>&1 \
    || fail "mpirun failed: $(tail -20 mpi.log)"
  grep -q "data-parallel over 2 ranks (mpi)" mpi.log || fail "no MPI job: $(tail -20 mpi.log)"
  [ "$(grep -c 'resumed from mpi.safetensors after epoch 1' mpi.log)" = 1 ] || fail "not exactly one rank printed"
  [ "$(grep -c '^epoch 2: mean loss' mpi.log)" = 1 ] || fail "not exactly one rank printed the epoch"
  "$bin" "${common[@]}" --epochs 2 --checkpoint mpi.safetensors --resume > done.log
  grep -q "nothing to do: the checkpoint already holds 2 epochs" done.log || fail "the MPI run saved no epoch 2"
fi
echo "ok: fmnist_mlp --distributed under ember-launch and mpirun"
