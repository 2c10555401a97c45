#!/usr/bin/env bash
# ember-repl installed with `cmake --install` finds the installed headers and library
# (next to its own bin/), not the source tree it was built from.
set -euo pipefail
cmake_command=$1 build=$2 prefix=$3 here=$(dirname "$0")
rm -rf "$prefix"
"$cmake_command" --install "$build" --prefix "$prefix" > /dev/null
repl="$prefix/bin/ember-repl"
[ -x "$repl" ] || { echo "not installed: $repl"; exit 1; }
printf '.I\nember::ones({2}) * 2\n' > "$prefix/session.txt"
out=$("$repl" < "$prefix/session.txt" 2>&1)
echo "$out"
grep -qx "$prefix/bin/../include" <<< "$out" || { echo "the installed ember-repl does not use $prefix/include"; exit 1; }
grep -q "tensor(\[2., 2.\])" <<< "$out" || { echo "no tensor printed"; exit 1; }
ldd "$repl" | grep "$prefix/bin/../lib.*/libember" > /dev/null || { echo "the installed ember-repl does not load $prefix's libember"; ldd "$repl"; exit 1; }
echo "ok: installed"
