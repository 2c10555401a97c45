#!/usr/bin/env python3
"""Time from starting a C++ prompt to being ready for input, and to the first tensor.

Compares ember-repl with clang's own clang-repl-19 (Debian clang-tools-19) given
ember's header, and with clang-repl-19 given LibTorch's <torch/torch.h> (Debian
libtorch-dev). Each measure is the wall time of a whole session that does only that
and quits, median of --repeat runs.

usage: repl_startup.py --ember-repl build/tools/repl/ember-repl --build build [--repeat 5]
"""
import argparse
import os
import statistics
import subprocess
import time

TORCH_INCLUDE = "/usr/include/torch/csrc/api/include"
LIBDIR = "/usr/lib/x86_64-linux-gnu"


def timed(cmd, stdin_text, env=None):
    start = time.perf_counter()
    proc = subprocess.run(cmd, input=stdin_text.encode(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    elapsed = time.perf_counter() - start
    out = proc.stdout.decode(errors="replace")
    if proc.returncode != 0 or "error" in out.lower():
        raise RuntimeError(f"{cmd[0]} failed ({proc.returncode}):\n{out}")
    return elapsed, out


def median_of(label, repeat, cmd, stdin_text, expect=None):
    times = []
    for _ in range(repeat):
        t, out = timed(cmd, stdin_text)
        if expect and expect not in out:
            raise RuntimeError(f"{label}: expected {expect!r} in output:\n{out}")
        times.append(t)
    med = statistics.median(times)
    print(f"{label:62s} {med:6.2f} s   (runs: {', '.join(f'{t:.2f}' for t in times)})", flush=True)
    return med


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ember-repl", required=True)
    ap.add_argument("--build", required=True, help="ember's build directory (for libember.so)")
    ap.add_argument("--source", default=os.path.join(os.path.dirname(__file__), ".."))
    ap.add_argument("--clang-repl", default="clang-repl-19")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--torch-repeat", type=int, default=3)
    args = ap.parse_args()
    include = os.path.abspath(os.path.join(args.source, "include"))
    libember = os.path.abspath(os.path.join(args.build, "libember.so"))
    quit_ = "%quit\n"

    print("ready for input (start, load the library, parse the header, quit):")
    median_of("ember-repl (<ember/ember.hpp> + <iostream>, <map>, <memory>)", args.repeat, [args.ember_repl], "")
    clang_ember = [args.clang_repl, "-Xcc", "-std=c++17", "-Xcc", "-I" + include]
    median_of("clang-repl-19 + <ember/ember.hpp>", args.repeat, clang_ember,
              f"%lib {libember}\n#include <ember/ember.hpp>\n" + quit_)
    clang_torch = [args.clang_repl, "-Xcc", "-std=c++17", "-Xcc", "-I" + TORCH_INCLUDE]
    torch_libs = f"%lib {LIBDIR}/libc10.so\n%lib {LIBDIR}/libtorch_cpu.so\n"
    median_of("clang-repl-19 + <torch/torch.h>", args.torch_repeat, clang_torch,
              torch_libs + "#include <torch/torch.h>\n" + quit_)

    print("first tensor printed (the above, then print ones(2)):")
    median_of("ember-repl: ember::ones({2})", args.repeat, [args.ember_repl], "ember::ones({2})\n", "tensor([1., 1.])")
    median_of("clang-repl-19: std::cout << torch::ones({2})", args.torch_repeat, clang_torch,
              torch_libs + "#include <torch/torch.h>\n#include <iostream>\n"
              "std::cout << torch::ones({2}) << std::endl;\n" + quit_, "CPUFloatType{2}")


if __name__ == "__main__":
    main()
