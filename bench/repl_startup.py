#!/usr/bin/env python3
"""Time from starting a C++ prompt to being ready for input, and to the first tensor.

In a terminal (a pseudo-terminal here, as a user's): the time until ember-repl shows its
prompt; the time until the first tensor prints when it is typed at once; and the time
from pressing Enter to the answer when the first input comes 2 s after the prompt (a
person reading the prompt and typing), for a tensor and for an nn module. ember-repl
parses ember's headers on a thread of its own while the prompt waits, so these differ.

Then whole sessions read from a pipe (start, parse, run, quit), comparing ember-repl with
clang's own clang-repl-19 (Debian clang-tools-19) given ember's header, and with
clang-repl-19 given LibTorch's <torch/torch.h> (Debian libtorch-dev). Each figure is
the median of --repeat runs.

usage: repl_startup.py --ember-repl build/tools/repl/ember-repl --build build [--repeat 5]
"""
import argparse
import os
import pty
import select
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


def terminal_session(cmd, typed=None, pause=0.0, expect=None, timeout=120.0):
    """Runs cmd on a pseudo-terminal. Returns (seconds until the prompt shows, seconds
    from typing `typed`, `pause` seconds after the prompt, until `expect` shows)."""
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(cmd[0], cmd)
    out, prompt_at, typed_at, answer_at = b"", None, None, None
    while time.perf_counter() - start < timeout:
        now = time.perf_counter() - start
        if prompt_at is not None and typed and typed_at is None and now >= prompt_at + pause:
            os.write(fd, typed)
            typed_at = time.perf_counter() - start
        if select.select([fd], [], [], 0.005)[0]:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        if prompt_at is None and b"ember> " in out:
            prompt_at = time.perf_counter() - start
            if not typed:
                break
        if typed_at is not None and expect in out[out.find(b"ember> ") + 7:]:
            answer_at = time.perf_counter() - start
            break
    os.write(fd, b".q\n")
    os.waitpid(pid, 0)
    if prompt_at is None or (typed and answer_at is None):
        raise RuntimeError(f"{cmd[0]}: no prompt or no answer:\n{out.decode(errors='replace')}")
    return prompt_at, (answer_at - typed_at) if typed else None


def terminal_median(label, repeat, pick, *args, **kwargs):
    times = [pick(terminal_session(*args, **kwargs)) for _ in range(repeat)]
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

    repl = [args.ember_repl, "-q"]
    print("in a terminal:")
    terminal_median("ember-repl: prompt shown", args.repeat, lambda r: r[0], repl)
    terminal_median("ember-repl: ember::ones({2}) typed at once, printed", args.repeat, lambda r: r[0] + r[1], repl,
                    b"ember::ones({2})\n", 0.0, b"tensor([1., 1.])")
    terminal_median("ember-repl: ember::ones({2}) typed 2 s after the prompt, answer", args.repeat, lambda r: r[1],
                    repl, b"ember::ones({2})\n", 2.0, b"tensor([1., 1.])")
    terminal_median("ember-repl: ember::nn::Linear(2, 3) typed 2 s after, answer", args.repeat, lambda r: r[1],
                    repl, b"ember::nn::Linear(2, 3)\n", 2.0, b"Linear(in_features=2")

    print("whole session from a pipe: ready for input (start, load the library, parse the header, quit):")
    median_of("ember-repl (prelude: ember but nn, optim, data; <iostream>, ...)", args.repeat, [args.ember_repl], "")
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
