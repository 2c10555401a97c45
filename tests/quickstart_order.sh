#!/usr/bin/env bash
# The README's two quick-start commands must work in either order: whatever the first
# leaves in the cache of `build`, the second still configures the whole test suite.
# Runs the configure step of each script (EMBER_CONFIGURE_ONLY=1) into scratch build
# folders in both orders, and once after a configure that turned every option off, and
# compares the number of tests CTest sees with that of a fresh configure.
# Usage: quickstart_order.sh <source dir> <scratch dir>
set -euo pipefail
src="$1"
work="$2"
rm -rf "$work"
mkdir -p "$work"

configure() {  # configure <script> <build dir>
  EMBER_CONFIGURE_ONLY=1 EMBER_BUILD_DIR="$2" bash "$src/scripts/$1" >"$2.$1.log" 2>&1 ||
    { echo "configure by $1 into $2 failed:"; cat "$2.$1.log"; exit 1; }
}
count_tests() {  # prints the number of tests registered in a build dir
  ctest --test-dir "$1" -N | sed -n 's/^Total Tests: *\([0-9]*\)$/\1/p'
}
expect_count() {  # expect_count <build dir> <what happened>
  local n
  n="$(count_tests "$1")"
  echo "$2: $n tests"
  if [ -z "$n" ] || [ "$n" -ne "$reference" ]; then
    echo "FAIL: $2 registered ${n:-no} tests, a fresh configure registers $reference"
    exit 1
  fi
}

# test.sh first, on a fresh folder: the reference count.
configure test.sh "$work/b"
reference="$(count_tests "$work/b")"
echo "fresh scripts/test.sh: $reference tests"
if [ -z "$reference" ] || [ "$reference" -lt 10 ]; then
  echo "FAIL: a fresh configure by scripts/test.sh registers ${reference:-no} tests"
  exit 1
fi
# ... then example.sh: the tests stay, and the example's target is there.
configure example.sh "$work/b"
expect_count "$work/b" "scripts/test.sh then scripts/example.sh"
cmake --build "$work/b" --target help | grep fmnist_cnn >/dev/null ||
  { echo "FAIL: no fmnist_cnn target after scripts/example.sh"; exit 1; }

# example.sh first, then test.sh.
configure example.sh "$work/a"
configure test.sh "$work/a"
expect_count "$work/a" "scripts/example.sh then scripts/test.sh"

# A cache with every option turned off (as an older example.sh left it), then test.sh.
cmake -S "$src" -B "$work/c" -DEMBER_BUILD_TESTS=OFF -DEMBER_BUILD_EXAMPLES=OFF -DEMBER_BUILD_REPL=OFF \
  >"$work/c.off.log" 2>&1
configure test.sh "$work/c"
expect_count "$work/c" "a cache with tests off, then scripts/test.sh"
echo "quick start order: ok"
