#!/usr/bin/env bash
# words_lstm --distributed, as a user starts it: by ember-launch (Gloo) and by the real
# mpirun (Open MPI). Rank 0 alone prints and writes the checkpoint, and checkpoints move
# both ways between a distributed run and a single process.
#
#   words_lstm_distributed.sh WORDS_LSTM EMBER_LAUNCH MPIRUN WORK_DIR
set -euo pipefail
bin="$1"
launch="$2"
mpirun="$3"
work="$4"
rm -rf "$work" && mkdir -p "$work"
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
common=(--batch-size 16 --seed 3 --held-out 500 --checkpoint-every 10 --samples 2)
loss_of() { grep -o 'held-out loss [0-9.]*' "$1" | awk '{print $3}'; }

# 1. Two ranks over Gloo, then a single process resumes from their checkpoint.
"$launch" --nproc 2 "$bin" --distributed "${common[@]}" --batches 20 --checkpoint gloo.safetensors > gloo.log
grep -q "data-parallel over 2 ranks (gloo), 16 words per rank per step" gloo.log || fail "no Gloo job: $(cat gloo.log)"
[ "$(grep -c '^done: 20 batches' gloo.log)" = 1 ] || fail "not exactly one rank printed the result: $(cat gloo.log)"
[ "$(grep -c 'training words' gloo.log)" = 1 ] || fail "not exactly one rank printed the word counts"
"$bin" "${common[@]}" --batches 60 --checkpoint gloo.safetensors --resume > single.log
grep -q "resumed from gloo.safetensors after batch 20" single.log || fail "the single process did not resume"
awk -v a="$(loss_of gloo.log)" -v b="$(loss_of single.log)" 'BEGIN{exit !(b < a)}' \
  || fail "held-out loss did not fall: distributed $(loss_of gloo.log), resumed $(loss_of single.log)"

# 2. Three ranks over Gloo.
"$launch" --nproc 3 "$bin" --distributed "${common[@]}" --batches 4 > three.log
grep -q "data-parallel over 3 ranks (gloo)" three.log || fail "no 3-rank job: $(cat three.log)"

# 3. A single process, then two ranks under mpirun resume from its checkpoint.
if [ -n "$mpirun" ]; then
  "$bin" "${common[@]}" --batches 10 --checkpoint mpi.safetensors > first.log
  OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_orte_tmpdir_base="$work" \
    "$mpirun" --allow-run-as-root --oversubscribe -np 2 --mca btl self,vader --mca pml ob1 \
    "$bin" --distributed "${common[@]}" --batches 30 --checkpoint mpi.safetensors --resume > mpi.log 2>&1 \
    || fail "mpirun failed: $(tail -20 mpi.log)"
  grep -q "data-parallel over 2 ranks (mpi)" mpi.log || fail "no MPI job: $(tail -20 mpi.log)"
  [ "$(grep -c 'resumed from mpi.safetensors after batch 10' mpi.log)" = 1 ] || fail "not exactly one rank printed"
  [ "$(grep -c '^done: 30 batches' mpi.log)" = 1 ] || fail "not exactly one rank printed the result"
  "$bin" "${common[@]}" --batches 30 --checkpoint mpi.safetensors --resume --samples 0 > done.log
  grep -q "resumed from mpi.safetensors after batch 30" done.log || fail "the MPI run saved no batch 30"
fi
echo "ok: words_lstm --distributed under ember-launch and mpirun"
