#!/usr/bin/env python3
"""Side-by-side table of ember-bench and torch-bench figures (JSON lines) from run.sh,
of the static-graph figures (ember-jit-bench, torchscript-bench, serve_mlp) and of the
distributed ones (allreduce: distributed_bench and allreduce_torch.py; ddp_mlp:
ddp_mlp_bench and ddp_mlp_torch.py).

Files in the directory are named LIBRARY-THREADS-PASS.jsonl, LIBRARY being ember,
ember-passive, torch or torch-passive (the -passive runs had OMP_WAIT_POLICY=PASSIVE),
or jit, torchscript, torchscript-passive and serve (THREADS: request threads) for the
static-graph table, or allreduce_SIDE (ember_gloo, ember_mpi, torch_gloo) and
ddp_SIDE (ember_2x1, ember_1x1, ember_1x2, torch_2x1: processes x threads) for the
distributed tables.
Every figure is the median over the passes. LibTorch's figure is the better of its two
runs; ember's marks are judged on its as-is run.

The micro workloads (overhead_add ... matmul, and ops: µs per call of common ops, no
mark) are one table, with ember/torch ratios as their marks are stated. The model workloads (conv2d, mlp_fmnist, cnn_fmnist, lstm_words,
build) are a second table whose `speed` column is always "how many times faster ember
is": ember/torch for a throughput, torch/ember for a time or a size, per pass (the two
programs ran back to back), then the median over the passes. A training
workload's row also shows the quality each side reached (test accuracy, or held-out loss
per character) and each side's peak resident memory, taken from the same run as its
speed figure.
"""
import collections
import json
import pathlib
import statistics
import sys

LOWER_IS_BETTER = {"ns_per_op", "us"}
MAIN_METRICS = ("ns_per_op", "gbps", "gflops", "us")
BASELINE = {"gbps": ("ratio_to_memcpy", "memcpy"), "gflops": ("ratio_to_sgemm", "sgemm")}
# The reductions' yardstick is a plain read of the same floats (common.hpp's read_sum).
WORKLOAD_BASELINE = {("reduce", "gbps"): ("ratio_to_read", "read")}
ORDER = ["overhead_add", "overhead_autograd", "elementwise", "reduce", "matmul", "ops",
         "conv2d", "mlp_fmnist", "cnn_fmnist", "lstm_words", "build"]
MODEL_WORKLOADS = ("conv2d", "mlp_fmnist", "cnn_fmnist", "lstm_words", "build")
# The model table's figures: metric -> True when higher is better.
MODEL_METRICS = {"ms": False, "images_per_s": True, "words_per_s": True,
                 "seconds": False, "cpu_seconds": False, "lib_mib": False}
# Quality figures: metric -> (higher is better, how far apart the two sides may be and
# still count as the same training; one epoch from different initial weights moves test
# accuracy by about 0.01 between seeds, held-out loss by about 0.02).
QUALITY = {"test_accuracy": (True, 0.015), "loss_per_char": (False, 0.05)}


# {(library, threads): {(workload, variant, metric): {pass: value}}}, filled by load()
BY_PASS = collections.defaultdict(lambda: collections.defaultdict(dict))
# The machine the figures came from: {"cpu": model name, "isa": ember's SIMD level,
# "matmul": ember's float32 GEMM library, "torch_aten_capability" / "torch_onednn_isa":
# LibTorch's caps, "torch_openblas_core": the kernel its OpenBLAS ran}, from the JSON
# lines that carry them.
MACHINE = {}


def load(directory):
    """{(library, threads): {(workload, variant, metric): median value}}, and variant order."""
    values = collections.defaultdict(lambda: collections.defaultdict(list))
    order = []
    for path in sorted(pathlib.Path(directory).glob("*.jsonl")):
        library, threads, pass_ = path.stem.rsplit("-", 2)
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if not line.startswith("{"):
                continue
            try:
                r = json.loads(line)
            except json.JSONDecodeError as e:
                sys.exit(f"compare.py: {path}:{number} is not a JSON line ({e.msg}): {line}")
            for field in ("cpu", "isa", "matmul", "torch_aten_capability", "torch_onednn_isa", "torch_openblas_core"):
                if field in r:
                    MACHINE.setdefault(field, r[field])
            if "machine" in r:  # a program's machine line carries no figure
                continue
            key = (r["workload"], r["variant"], r["metric"])
            values[(library, int(threads))][key].append(r["value"])
            BY_PASS[(library, int(threads))][key][pass_] = r["value"]
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
        return "vs torch>=1.1", ratio >= 1.1
    if workload == "matmul" and base_ratio is not None and int(variant.split("=")[1]) >= 512:
        return "sgemm>=0.95", base_ratio >= 0.95
    return None


