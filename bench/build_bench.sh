#!/usr/bin/env bash
# The `build` workload: seconds to compile one translation unit that includes the
# library's main header and defines the MLP of mlp_fmnist (bench/build_tu/mlp_LIB.cpp),
# with g++ -O2 -std=c++17 -c (no ccache), median of --repeat compiles after a warm-up
# compile (so the headers are in the page cache); and the size of the library's shared
# object. Prints JSON lines like ember-bench's.
#
#   bench/build_bench.sh --lib ember|torch [--build DIR] [--repeat N]
#
# --lib     ember: <ember/ember.hpp> from this source tree, DIR/libember.so;
#           torch: <torch/torch.h> from Debian's libtorch-dev, libtorch_cpu.so
# --build   the CMake build directory holding libember.so (default: ./build)
# --repeat  timed compiles (default 5)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
lib=""
build="build"
repeat=5
while [[ $# -gt 0 ]]; do
  case "$1" in
    --lib) lib="$2"; shift 2 ;;
    --build) build="$2"; shift 2 ;;
    --repeat) repeat="$2"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build_bench.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done

case "$lib" in
  ember)
    flags=(-I"$root/include")
    so="$build/libember.so"
    ;;
  torch)
    flags=(-D_GLIBCXX_USE_CXX11_ABI=1 -I/usr/include/torch/csrc/api/include)
    so="$(ls /usr/lib/*/libtorch_cpu.so 2>/dev/null | head -n1 || true)"
    ;;
  *) echo "build_bench.sh: --lib ember or --lib torch" >&2; exit 2 ;;
esac

tu="$here/build_tu/mlp_$lib.cpp"
obj="$(mktemp -t build-bench.XXXXXX.o)"
trap 'rm -f "$obj"' EXIT
compile() { g++ -O2 -std=c++17 "${flags[@]}" -c "$tu" -o "$obj"; }

compile  # warm-up; also fails early, with the compiler's message, if the TU does not build
# Wall seconds, and the compiler's CPU seconds (user + system), which a loaded shared
# machine disturbs far less than the wall clock.
wall=() cpu=()
exec 3>&2
TIMEFORMAT='%R %U %S'
for ((i = 0; i < repeat; ++i)); do
  read -r r u s < <({ time compile 2>&3; } 2>&1)
  wall+=("$r")
  cpu+=("$(echo "$u + $s" | bc -l)")
done
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
# The value through printf %.3f: bc and awk print a number below 1 as ".874", which is not JSON.
emit() { printf '{"workload":"build","variant":"%s","threads":1,"metric":"%s","value":%.3f}\n' "$1" "$2" "$3"; }
emit "mlp_tu,g++ -O2" seconds "$(median "${wall[@]}")"
emit "mlp_tu,g++ -O2" cpu_seconds "$(median "${cpu[@]}")"
if [[ -n "$so" && -e "$so" ]]; then
  emit shared_library lib_mib "$(echo "$(stat -L -c %s "$so") / 1048576" | bc -l | xargs printf '%.2f')"
else
  echo "build_bench.sh: shared library ${so:-libtorch_cpu.so} not found" >&2
fi
