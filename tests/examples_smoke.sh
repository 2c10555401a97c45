#!/usr/bin/env bash
# Smoke test of a training example: a few batches on a slice of the data must lower the
# loss, and a run resumed from a checkpoint must end bit-for-bit where the uninterrupted
# run ends (the two final checkpoints are identical files).
#
#   examples_smoke.sh PROGRAM_DIR fmnist_mlp|fmnist_cnn|words_lstm WORK_DIR
set -euo pipefail
bin="$1/$2"
work="$3"
rm -rf "$work" && mkdir -p "$work"
cd "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }

# Mean of the numbers after "loss " on the first and last progress lines.
first_last_loss() { grep -o 'loss [0-9.]*' "$1" | awk 'NR==1{f=$2} {l=$2} END{print f, l}'; }

case "$2" in
  fmnist_*)
    common=(--limit-train 1280 --limit-test 1000 --batch-size 64 --seed 3)
    "$bin" "${common[@]}" --epochs 2 --checkpoint straight.safetensors > straight.log
    "$bin" "${common[@]}" --epochs 1 --checkpoint resumed.safetensors > part1.log
    "$bin" "${common[@]}" --epochs 2 --checkpoint resumed.safetensors --resume > part2.log
    grep -q "resumed from resumed.safetensors after epoch 1" part2.log || fail "the resumed run did not resume"
    # The per-epoch mean loss of the second epoch is below the first's.
    read -r e1 e2 < <(grep -o 'mean loss [0-9.]*' straight.log | awk '{printf "%s ", $3} END {print ""}')
    awk -v a="$e1" -v b="$e2" 'BEGIN{exit !(b < a)}' || fail "loss did not fall: epoch 1 $e1, epoch 2 $e2"
    ;;
  words_lstm)
    common=(--batch-size 16 --held-out 200 --seed 3 --samples 3 --checkpoint-every 10)
    "$bin" "${common[@]}" --batches 40 --checkpoint straight.safetensors > straight.log
    "$bin" "${common[@]}" --batches 20 --checkpoint resumed.safetensors > part1.log
    "$bin" "${common[@]}" --batches 40 --checkpoint resumed.safetensors --resume > part2.log
    grep -q "resumed from resumed.safetensors after batch 20" part2.log || fail "the resumed run did not resume"
    read -r first last < <(first_last_loss straight.log)
    awk -v a="$first" -v b="$last" 'BEGIN{exit !(b < a)}' || fail "loss did not fall: first $first, last $last"
    ;;
  *) fail "unknown example $2" ;;
esac
cmp straight.safetensors resumed.safetensors || fail "the resumed run ended in a different state"
echo "ok: $2 trains and resumes bit-for-bit"
