#!/usr/bin/env bash
# How the MLP training step's cost grows with width and batch, ember against LibTorch:
# runs ember-bench and torch-bench (built beforehand) with `--only mlp_step` for every
# hidden size and batch size, alternating the two programs size by size, and prints a
# markdown table of images/s with the ember/LibTorch ratio (median of the per-pass
# ratios). See bench/mlp_step.hpp for what a step is.
set -euo pipefail

usage() {
  cat <<'TXT'
Times the MLP training step (784-H-H/2-10, Adam) in ember-bench and torch-bench for
every hidden size H and batch size B, and prints a markdown table of images/s.

  bench/mlp_sweep.sh [--build DIR] [--repeat N] [--threads T] [--hidden "64 256 1024 2048"]
                     [--batch "1 8 64 512"] [--out DIR]

--build    the CMake build directory holding bench/ember-bench and bench/torch-bench
           (default: ./build)
--repeat   passes over all the sizes, alternating the programs; figures are medians
           over the passes, ratios the median of the per-pass ratios (default 3)
--threads  ember's thread count, OMP_NUM_THREADS and OPENBLAS_NUM_THREADS (default 1)
--out      where the raw JSON lines go (default: a new temporary directory)
TXT
}

build=./build repeat=3 threads=1 out=""
hiddens="64 256 1024 2048" batches="1 8 64 512"
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --hidden) hiddens=$2; shift 2 ;;
    --batch) batches=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "mlp_sweep.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done
for prog in ember-bench torch-bench; do
  if [ ! -x "$build/bench/$prog" ]; then
    echo "mlp_sweep.sh: $build/bench/$prog is not built (configure with -DEMBER_BUILD_BENCH=ON;" \
         "torch-bench needs LibTorch, e.g. Debian's libtorch-dev)" >&2
    exit 1
  fi
done
[ -n "$out" ] || out=$(mktemp -d)
mkdir -p "$out"
rm -f "$out"/ember-*.jsonl "$out"/torch-*.jsonl

export OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads
for pass in $(seq 1 "$repeat"); do
  for h in $hiddens; do
    for b in $batches; do
      echo "  pass $pass: hidden $h, batch $b" >&2
      # Alternate which program goes first, so that neither always runs on a warmer machine.
      if [ $((pass % 2)) -eq 1 ]; then order="ember torch"; else order="torch ember"; fi
      for lib in $order; do
        "$build/bench/$lib-bench" --threads "$threads" --only mlp_step --hidden "$h" --batch "$b" \
          >> "$out/$lib-$pass.jsonl"
      done
    done
  done
done
echo "raw figures: $out" >&2

/usr/bin/env python3 - "$out" "$threads" "$hiddens" "$batches" <<'PY'
import collections, json, pathlib, statistics, sys
out, threads = pathlib.Path(sys.argv[1]), sys.argv[2]
hiddens, batches = sys.argv[3].split(), sys.argv[4].split()
fig = collections.defaultdict(dict)  # (lib, pass) -> variant -> images/s
for f in sorted(out.glob("*.jsonl")):
    lib, pass_ = f.stem.split("-")
    for n, line in enumerate(f.read_text().splitlines(), 1):
        try:
            j = json.loads(line)
        except json.JSONDecodeError:
            sys.exit(f"mlp_sweep.sh: {f}:{n} is not a JSON line: {line!r}")
        if j.get("workload") == "mlp_step" and j.get("metric") == "images_per_s":
            fig[(lib, pass_)][j["variant"]] = j["value"]
passes = sorted({p for _, p in fig})
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
print(f"MLP training step (784-H-H/2-10, Adam), {threads} thread(s), {len(passes)} pass(es), CPU: {cpu}\n")
print("| hidden H | batch | ember images/s | LibTorch images/s | ember/LibTorch |")
print("|---:|---:|---:|---:|---:|")
for h in hiddens:
    for b in batches:
        v = f"784-{h}-{int(h) // 2}-10,batch={b}"
        e = [fig[("ember", p)][v] for p in passes if v in fig[("ember", p)]]
        t = [fig[("torch", p)][v] for p in passes if v in fig[("torch", p)]]
        r = [fig[("ember", p)][v] / fig[("torch", p)][v] for p in passes
             if v in fig[("ember", p)] and v in fig[("torch", p)]]
        cell = lambda xs, f: f.format(statistics.median(xs)) if xs else "-"
        print(f"| {h} | {b} | {cell(e, '{:.0f}')} | {cell(t, '{:.0f}')} | {cell(r, '{:.2f}')} |")
PY
