#!/usr/bin/env python3
"""Side-by-side table of ember-bench and torch-bench figures (JSON lines) from run.sh.

Files in the directory are named LIBRARY-THREADS-PASS.jsonl, LIBRARY being ember,
ember-passive, torch or torch-passive (the -passive runs had OMP_WAIT_POLICY=PASSIVE).
Every figure is the median over the passes. LibTorch's figure is the better of its two
runs; ember's marks are judged on its as-is run.
"""
import collections
import json
import pathlib
import statistics
import sys

LOWER_IS_BETTER = {"ns_per_op"}
MAIN_METRICS = ("ns_per_op", "gbps", "gflops")
BASELINE = {"gbps": ("ratio_to_memcpy", "memcpy"), "gflops": ("ratio_to_sgemm", "sgemm")}
ORDER = ["overhead_add", "overhead_autograd", "elementwise", "reduce", "matmul"]


def load(directory):
    """{(library, threads): {(workload, variant, metric): median value}}, and variant order."""
    values = collections.defaultdict(lambda: collections.defaultdict(list))
    order = []
    for path in sorted(pathlib.Path(directory).glob("*.jsonl")):
        library, threads, _ = path.stem.rsplit("-", 2)
        for line in path.read_text().splitlines():
            if not line.startswith("{"):
                continue
            r = json.loads(line)
            key = (r["workload"], r["variant"], r["metric"])
            values[(library, int(threads))][key].append(r["value"])
            if (r["workload"], r["variant"]) not in order:
                order.append((r["workload"], r["variant"]))
    medians = {k: {m: statistics.median(v) for m, v in d.items()} for k, d in values.items()}
    order.sort(key=lambda wv: (ORDER.index(wv[0]) if wv[0] in ORDER else 99))
    return medians, order


def better(metric, a, b):
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b) if metric in LOWER_IS_BETTER else max(a, b)


def target(workload, variant, metric, ratio, base_ratio):
    """The speed mark for this figure and whether ember meets it (None when it has none)."""
    op = variant.split("/")[0]
    if workload == "overhead_add" and ratio is not None:
        return "<=0.20", ratio <= 0.20
    if workload == "overhead_autograd" and ratio is not None:
        return "<=0.33", ratio <= 1 / 3
    if workload == "elementwise":
        marks = []
        if ratio is not None:
            marks.append(("vs torch>=1", ratio >= 1))
        if op in ("add", "mul") and base_ratio is not None:
            marks.append(("memcpy>=0.8", base_ratio >= 0.8))
        if marks:
            return ", ".join(m for m, _ in marks), all(ok for _, ok in marks)
    if workload == "reduce" and ratio is not None:
        return "vs torch>=1", ratio >= 1
    if workload == "matmul" and base_ratio is not None and int(variant.split("=")[1]) >= 512:
        return "sgemm>=0.95", base_ratio >= 0.95
    return None


def fmt(v, digits=3):
    if v is None:
        return "-"
    if abs(v) >= 100:
        return f"{v:.0f}"
    return f"{v:.{digits}g}"


def main(directory):
    medians, order = load(directory)
    thread_counts = sorted({t for (_, t) in medians})
    misses = 0
    for t in thread_counts:
        ember = medians.get(("ember", t), {})
        ember_p = medians.get(("ember-passive", t), {})
        torch = medians.get(("torch", t), {})
        torch_p = medians.get(("torch-passive", t), {})
        print(f"\n== {t} thread{'s' if t > 1 else ''} ==")
        if torch_p or ember_p:
            print("torch: the better of as-is and OMP_WAIT_POLICY=PASSIVE; ember/torch takes ember as is,"
                  " best/best ember's better figure too")
        head = ["workload", "variant", "metric", "ember"] + (["ember-P"] if ember_p else []) + \
               ["torch", "ember/torch"] + (["best/best"] if ember_p else []) + \
               ["ember/base", "torch/base", "mark", ""]
        rows = [head]
        for workload, variant in order:
            metric = next((m for m in MAIN_METRICS
                           if any((workload, variant, m) in d for d in (ember, torch, torch_p))), None)
            if metric is None:
                continue
            key = (workload, variant, metric)
            e, ep = ember.get(key), ember_p.get(key)
            torch_as_is, torch_passive = torch.get(key), torch_p.get(key)
            tv = better(metric, torch_as_is, torch_passive)
            ratio = e / tv if e is not None and tv else None
            eb_best = better(metric, e, ep)
            best_ratio = eb_best / tv if eb_best is not None and tv else None
            base_metric, base_name = BASELINE.get(metric, (None, None))
            eb = ember.get((workload, variant, base_metric)) if base_metric else None
            tb = None
            if base_metric:
                # the baseline ratio from whichever LibTorch run gave the better figure
                source = torch_p if torch_passive is not None and tv == torch_passive else torch
                tb = source.get((workload, variant, base_metric))
            mark = target(workload, variant, metric, ratio, eb)
            verdict = ""
            if mark is not None and e is not None:
                verdict = "ok" if mark[1] else "MISS"
                misses += 0 if mark[1] else 1
            row = [workload, variant, metric, fmt(e)] + ([fmt(ep)] if ember_p else []) + \
                  [fmt(tv), fmt(ratio)] + ([fmt(best_ratio)] if ember_p else []) + \
                  [(fmt(eb) + f" {base_name}") if eb is not None else "-",
                   (fmt(tb) + f" {base_name}") if tb is not None else "-",
                   mark[0] if mark else "", verdict]
            rows.append(row)
        widths = [max(len(str(r[i])) for r in rows) for i in range(len(head))]
        for r in rows:
            print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())
    print(f"\n{misses} figure(s) miss their mark (ember as is)" if misses else "\nevery figure meets its mark")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: compare.py DIRECTORY_OF_JSONL")
    main(sys.argv[1])
