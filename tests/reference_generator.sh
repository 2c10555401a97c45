#!/bin/sh
# The reference-case generator end to end: makes fresh PyTorch cases for a few ops into
# a temporary folder, checks that they parse and that the generator's own recomputation
# agrees with them, and runs ember-reference-check on them in both dtypes.
#
#   reference_generator.sh PYTHON3 GENERATOR SPECS REFERENCE_CHECK
set -eu
python3=$1 generator=$2 specs=$3 checker=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A unary op, a binary op with broadcasting, a reduction, a two-output op and a
# second-order case.
"$python3" "$generator" --specs "$specs" --out "$tmp/cases.jsonl" \
  --op exp --op add --op sum --op max_dim --op double_backward/tanh
"$python3" "$generator" --specs "$specs" --check "$tmp/cases.jsonl"

want=$(grep -c -E '"op":"(exp|add|sum|max_dim|double_backward/tanh)"' "$specs")
got=$(grep -c . "$tmp/cases.jsonl")
if [ "$got" -ne "$want" ] || [ "$got" -eq 0 ]; then
  echo "expected $want cases, the generator wrote $got" >&2
  exit 1
fi

for dt in float64 float32; do
  "$checker" "$tmp/cases.jsonl" --dtype "$dt" | tee "$tmp/result.txt"
  # Every case must run: none failed, none skipped.
  tail -n 1 "$tmp/result.txt" | grep -x "$want passed, 0 failed, 0 skipped" > /dev/null || {
    echo "reference check on the generated cases ($dt): not all $want passed" >&2
    exit 1
  }
done
