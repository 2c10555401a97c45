#!/usr/bin/env python3
"""Checks .graph the way it is typed at the prompt: ember-repl runs a scripted session in
a scratch directory, then the pictures it wrote are read back (graphviz's SVG with
xml.etree) for the backward nodes PyTorch would name. A second run without Graphviz on
the PATH must write the DOT text and say so.

usage: graph_session.py REPL SCRATCH_DIR
"""
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

SESSION = """\
auto w = ember::ones({3, 2}).requires_grad_();
auto x = ember::relu(ember::ones({4, 3}).mm(w)).sum();
.graph x
.graph x;
.graph [&] { auto y = w * 2; return y.sum(); }()
.graph (w * 3).mean(); named.svg
.graph w.exp() text.dot
.graph ember::ones({2})
.graph
x
"""

problems = []


def check(condition, what):
    if not condition:
        problems.append(what)


def run(repl, cwd, env=None):
    proc = subprocess.run([repl], input=SESSION.encode(), cwd=cwd, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=300)
    return proc.returncode, proc.stdout.decode("utf-8", "replace")


def boxes(svg_path):
    """The first text line of each box graphviz drew."""
    ns = "{http://www.w3.org/2000/svg}"
    root = ET.parse(svg_path).getroot()
    out = []
    for g in root.iter(ns + "g"):
        if g.get("class") == "node":
            texts = [t.text or "" for t in g.iter(ns + "text")]
            out.append(texts)
    return out


def names(svg_path):
    return sorted(texts[0] for texts in boxes(svg_path))


def main():
    repl, scratch = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    shutil.rmtree(scratch, ignore_errors=True)
    with_dot = os.path.join(scratch, "with_dot")
    os.makedirs(with_dot)
    status, output = run(repl, with_dot)
    lines = output.splitlines()
    check(status == 1, f"exit status {status}, expected 1 (two .graph commands fail)")
    for want in ["wrote ember-graph-1.svg", "wrote ember-graph-2.svg", "wrote ember-graph-3.svg", "wrote named.svg",
                 "wrote text.dot", "usage: .graph", "tensor(24., grad_fn=<SumBackward0>)"]:
        check(any(want in line for line in lines), f"missing output line {want!r}")
    check(any("to_dot" in line and "(2)" in line and "grad" in line for line in lines),
          "no error naming to_dot for a tensor without grad history")
    files = sorted(os.listdir(with_dot))
    check(files == ["ember-graph-1.svg", "ember-graph-2.svg", "ember-graph-3.svg", "named.svg", "text.dot"],
          f"files written: {files}")
    if not problems:
        # PyTorch names: relu(ones(4, 3).mm(w)).sum() -> SumBackward0, ReluBackward0, MmBackward0, AccumulateGrad.
        mlp = ["AccumulateGrad", "MmBackward0", "ReluBackward0", "SumBackward0"]
        for name in ["ember-graph-1.svg", "ember-graph-2.svg"]:
            got = [n for n in names(os.path.join(with_dot, name)) if not n.startswith(("output", " "))]
            check(got == mlp, f"{name}: nodes {got}, expected {mlp}")
        got = [n for n in names(os.path.join(with_dot, "ember-graph-3.svg")) if not n.startswith(("output", " "))]
        check(got == ["AccumulateGrad", "MulBackward0", "SumBackward0"], f"ember-graph-3.svg: nodes {got}")
        got = [n for n in names(os.path.join(with_dot, "named.svg")) if not n.startswith(("output", " "))]
        check(got == ["AccumulateGrad", "MeanBackward0", "MulBackward0"], f"named.svg: nodes {got}")
        leaf = [t for t in boxes(os.path.join(with_dot, "ember-graph-1.svg")) if t and t[0] == " (3, 2)"]
        check(len(leaf) == 1, "the leaf w is not drawn with its shape (3, 2)")
        text = open(os.path.join(with_dot, "text.dot")).read()
        check(text.startswith("digraph") and "ExpBackward0" in text, "text.dot is not the DOT of w.exp()")

    # Without Graphviz: the DOT text is written and the message says how to draw it.
    without_dot = os.path.join(scratch, "without_dot")
    empty_path = os.path.join(scratch, "empty_path")
    os.makedirs(without_dot)
    os.makedirs(empty_path)
    env = dict(os.environ, PATH=empty_path)
    status, output = run(repl, without_dot, env)
    check(any("wrote ember-graph-1.dot" in line and "dot was not found" in line for line in output.splitlines()),
          "no message that dot was not found")
    check(os.path.exists(os.path.join(without_dot, "ember-graph-1.dot")), "ember-graph-1.dot not written")
    check(not os.path.exists(os.path.join(without_dot, "ember-graph-1.svg")), "an SVG appeared without dot")

    if problems:
        print("---- output ----")
        print(output)
        print("---- problems ----")
        print("\n".join(problems))
        return 1
    print("ok: .graph")
    return 0


if __name__ == "__main__":
    sys.exit(main())