def fmt(v, digits=3):
    if v is None:
        return "-"
    if abs(v) >= 100:
        return f"{v:.0f}"
    return f"{v:.{digits}g}"


def print_rows(rows):
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())


# The speed each model workload must reach, in "times as fast as LibTorch" (the speed
# column); at 2 threads against LibTorch's better run. conv2d's holds for the forward
# and the forward+backward variants alike.
MODEL_MARKS = {
    ("mlp_fmnist", "images_per_s"): 1.5,
    ("lstm_words", "words_per_s"): 2.5,
    ("cnn_fmnist", "images_per_s"): 1.3,
    ("conv2d", "ms"): 1.3,
    ("build", "seconds"): 5.0,
}
# Peak RSS of each training workload, at most this fraction of LibTorch's.
RSS_MARK = 0.5


def model_table(medians, order, t):
    """The model workloads at t threads; returns (quality figures that differ, speed marks missed)."""
    runs = {name: medians.get((name, t), {}) for name in ("ember", "ember-passive", "torch", "torch-passive")}
    passive = bool(runs["ember-passive"] or runs["torch-passive"])

    def pick(names, key, higher):
        """(value, run) of the better of the named runs for this figure."""
        best = (None, None)
        for n in names:
            v = runs[n].get(key)
            if v is not None and (best[0] is None or (v > best[0] if higher else v < best[0])):
                best = (v, runs[n])
        return best

    head = ["workload", "variant", "metric", "ember"] + (["ember-P"] if passive else []) + \
           ["torch", "speed"] + (["speed best"] if passive else []) + \
           ["mark", "", "quality", "ember", "torch", "", "rss MiB ember", "torch", "rss ratio"]
    rows = [head]
    differ = 0
    missed = 0
    for workload, variant in order:
        if workload not in MODEL_WORKLOADS:
            continue
        for metric, higher in MODEL_METRICS.items():
            key = (workload, variant, metric)
            e, e_run = runs["ember"].get(key), runs["ember"]
            ep = runs["ember-passive"].get(key)
            tv, t_run = pick(("torch", "torch-passive"), key, higher)
            if e is None and tv is None:
                continue

            def speed(ember_names):
                """Median over the passes of that pass's ratio: each pass ran the two
                programs back to back, so its ratio holds up when the machine's load
                drifts between passes far better than a ratio of medians."""
                ratios = []
                passes = set()
                for n in ember_names + ("torch", "torch-passive"):
                    passes |= set(BY_PASS[(n, t)].get(key, {}))
                for p in passes:
                    def best(names):
                        vs = [BY_PASS[(n, t)].get(key, {}).get(p) for n in names]
                        vs = [v for v in vs if v]
                        return (max(vs) if higher else min(vs)) if vs else None
                    a, b = best(ember_names), best(("torch", "torch-passive"))
                    if a and b:
                        ratios.append(a / b if higher else b / a)
                return statistics.median(ratios) if ratios else None
            quality = [q for q in QUALITY if (workload, variant, q) in e_run or (t_run and (workload, variant, q) in t_run)]
            qcols = ["", "", "", ""]
            if quality and metric in ("images_per_s", "words_per_s"):
                q = quality[0]
                qe, qt = e_run.get((workload, variant, q)), t_run.get((workload, variant, q)) if t_run else None
                verdict = ""
                if qe is not None and qt is not None:
                    same = abs(qe - qt) <= QUALITY[q][1]
                    verdict = "same" if same else ("better" if (qe > qt) == QUALITY[q][0] else "WORSE")
                    differ += 0 if same else 1
                qcols = [q, fmt(qe, 4), fmt(qt, 4), verdict]
            rss = ["", "", ""]
            if metric in ("images_per_s", "words_per_s"):
                e_rss = e_run.get((workload, variant, "peak_rss_mib"))
                t_rss = t_run.get((workload, variant, "peak_rss_mib")) if t_run else None
                verdict_rss = ""
                if e_rss and t_rss:
                    ok = e_rss <= RSS_MARK * t_rss
                    missed += 0 if ok else 1
                    verdict_rss = f"{e_rss / t_rss:.2f} {'ok' if ok else 'MISS'} (<={RSS_MARK})"
                rss = [fmt(e_rss), fmt(t_rss), verdict_rss]
            mark = MODEL_MARKS.get((workload, metric))
            markcols = ["", ""]
            as_is = speed(("ember",))
            if mark is not None and as_is is not None:
                ok = as_is >= mark
                missed += 0 if ok else 1
                markcols = [f">={mark}", "ok" if ok else "MISS"]
            rows.append([workload, variant, metric, fmt(e)] + ([fmt(ep)] if passive else []) +
                        [fmt(tv), fmt(speed(("ember",)))] +
                        ([fmt(speed(("ember", "ember-passive")))] if passive else []) + markcols + qcols + rss)
    if len(rows) > 1:
        print("\nmodel workloads: speed = how many times faster ember is (ember/torch for a throughput,"
              " torch/ember for a time or size), median of the per-pass ratios")
        print_rows(rows)
    return differ, missed


