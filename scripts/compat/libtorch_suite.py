#!/usr/bin/env python3
"""Measure how much of LibTorch's C++ API test suite (test/cpp/api) compiles and passes on ember.

The porting rule is only `namespace torch = ember;` plus the small test helpers in
scripts/compat/shim/ (a minimal gtest and the helpers LibTorch's tests take from their support
header). The test sources are not part of this project: point --tests at a folder holding them.

Method, per test file (one compile per round, not one per test):
  1. Split the file into namespace-level statements (each TEST/TEST_F body, each helper function
     or class, ...), keeping every line number.
  2. Compile it with -fsyntax-only against a precompiled header of ember + the shim. Every error
     is attributed to the statement it points into (for errors inside helper templates, the
     "requested here" line in the test file). Those statements are blanked out, a missing
     #include line is blanked out, and the file is compiled again, until it compiles.
     A TEST blanked out this way "does not compile"; the error messages that removed it are
     its blockers. A test that fails because a helper it uses was removed inherits the helper's
     blockers.
  3. The remainder is compiled and linked with libember (unresolved symbols are listed and left
     to fail at run time), and each test is run alone in its own process with a timeout.

Usage:
  python3 scripts/compat/libtorch_suite.py --tests /path/to/test/cpp/api \\
      --ember-include include --ember-lib build [--work /tmp/ember_compat] \\
      [--only any.cpp,enum.cpp] [--timeout 60] [--markdown report.md] [--json report.json]

Files not in scope (CUDA, TorchScript, dispatcher internals) are skipped by name; see OUT_OF_SCOPE.
Needs only python3 and clang++; no network.
"""

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SHIM = os.path.join(HERE, "shim")

# Files of test/cpp/api that are not about the C++ frontend on CPU, and why.
OUT_OF_SCOPE = {
    "cuda.cpp": "CUDA",
    "tensor_cuda.cpp": "CUDA",
    "tensor_options_cuda.cpp": "CUDA",
    "jit.cpp": "TorchScript",
    "imethod.cpp": "TorchScript (torch::deploy)",
    "static.cpp": "TorchScript / template internals",
    "dispatch.cpp": "dispatcher internals",
    "dispatch_v1.cpp": "dispatcher internals",
    "torch_include.cpp": "header-inclusion check only",
    "inline_container.cpp": "serialization container internals",
    "ivalue.cpp": "TorchScript IValue",
    "meta_tensor.cpp": "meta device / dispatcher",
    "nested.cpp": "nested tensors (dispatcher)",
    "nested_int.cpp": "symbolic ints (dispatcher)",
    "singleton_int.cpp": "symbolic ints (dispatcher)",
    "privateuse1_test.cpp": "custom backend registration (dispatcher)",
    "parallel_benchmark.cpp": "benchmark, not a test",
    "support.cpp": "helper definitions, no tests",
    "main.cpp": "gtest main",
    "JustKnobs.cpp": "internal feature flags",
    "tensor_flatten.cpp": "torch/csrc/utils internals",
    "inference_mode.cpp": "checks dispatch keys and dispatcher TLS state",
}

C_HEADERS = {"assert.h", "math.h", "stdint.h", "stddef.h", "stdio.h", "stdlib.h", "string.h", "limits.h"}
CUDA_TEST_RE = re.compile(r"_(Multi)?CUDA$")
TEST_RE = re.compile(r"\s*(TEST|TEST_F)\s*\(\s*(\w+)\s*,\s*(\w+)\s*\)")
DIAG_RE = re.compile(r"^(.*?):(\d+):(\d+): (fatal error|error|warning|note): (.*)$")
CXXFLAGS = ["-std=c++17", "-w", "-ferror-limit=0", "-fno-diagnostics-color", "-fno-caret-diagnostics"]


