#!/usr/bin/env bash
# The include side of the layering rule (docs/DESIGN.md, "Layers"): each floor includes
# only its own headers and those of the floors below it. Prints every include that
# breaks the rule and fails if there is one. Run from anywhere; checks the source tree
# this script sits in.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
bad=0

# check FOLDER PATTERN DESCRIPTION: every quoted include in FOLDER's files must match PATTERN.
check() {
  local folder=$1 allowed=$2 what=$3
  while IFS= read -r line; do
    local target=${line#*\#include \"}
    target=${target%%\"*}
    if ! [[ $target =~ $allowed ]]; then
      echo "layering: ${line%%:*} includes \"$target\"; $what"
      bad=1
    fi
  done < <(grep -rn --include='*.cpp' --include='*.hpp' --include='*.inl' '^#include "' "$folder" || true)
}

check src/core '^(ember/|src/core/)' 'the core may include only public headers and src/core/'
check ops '^(ember/|src/core/|ops/)' 'kernels may include only public headers, src/core/ and ops/'
check autograd '^(ember/|src/core/|ops/|autograd/)' 'autograd may include only public headers, the core, the kernels and autograd/'
# The libraries see the public API, each other's headers (one floor), and the core's
# checked arithmetic (src/core/check.hpp: header-only, so no link-time dependency).
for lib in nn optim data io; do
  check src/$lib '^(ember/|src/(nn|optim|data|io)/|src/core/check\.hpp$)' "the $lib library may include only public headers, the libraries' own and src/core/check.hpp"
done
# The optional jit and onnx libraries: the public API, each other, and check.hpp.
for lib in jit onnx; do
  check src/$lib '^(ember/|src/(jit|onnx)/|src/core/check\.hpp$)' "the $lib library may include only public headers, src/jit/, src/onnx/ and src/core/check.hpp"
done
check include/ember '^ember/' 'public headers include only other public headers'

# Public headers stay light: no heavy third-party headers, except in the opt-in
# adapters (<ember/xtensor.hpp>, <ember/fmt.hpp>, <ember/cling.hpp>), which
# <ember/ember.hpp> does not include.
while IFS= read -r line; do
  echo "layering: ${line%%:*} includes a heavy header (${line#*#include }); public headers stay light"
  bad=1
done < <(grep -rnE '^#include <(xsimd|xtensor|cblas|openblas|nlohmann|fmt/)' include/ember --include='*.hpp' | grep -vE '^include/ember/(xtensor|fmt|cling)\.hpp:' || true)
if grep -qE 'ember/(xtensor|fmt|cling)\.hpp' include/ember/ember.hpp; then
  echo "layering: include/ember/ember.hpp includes an opt-in adapter"
  bad=1
fi

[ "$bad" = 0 ] && echo "layering: includes follow the floors"
exit "$bad"