# ---- the static-graph workloads (ember-jit-bench, torchscript-bench, serve_mlp) ----
# Their files are jit-T-P, torchscript[-passive]-T-P and serve-N-P (N request threads).

def per_pass_ratio(num, den, higher=True):
    """Median over the passes of num/den (or den/num for a time), each pass's two figures
    taken back to back; num and den are lists of ((label, threads), key) to pick the
    better of."""
    passes = set()
    for src, key in num + den:
        passes |= set(BY_PASS[src].get(key, {}))
    ratios = []
    for p in sorted(passes):
        def best(sources):
            vs = [BY_PASS[src].get(key, {}).get(p) for src, key in sources]
            vs = [v for v in vs if v]
            return (max(vs) if higher else min(vs)) if vs else None
        a, b = best(num), best(den)
        if a and b:
            ratios.append(a / b if higher else b / a)
    return statistics.median(ratios) if ratios else None


def jit_table(medians):
    """Eager ember, compiled ember and TorchScript side by side, with the marks; returns
    how many marks are missed."""
    rows = [["workload", "variant", "threads", "metric", "eager", "compiled", "torchscript",
             "compiled vs torchscript", "compiled/eager", "mark", ""]]
    missed = 0

    def mark_cols(text, ok):
        nonlocal missed
        if ok is None:
            return [text, ""]
        missed += 0 if ok else 1
        return [text, "ok" if ok else "MISS"]

    jit_threads = sorted({t for (lib, t) in medians if lib == "jit"})
    mlp = "mlp_infer"
    for t in jit_threads:
        jit = medians.get(("jit", t), {})
        ts_runs = [("torchscript", t), ("torchscript-passive", t)]
        # batch 1: microseconds, lower is better; the mark is compiled <= 0.5 x TorchScript
        k_e, k_c, k_t = ((mlp, "batch=1", m) for m in ("eager_us", "compiled_us", "torchscript_us"))
        if k_c in jit:
            ts = [medians.get(r, {}).get(k_t) for r in ts_runs]
            ts = min([v for v in ts if v] or [None]) if any(ts) else None
            # compiled time / TorchScript time, per pass (lower is better)
            ratio = per_pass_ratio([(("jit", t), k_c)], [(r, k_t) for r in ts_runs], higher=False)
            ratio = 1 / ratio if ratio else None
            rows.append([mlp, "batch=1", t, "us", fmt(jit.get(k_e)), fmt(jit.get(k_c)), fmt(ts), fmt(ratio),
                         fmt(jit.get((mlp, "batch=1", "compiled_over_eager")))] +
                        mark_cols("<=0.5 x torchscript", None if ratio is None else ratio <= 0.5))
        k_e, k_c, k_t = ((mlp, "batch=64", m) for m in
                         ("eager_images_per_s", "compiled_images_per_s", "torchscript_images_per_s"))
        if k_c in jit:
            ts = [medians.get(r, {}).get(k_t) for r in ts_runs]
            ts = max([v for v in ts if v] or [None]) if any(ts) else None
            ratio = per_pass_ratio([(("jit", t), k_c)], [(r, k_t) for r in ts_runs])
            rows.append([mlp, "batch=64", t, "images/s", fmt(jit.get(k_e)), fmt(jit.get(k_c)), fmt(ts),
                         fmt(ratio), fmt(jit.get((mlp, "batch=64", "compiled_over_eager")))] +
                        mark_cols(">=1.2 x torchscript", None if ratio is None else ratio >= 1.2))
        v = "gelu(x*w+b),n=2^22"
        if ("fusion", v, "compiled_gbps") in jit:
            ratio = jit.get(("fusion", v, "compiled_over_eager"))
            rows.append(["fusion", v, t, "GB/s", fmt(jit.get(("fusion", v, "eager_gbps"))),
                         fmt(jit.get(("fusion", v, "compiled_gbps"))), "-", "-", fmt(ratio)] +
                        mark_cols(">=2 x eager", None if ratio is None else ratio >= 2))
        v = "mlp_fmnist"
        if ("train_step", v, "compiled_images_per_s") in jit:
            ratio = jit.get(("train_step", v, "compiled_over_eager"))
            acc = (jit.get(("train_step", v, "eager_test_accuracy")), jit.get(("train_step", v, "compiled_test_accuracy")))
            rows.append(["train_step", v, t, "images/s", fmt(jit.get(("train_step", v, "eager_images_per_s"))),
                         fmt(jit.get(("train_step", v, "compiled_images_per_s"))), "-", "-", fmt(ratio)] +
                        mark_cols(">=1.15 x eager", None if ratio is None else ratio >= 1.15))
            rows[-1][-1] += f" (test accuracy eager {fmt(acc[0])}, compiled {fmt(acc[1])})"
            flush = jit.get(("train_step", v, "eager_flush_images_per_s"))
            if flush is not None:
                # eager steps in the subnormal mode compiled replays run in
                rows.append(["train_step", v + ",eager_flushed", t, "images/s", fmt(flush),
                             fmt(jit.get(("train_step", v, "compiled_images_per_s"))), "-", "-",
                             fmt(jit.get(("train_step", v, "compiled_over_eager_flush"))),
                             f"test accuracy eager flushed {fmt(jit.get(('train_step', v, 'eager_flush_test_accuracy')))}",
                             ""])
    # serve_mlp: requests/s at 1 and 2 request threads; the variant names ember's thread
    # count inside each op (intra_op).
    serve = {t: medians.get(("serve", t), {}) for t in (1, 2)}
    if serve[1] or serve[2]:
        def runs(t):
            return [(("serve", t), k) for k in serve[t] if k[2] == "requests_per_s"]
        for t in (1, 2):
            for (w, variant, metric), value in sorted(serve[t].items()):
                if metric != "requests_per_s":
                    continue
                p50 = serve[t].get((w, variant, "p50_us"))
                p99 = serve[t].get((w, variant, "p99_us"))
                rows.append(["serve_mlp", variant, t, "requests/s", "-", fmt(value), "-", "-", "-",
                             f"p50 {fmt(p50)} us, p99 {fmt(p99)} us", ""])
        if runs(1) and runs(2):
            # 2 request threads against the better 1-thread run (ember's thread count
            # inside each op at 1 or at the core count)
            ratio = per_pass_ratio(runs(2), runs(1))
            rows.append(["serve_mlp", "2 threads / best 1 thread", "", "ratio", "-", fmt(ratio), "-", "-", "-"] +
                        mark_cols(">=1.8", None if ratio is None else ratio >= 1.8))
    if len(rows) > 1:
        print("\nstatic graphs: ember-jit-bench (eager and compiled ember), torchscript-bench (the same MLP traced"
              " with torch.jit.trace, the better of as-is and OMP_WAIT_POLICY=PASSIVE), serve_mlp;"
              " ratios are medians of per-pass ratios")
        print_rows(rows)
    return missed