def mask_code(text):
    """Same-length copy of text with comments, string/char literals and preprocessor lines
    turned into spaces (newlines kept), so brace and semicolon scanning sees only code."""
    out = list(text)
    i, n = 0, len(text)
    line_start = True
    while i < n:
        c = text[i]
        if line_start and c in " \t":
            i += 1
            continue
        if line_start and c == "#":  # preprocessor line, with continuations
            while i < n and text[i] != "\n":
                if text[i] == "\\" and i + 1 < n and text[i + 1] == "\n":
                    out[i] = " "
                    i += 2
                    continue
                out[i] = " "
                i += 1
            continue
        line_start = False
        if c == "\n":
            line_start = True
            i += 1
        elif text.startswith("//", i):
            while i < n and text[i] != "\n":
                out[i] = " "
                i += 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            for k in range(i, j):
                if text[k] != "\n":
                    out[k] = " "
            i = j
        elif c == "R" and text.startswith('R"', i) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.match(r'R"([^(\s]*)\(', text[i:])
            if not m:
                i += 1
                continue
            end = text.find(")" + m.group(1) + '"', i)
            end = n if end < 0 else end + len(m.group(1)) + 2
            for k in range(i, end):
                if text[k] != "\n":
                    out[k] = " "
            i = end
        elif c in "\"'":
            if c == "'" and i > 0 and text[i - 1].isalnum() and text[i + 1:i + 2].isalnum():
                i += 1  # digit separator such as 1'000
                continue
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            for k in range(i, min(j + 1, n)):
                out[k] = " "
            i = j + 1
        else:
            i += 1
    return "".join(out)


class Statement:
    def __init__(self, start, end, text, line_of):
        self.start, self.end = start, end
        self.first_line, self.last_line = line_of(start), line_of(max(start, end - 1))
        m = TEST_RE.match(text[start:end])
        self.test = f"{m.group(2)}.{m.group(3)}" if m else None


def split_statements(text):
    """Namespace-level statements of a C++ file as Statement spans."""
    code = mask_code(text)
    line_starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]

    def line_of(offset):
        lo, hi = 0, len(line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if line_starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1

    statements, namespaces = [], []
    stack = []  # True for a namespace / extern "C" block
    heads = []  # where each open block's statement began
    start = None
    i, n = 0, len(code)
    while i < n:
        c = code[i]
        at_namespace_level = all(stack)
        if at_namespace_level and start is None and not c.isspace():
            if c == "}":  # closing a namespace block
                stack.pop()
                namespaces.append(Statement(heads.pop(), i + 1, text, line_of))
                i += 1
                continue
            start = i
        if c == "{":
            head = code[start if start is not None else 0:i]
            is_namespace = at_namespace_level and re.search(r"(\bnamespace\b[\w\s:]*|\bextern\s*)$", head) is not None
            stack.append(is_namespace)
            heads.append(start if start is not None else i)
            if is_namespace:
                start = None
        elif c == "}":
            stack.pop()
            heads.pop()
            if all(stack) and start is not None:
                j = i + 1
                while j < n and code[j].isspace():
                    j += 1
                end = j + 1 if j < n and code[j] == ";" else i + 1
                statements.append(Statement(start, end, text, line_of))
                start = None
                i = end
                continue
        elif c == ";" and at_namespace_level and start is not None:
            statements.append(Statement(start, i + 1, text, line_of))
            start = None
        i += 1
    return statements, namespaces, line_of


def blank(text, start, end):
    return text[:start] + "".join("\n" if c == "\n" else " " for c in text[start:end]) + text[end:]


def parse_diagnostics(output):
    """Groups of (kind, file, line, message): each error with the notes that follow it."""
    groups, current = [], None
    for raw in output.splitlines():
        m = DIAG_RE.match(raw)
        if not m:
            continue
        path, line, kind, msg = m.group(1), int(m.group(2)), m.group(4), m.group(5)
        if kind in ("error", "fatal error"):
            current = [(kind, path, line, msg)]
            groups.append(current)
        elif kind == "note" and current is not None:
            current.append((kind, path, line, msg))
    return groups


def normalize(msg):
    """An error message as a blocker key: long type spellings shortened."""
    msg = re.sub(r"\s*\[-W[\w-]+\]$", "", msg)
    msg = msg.replace("ember::", "").replace("torch::", "").replace("std::__1::", "std::")
    while True:  # collapse nested template arguments
        shorter = re.sub(r"<[^<>]{40,}>", "<...>", msg)
        if shorter == msg:
            break
        msg = shorter
    return msg[:160]


DECLARED_NAME_RES = [
    re.compile(r"use of undeclared identifier '(\w+)'"),
    re.compile(r"unknown type name '(\w+)'"),
    re.compile(r"no template named '(\w+)'"),
]


def run(cmd, timeout=None, cwd=None):
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           errors="replace", timeout=timeout, cwd=cwd)
        return p.returncode, p.stdout
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        return None, out


