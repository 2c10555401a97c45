#!/usr/bin/env bash
# Makes the Debian package with `cpack -G DEB`, unpacks it into a scratch root (as dpkg
# would install it, without touching the machine), and builds and runs the consumer
# project (tests/consumer) against it with find_package, with pkg-config and with the
# packaged ember-run.
# Usage: run.sh <build dir> <source dir> <scratch dir>
set -euo pipefail
build="$1" src="$2" work="$3"
rm -rf "$work"
mkdir -p "$work/root"

(cd "$build" && cpack -G DEB -B "$work/out" >"$work/cpack.log" 2>&1) ||
  { cat "$work/cpack.log"; echo "FAIL: cpack -G DEB"; exit 1; }
deb="$(ls "$work"/out/ember_*.deb)"
echo "package: $(basename "$deb")"
dpkg-deb -f "$deb" Package Version Architecture Depends
dpkg-deb -x "$deb" "$work/root"
usr="$work/root/usr"

# What the package holds: library, headers, CMake package, pkg-config file, tools.
for f in include/ember/ember.hpp bin/ember-run; do
  [ -e "$usr/$f" ] || { echo "FAIL: the package has no /usr/$f"; exit 1; }
done
for pattern in 'libember.so*' emberConfig.cmake emberTargets.cmake ember.pc; do
  [ -n "$(find "$usr" -name "$pattern" -print -quit)" ] ||
    { echo "FAIL: the package has no $pattern"; exit 1; }
done
# Depends comes from the shared libraries: OpenBLAS must be among them.
dpkg-deb -f "$deb" Depends | grep openblas >/dev/null ||
  { echo "FAIL: the package does not depend on OpenBLAS"; exit 1; }

libdir="$(dirname "$(find "$usr" -name 'libember.so' -print -quit)")"
export LD_LIBRARY_PATH="$libdir"

# find_package(ember) against the unpacked root.
cmake -S "$src/tests/consumer" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$usr" -DCMAKE_BUILD_TYPE=Release \
  >"$work/consumer.log" 2>&1 || { cat "$work/consumer.log"; echo "FAIL: configuring the consumer"; exit 1; }
cmake --build "$work/consumer" >>"$work/consumer.log" 2>&1 ||
  { cat "$work/consumer.log"; echo "FAIL: building the consumer"; exit 1; }
"$work/consumer/consumer" | tee "$work/consumer.out"
grep -x "consumer ok" "$work/consumer.out" >/dev/null || { echo "FAIL: the consumer"; exit 1; }

# pkg-config against the unpacked root.
pc_dir="$(dirname "$(find "$usr" -name ember.pc -print -quit)")"
read -r -a flags <<<"$(PKG_CONFIG_PATH="$pc_dir" pkg-config --cflags --libs ember)"
c++ "$src/tests/consumer/main.cpp" "${flags[@]}" -o "$work/consumer-pc"
"$work/consumer-pc" | grep -x "consumer ok" >/dev/null || { echo "FAIL: the pkg-config consumer"; exit 1; }

# The packaged ember-run finds the packaged headers and library.
EMBER_RUN_CACHE="$work/run-cache" "$usr/bin/ember-run" "$src/tests/consumer/main.cpp" | tee "$work/run.out"
grep -x "consumer ok" "$work/run.out" >/dev/null || { echo "FAIL: the packaged ember-run"; exit 1; }
echo "debian package: ok"