# ---- the distributed workloads (allreduce, ddp_mlp) ----
# Their files are allreduce_SIDE-1-P and ddp_SIDE-T-P (see the module's docstring).

ALLREDUCE_MARK = 0.9     # ember's bandwidth / torch.distributed Gloo's, each backend ...
ALLREDUCE_MARK_FROM = 1 << 20  # ... at every size from 1 MiB up
DDP_MARK = 1.2           # ember DDP 2x1 images/s / PyTorch DDP 2x1 images/s


def allreduce_table(medians):
    """all_reduce GB/s of ember (gloo, mpi) and torch (gloo) by size; returns marks missed."""
    sides = {name: medians.get((f"allreduce_{name}", 1), {}) for name in ("ember_gloo", "ember_mpi", "torch_gloo")}
    sizes = sorted({int(v.split("=")[1]) for d in sides.values() for (w, v, m) in d if w == "allreduce"})
    if not sizes:
        return 0
    missed = 0
    rows = [["bytes", "ember gloo GB/s", "ember mpi GB/s", "torch gloo GB/s", "gloo/torch", "mpi/torch",
             "mark", ""]]
    for size in sizes:
        key = ("allreduce", f"bytes={size}", "gbps")
        torch_src = [(("allreduce_torch_gloo", 1), key)]
        ratios = {}
        for backend in ("gloo", "mpi"):
            src = [((f"allreduce_ember_{backend}", 1), key)]
            ratios[backend] = per_pass_ratio(src, torch_src) if sides["torch_gloo"] else None
        mark = ["", ""]
        if size >= ALLREDUCE_MARK_FROM and any(r is not None for r in ratios.values()):
            verdicts = []
            for backend, r in ratios.items():
                if r is None:
                    continue
                ok = r >= ALLREDUCE_MARK
                missed += 0 if ok else 1
                verdicts.append(f"{backend} {'ok' if ok else 'MISS'}")
            mark = [f">={ALLREDUCE_MARK} x torch", ", ".join(verdicts)]
        rows.append([size] + [fmt(sides[n].get(key)) for n in ("ember_gloo", "ember_mpi", "torch_gloo")] +
                    [fmt(ratios["gloo"]), fmt(ratios["mpi"])] + mark)
    print("\nallreduce: float32 sum on 2 local processes of 1 thread, GB/s = bytes / median time; ratios are"
          " medians of per-pass ratios (each pass ran the three back to back)")
    print_rows(rows)
    return missed