class Harness:
    def __init__(self, args):
        self.args = args
        self.work = os.path.abspath(args.work)
        os.makedirs(self.work, exist_ok=True)
        self.cxx = [args.cxx]
        # The shim comes first so that test/cpp/api/support.h is ours; data headers such as
        # init_baseline.h still come from the test sources.
        self.includes = ["-I", SHIM, "-I", os.path.abspath(args.tests_root), "-I", os.path.abspath(args.ember_include)]
        self.pch = os.path.join(self.work, "shim.pch")
        self.cpu_seconds = 0.0

    def timed(self, cmd, timeout=None):
        before = os.times()
        rc, out = run(["nice", "-n", "19"] + cmd, timeout=timeout)
        after = os.times()
        self.cpu_seconds += (after.children_user - before.children_user) + (after.children_system - before.children_system)
        return rc, out

    def build_common(self):
        header = os.path.join(self.work, "shim_pch.h")
        with open(header, "w") as f:
            f.write("#include <gtest/gtest.h>\n#include <torch/torch.h>\n#include <test/cpp/api/support.h>\n")
        rc, out = self.timed(self.cxx + CXXFLAGS + self.includes + ["-x", "c++-header", header, "-o", self.pch])
        if rc != 0:
            sys.exit("precompiled header failed:\n" + out[-4000:])
        self.main_obj = os.path.join(self.work, "gtest_main.o")
        rc, out = self.timed(self.cxx + CXXFLAGS + self.includes + ["-c", os.path.join(SHIM, "gtest_main.cpp"), "-o", self.main_obj])
        if rc != 0:
            sys.exit("gtest main failed:\n" + out[-4000:])

    def filter_includes(self, text, result):
        """Blank every #include that neither the shim, the test folder, ember nor the C++ standard
        library provides. Without this, LibTorch headers installed on the system (c10/, ATen/,
        torch/csrc/) would be found on the default include path and mix LibTorch into the port."""
        roots = [SHIM, os.path.abspath(self.args.tests_root), os.path.abspath(self.args.ember_include)]
        lines = text.splitlines(True)
        for i, line in enumerate(lines):
            m = re.match(r'\s*#\s*include\s*[<"]([^>"]+)[>"]', line)
            if not m:
                continue
            name = m.group(1)
            if any(os.path.exists(os.path.join(r, name)) for r in roots):
                continue
            if "/" not in name and (("." not in name) or name in C_HEADERS):
                continue  # the standard library
            result["missing_headers"].append(name)
            lines[i] = "".join(c if c == "\n" else " " for c in line)  # keep offsets
        return "".join(lines)

    def measure_file(self, path):
        name = os.path.basename(path)
        text = open(path, encoding="utf-8", errors="replace").read()
        statements, namespaces, line_of = split_statements(text)
        # LibTorch's own main() filters out *_CUDA and *_MultiCUDA tests on a machine without CUDA;
        # they are out of scope here too and are removed before compiling.
        cuda = [s for s in statements if s.test and CUDA_TEST_RE.search(s.test)]
        for s in sorted(cuda, key=lambda s: -s.start):
            text = blank(text, s.start, s.end)
        statements = [s for s in statements if s not in cuda]
        tests = [s.test for s in statements if s.test]
        result = {"file": name, "tests": len(tests), "cuda_tests_skipped": len(cuda), "not_compiled": {}, "missing_headers": [],
                  "dropped_helpers": {}, "passed": [], "failed": {}, "file_error": None, "unresolved": []}
        tu = os.path.join(self.work, name)
        by_line = {}
        for s in statements:
            for ln in range(s.first_line, s.last_line + 1):
                by_line[ln] = s
        text = self.filter_includes(text, result)
        helper_causes = {}  # declared name -> root messages of the helper that was removed
        dropped = set()
        for _round in range(40):
            with open(tu, "w") as f:
                f.write(text)
            rc, out = self.timed(self.cxx + CXXFLAGS + self.includes + ["-include-pch", self.pch, "-fsyntax-only", tu])
            if rc == 0:
                break
            groups = parse_diagnostics(out)
            to_drop = collections.defaultdict(list)
            fatal_handled = False
            for group in groups:
                kind, path0, line0, msg = group[0]
                if kind == "fatal error" and "file not found" in msg and os.path.samefile(path0, tu):
                    start = sum(len(l) for l in text.splitlines(True)[:line0 - 1])
                    end = start + len(text.splitlines(True)[line0 - 1])
                    text = blank(text, start, end)
                    result["missing_headers"].append(re.sub(r"^'(.*)' file not found$", r"\1", msg))
                    fatal_handled = True
                    continue
                target = None
                for _k, p, ln, _m in group:
                    if os.path.exists(p) and os.path.samefile(p, tu) and ln in by_line and by_line[ln] not in dropped:
                        target = by_line[ln]
                        break
                if target is None:  # e.g. reopening `namespace torch`: drop the smallest enclosing block
                    for _k, p, ln, _m in group:
                        if os.path.exists(p) and os.path.samefile(p, tu):
                            around = [b for b in namespaces if b.first_line <= ln <= b.last_line and b not in dropped]
                            if around:
                                target = min(around, key=lambda b: b.end - b.start)
                                break
                if target is not None:
                    to_drop[target].append(normalize(msg))
            if fatal_handled:
                continue
            if not to_drop:
                first = next((g[0] for g in groups), ("error", "", 0, out.strip().splitlines()[-1] if out.strip() else "?"))
                result["file_error"] = f"{os.path.basename(first[1])}:{first[2]}: {normalize(first[3])}"
                for t in tests:
                    if t not in result["not_compiled"]:
                        result["not_compiled"][t] = [result["file_error"]]
                return result
            for s, msgs in to_drop.items():
                dropped.add(s)
                causes = []
                for msg in dict.fromkeys(msgs):
                    inherited = None
                    for r in DECLARED_NAME_RES:
                        m = r.search(msg)
                        if m and m.group(1) in helper_causes:
                            inherited = helper_causes[m.group(1)]
                    causes.extend(inherited if inherited else [msg])
                causes = list(dict.fromkeys(causes))
                if s.test:
                    result["not_compiled"][s.test] = causes
                else:
                    body = text[s.start:s.end]
                    label = " ".join(body.split())[:70]
                    result["dropped_helpers"][label] = causes
                    for ident in set(re.findall(r"\b[A-Za-z_]\w*\b", body)):
                        helper_causes.setdefault(ident, causes)
                text = blank(text, s.start, s.end)
        else:
            result["file_error"] = "did not converge"
            return result

        compiled = [t for t in tests if t not in result["not_compiled"]]
        if not compiled:
            return result
        obj, exe = tu + ".o", tu + ".bin"
        rc, out = self.timed(self.cxx + CXXFLAGS + self.includes + ["-include-pch", self.pch, "-c", tu, "-o", obj])
        if rc != 0:
            result["file_error"] = "object compile failed: " + out.strip()[-300:]
            return result
        link = self.cxx + [obj, self.main_obj, "-L", os.path.abspath(self.args.ember_lib), "-lember",
                           "-Wl,-rpath," + os.path.abspath(self.args.ember_lib), "-lpthread", "-o", exe]
        rc, out = self.timed(link)
        if rc != 0:
            result["unresolved"] = sorted(set(re.findall(r"undefined reference to [`'](.*?)'", out)))
            rc, out = self.timed(link + ["-Wl,--unresolved-symbols=ignore-all"])
            if rc != 0:
                result["file_error"] = "link failed: " + out.strip()[-300:]
                return result
        for t in compiled:
            rc, out = run([exe, "--gtest_filter=" + t], timeout=self.args.timeout)
            if rc == 0 and f"[       OK ] {t}" in out:
                result["passed"].append(t)
            else:
                if rc is None:
                    reason = f"timeout after {self.args.timeout}s"
                elif rc < 0:
                    reason = f"crashed (signal {-rc})"
                else:
                    lines = [l for l in out.splitlines() if l.strip() and not l.startswith("[") and "passed," not in l]
                    reason = " | ".join(lines[:3])[:300] or f"exit code {rc}"
                result["failed"][t] = reason
        return result