def ddp_table(medians):
    """mlp_fmnist one epoch: ember 2x1 DDP, 1x1, 1x2 and PyTorch DDP 2x1; returns marks missed."""
    runs = [("ember_2x1", 1), ("ember_1x1", 1), ("ember_1x2", 2), ("torch_2x1", 1)]
    found = {name: medians.get((f"ddp_{name}", t), {}) for name, t in runs}
    if not any(found.values()):
        return 0
    missed = 0
    rows = [["run", "processes x threads", "images/s", "test accuracy", "vs torch DDP 2x1", "mark", ""]]
    torch_key = next(((("ddp_torch_2x1", 1), k) for k in found["torch_2x1"] if k[2] == "images_per_s"), None)
    for name, t in runs:
        figures = found[name]
        key = next((k for k in figures if k[2] == "images_per_s"), None)
        if key is None:
            continue
        acc = figures.get((key[0], key[1], "test_accuracy"))
        ratio = per_pass_ratio([((f"ddp_{name}", t), key)], [torch_key]) if torch_key else None
        mark = ["", ""]
        if name == "ember_2x1" and ratio is not None:
            ok = ratio >= DDP_MARK
            missed += 0 if ok else 1
            mark = [f">={DDP_MARK}", "ok" if ok else "MISS"]
        rows.append([key[1], name.split("_")[1], fmt(figures[key]), fmt(acc, 4), fmt(ratio)] + mark)
    print("\nddp_mlp: mlp_fmnist's model (784-256-128-10, Adam, batch 64 per process) one epoch of"
          " Fashion-MNIST; images/s over all processes; ratios are medians of per-pass ratios")
    print_rows(rows)
    return missed


def main(directory):
    medians, order = load(directory)
    thread_counts = sorted({t for (lib, t) in medians if lib in ("ember", "ember-passive", "torch", "torch-passive")})
    misses = 0
    differ = 0
    if MACHINE:
        parts = [f"CPU: {MACHINE.get('cpu', '?')}", f"ember: SIMD {MACHINE.get('isa', '?')}"]
        if "matmul" in MACHINE:
            parts[-1] += f", float32 GEMM {MACHINE['matmul']}"
        if "torch_aten_capability" in MACHINE:
            parts.append(f"LibTorch: ATen kernels {MACHINE['torch_aten_capability']}, "
                         f"oneDNN {MACHINE.get('torch_onednn_isa', '?')}, "
                         f"OpenBLAS {MACHINE.get('torch_openblas_core', '?')}")
        print("; ".join(parts))
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
            if workload in MODEL_WORKLOADS:
                continue
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
            base_metric, base_name = WORKLOAD_BASELINE.get((workload, metric), BASELINE.get(metric, (None, None)))
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
        if len(rows) > 1:
            print_rows(rows)
        model_differ, model_missed = model_table(medians, order, t)
        differ += model_differ
        misses += model_missed
    misses += jit_table(medians)
    if any(lib.startswith(("allreduce_", "ddp_")) for (lib, t) in medians):
        if MACHINE:
            print(f"\nCPU: {MACHINE.get('cpu', '?')}; ember's SIMD instruction set: {MACHINE.get('isa', '?')}")
        misses += allreduce_table(medians)
        misses += ddp_table(medians)
    print(f"\n{misses} figure(s) miss their mark (ember as is)" if misses else "\nevery figure meets its mark")
    if differ:
        print(f"{differ} training workload(s) reach a different quality on the two sides")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: compare.py DIRECTORY_OF_JSONL")
    main(sys.argv[1])