def report(results, args, cpu_seconds):
    lines = []
    total = collections.Counter()
    lines.append("| file | tests | compile | pass | fail | pass % |")
    lines.append("|---|---:|---:|---:|---:|---:|")
    for r in results:
        compiled = r["tests"] - len(r["not_compiled"])
        passed, failed = len(r["passed"]), len(r["failed"])
        total.update(tests=r["tests"], compiled=compiled, passed=passed, failed=failed)
        pct = 100.0 * passed / r["tests"] if r["tests"] else 0.0
        lines.append(f"| {r['file']} | {r['tests']} | {compiled} | {passed} | {failed} | {pct:.1f} |")
    pct = 100.0 * total["passed"] / total["tests"] if total["tests"] else 0.0
    lines.append(f"| **total** | **{total['tests']}** | **{total['compiled']}** | **{total['passed']}** | "
                 f"**{total['failed']}** | **{pct:.1f}** |")
    lines.append("")
    skipped = sum(r.get("cuda_tests_skipped", 0) for r in results)
    lines.append(f"({skipped} *_CUDA / *_MultiCUDA tests left out, as LibTorch's own runner does without CUDA.)")
    lines.append("")
    lines.append(f"Of {total['tests']} tests: {total['passed']} pass, {total['failed']} fail, "
                 f"{total['tests'] - total['compiled']} do not compile; {pct:.1f}% pass. "
                 f"(compile CPU time {cpu_seconds / 60:.1f} min)")
    lines.append("")

    # A test's first error is its main blocker (later ones are often knock-on parse errors);
    # "any" counts every test an error appears in.
    first, anywhere = collections.Counter(), collections.Counter()
    for r in results:
        for _t, causes in r["not_compiled"].items():
            first[causes[0]] += 1
            for c in set(causes):
                anywhere[c] += 1
    lines.append(f"### Compile blockers, top {args.top} (tests whose first error it is; tests it appears in at all)")
    lines.append("")
    lines.append("| first | any | error |")
    lines.append("|---:|---:|---|")
    for msg, count in first.most_common(args.top):
        lines.append(f"| {count} | {anywhere[msg]} | `{msg}` |")
    lines.append("")
    lines.append(f"### Errors by the number of tests they appear in, top {args.top}")
    lines.append("")
    lines.append("| any | error |")
    lines.append("|---:|---|")
    for msg, count in anywhere.most_common(args.top):
        lines.append(f"| {count} | `{msg}` |")
    lines.append("")

    extra = []
    for r in results:
        if r["missing_headers"]:
            extra.append(f"- {r['file']}: missing headers (include removed): {', '.join(sorted(set(r['missing_headers'])))}")
        if r["file_error"]:
            extra.append(f"- {r['file']}: {r['file_error']}")
        if r["unresolved"]:
            extra.append(f"- {r['file']}: unresolved at link time: {', '.join(r['unresolved'][:10])}")
    if extra:
        lines.append("### File-level notes")
        lines.append("")
        lines.extend(extra)
        lines.append("")

    lines.append("### Tests that compile but fail")
    lines.append("")
    for r in results:
        for t, reason in sorted(r["failed"].items()):
            lines.append(f"- {r['file']} {t}: {reason}")
    lines.append("")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tests", required=True, help="folder with LibTorch's test/cpp/api sources")
    ap.add_argument("--tests-root", help="folder that `#include <test/cpp/api/...>` resolves from "
                    "(default: three levels above --tests when it ends in test/cpp/api)")
    ap.add_argument("--ember-include", required=True)
    ap.add_argument("--ember-lib", required=True, help="folder with libember.so")
    ap.add_argument("--work", default="/tmp/ember_compat")
    ap.add_argument("--cxx", default="clang++")
    ap.add_argument("--only", default="", help="comma-separated file names")
    ap.add_argument("--timeout", type=int, default=60, help="seconds per test")
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--markdown", help="also write the report here")
    ap.add_argument("--json", help="write raw per-test results here")
    args = ap.parse_args()
    if not args.tests_root:
        parts = os.path.abspath(args.tests).split(os.sep)
        args.tests_root = os.sep.join(parts[:-3]) if parts[-3:] == ["test", "cpp", "api"] else args.work

    files = sorted(f for f in os.listdir(args.tests) if f.endswith(".cpp"))
    only = [f for f in args.only.split(",") if f]
    harness = Harness(args)
    harness.build_common()
    results = []
    for f in files:
        if only and f not in only:
            continue
        if f in OUT_OF_SCOPE:
            print(f"skip {f}: {OUT_OF_SCOPE[f]}", file=sys.stderr)
            continue
        t0 = time.time()
        r = harness.measure_file(os.path.join(args.tests, f))
        print(f"{f}: {r['tests']} tests, {r['tests'] - len(r['not_compiled'])} compile, "
              f"{len(r['passed'])} pass ({time.time() - t0:.0f}s)", file=sys.stderr)
        if r["tests"]:
            results.append(r)
    text = report(results, args, harness.cpu_seconds)
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
