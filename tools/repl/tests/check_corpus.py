#!/usr/bin/env python3
"""Checks a notebook session of the corpus (tools/repl/tests/corpus) three ways.

usage: check_corpus.py MODE SESSION EXPECT REPL [EMBER_RUN WORKDIR]

SESSION holds the inputs, one per line (an open bracket continues an input on the next
lines, as at the prompt). EXPECT is the transcript `ember-repl --echo` must print for
them: each input after its prompt, then what it printed.

MODE
  transcript   ember-repl's transcript is EXPECT, exactly (after replacing addresses
               and input_line numbers, which change from run to run).
  semicolons   each input is also run with its trailing semicolon toggled (taken off
               where it has one, added where it has none) wherever both spellings are
               C++ (see toggled()). Two runs toggle the even and the odd inputs, so each
               toggled input is followed by an untoggled one, and every input is run
               both ways. An untoggled input must print exactly what EXPECT shows (the
               state it observes is the same); a toggled one may only gain (semicolon
               taken off) or lose (semicolon added) the printed value at its end.
  program      the session becomes one C++ program (definitions at namespace scope,
               everything else in main, each printed value printed by the function the
               prompt uses) and ember-run must print the same values. A session whose
               first input is the comment `// corpus: not a program` is skipped.
"""
import os
import re
import subprocess
import sys


def read_inputs(path):
    """The session's inputs, joined across lines as the prompt joins them."""
    inputs, current, depth = [], [], 0
    for line in open(path, encoding="utf-8").read().splitlines():
        if not current and not line.strip():
            continue
        current.append(line)
        depth += bracket_balance(line)
        if depth <= 0:
            inputs.append("\n".join(current))
            current, depth = [], 0
    if current:
        inputs.append("\n".join(current))
    return inputs


def bracket_balance(line):
    """Opening minus closing brackets outside strings, characters and // comments."""
    balance, i, quote = 0, 0, None
    while i < len(line):
        c = line[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = None
        elif c == "/" and line[i + 1:i + 2] == "/":
            break
        elif c in "\"'":
            # A digit separator (1'000) is not a character literal.
            if not (c == "'" and i > 0 and line[i - 1].isalnum() and line[i + 1:i + 2].isalnum()):
                quote = c
        elif c in "([{":
            balance += 1
        elif c in ")]}":
            balance -= 1
        i += 1
    return balance


def echo_lines(text):
    lines = text.split("\n")
    return ["ember> " + lines[0]] + ["   ...> " + line for line in lines[1:]]


def run_repl(repl, inputs):
    """Runs the inputs; returns each one's output (a list of lines) and the raw text."""
    proc = subprocess.run([repl, "--echo"], input="\n".join(inputs) + "\n", text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
    return split_transcript(proc.stdout.splitlines(), inputs), proc.stdout


def split_transcript(lines, inputs):
    """Cuts a transcript into what each input printed, by the inputs' echoed lines."""
    chunks, at = [], 0
    for k, text in enumerate(inputs):
        echo = echo_lines(text)
        while at < len(lines) and lines[at:at + len(echo)] != echo:
            if chunks:
                chunks[-1].append(lines[at])
            at += 1
        if at >= len(lines):
            raise SystemExit(f"input {k + 1} was never echoed: {text!r}")
        at += len(echo)
        chunks.append([])
    chunks[-1].extend(lines[at:])
    return chunks


def normalise(lines, semicolon_blind=False):
    out = []
    for line in lines:
        line = re.sub(r"input_line_\d+", "input_line_N", line)
        line = re.sub(r"0x[0-9a-f]+", "0x?", line)
        if semicolon_blind and re.match(r"^\s*\d+ \| ", line):
            line = line.rstrip().rstrip(";")  # a diagnostic quoting the toggled input
        out.append(line)
    return out


def is_comment_or_command(text):
    s = text.strip()
    return s.startswith("//") or s.startswith("#") or (s.startswith(".") and s[1:2].isalpha())


TYPE_DEFINITION = re.compile(r"^\s*(template\s*<.*>\s*)?(struct|class|union|enum|using|typedef)\b", re.S)
CONTROL = re.compile(r"^\s*(for|while|if|do|switch|try)\b")


def toggled(text):
    """The input with its trailing semicolon toggled, or None where one spelling is not
    C++: a class definition needs its semicolon, and so does the last statement inside
    an if or a loop written without braces."""
    if is_comment_or_command(text):
        return None
    body = text.rstrip()
    if body.endswith(";"):
        if TYPE_DEFINITION.match(body) or CONTROL.match(body):
            return None
        return body[:-1].rstrip()
    return body + ";"


def check_transcript(inputs, expected_chunks, repl):
    chunks, raw = run_repl(repl, inputs)
    problems = []
    for k, (got, want) in enumerate(zip(chunks, expected_chunks)):
        if normalise(got) != normalise(want):
            problems.append(f"input {k + 1} {inputs[k]!r}:\n  expected {want}\n  got      {got}")
    return problems, raw


def check_semicolons(inputs, expected_chunks, repl):
    problems, raws, toggles = [], [], 0
    for parity in (0, 1):
        variant, kinds = [], []
        for k, text in enumerate(inputs):
            t = toggled(text) if k % 2 == parity else None
            variant.append(t if t is not None else text)
            kinds.append("same" if t is None else ("added" if t.endswith(";") else "removed"))
            toggles += t is not None
        chunks, raw = run_repl(repl, variant)
        raws.append(raw)
        for k, (got, want) in enumerate(zip(chunks, expected_chunks)):
            got, want = normalise(got, True), normalise(want, True)
            ok = (got == want or (kinds[k] == "removed" and got[:len(want)] == want) or
                  (kinds[k] == "added" and want[:len(got)] == got))
            if not ok:
                problems.append(f"[{'even' if parity == 0 else 'odd'} inputs toggled] input {k + 1} "
                                f"({kinds[k]}) {variant[k]!r}:\n  expected {want}\n  got      {got}")
    print(f"{toggles} of {len(inputs)} inputs run with their semicolon toggled")
    return problems, "\n".join(raws)


FUNCTION_DEFINITION = re.compile(r"^[A-Za-z_][\w:<>,\s\*&]*[\s\*&]([A-Za-z_]\w*)\s*\([^;{]*\)\s*(const\s*)?\{")


def is_namespace_scope(text):
    s = text.strip()
    if s.startswith("#") or s.startswith(".L ") or TYPE_DEFINITION.match(s) or s.startswith("namespace "):
        return True
    head = s.split("(", 1)[0]
    return bool(FUNCTION_DEFINITION.match(s)) and "=" not in head and not CONTROL.match(s)


def prints_value(text, expected):
    """Whether the input is an expression whose value the prompt printed."""
    return bool(expected) and not text.endswith(";") and not CONTROL.match(text) and not text.startswith("{")


def strip_type(lines):
    """The printed value without the `(type) ` the prompt puts before it."""
    if not lines or not lines[0].startswith("("):
        return lines
    depth = 0
    for i, c in enumerate(lines[0]):
        depth += c == "("
        depth -= c == ")"
        if depth == 0:
            return [lines[0][i + 2:]] + lines[1:]
    return lines


def to_program(inputs, expected_chunks, session_dir):
    top, body = [], []
    for k, text in enumerate(inputs):
        s = text.strip()
        if s.startswith("//"):
            continue
        if s.startswith(".L "):
            top.append(f'#include "{os.path.join(session_dir, s[3:].strip())}"')
        elif is_namespace_scope(s):
            top.append(s)
        else:
            body.append(f'  std::cout << "@@ {k}" << std::endl;')
            if prints_value(s, expected_chunks[k]):
                body.append(f"  corpus_print({s});")
            else:
                body.append("  " + s + ("" if s.endswith(";") else ";"))
    return "\n".join([
        "// Made from a notebook session of ember-repl's corpus by check_corpus.py.",
        "#include <ember/ember.hpp>",
        "#include <ember/detail/repl_show.hpp>",
        "#include <cmath>", "#include <iostream>", "#include <map>", "#include <memory>",
        "template <class T> void corpus_print(const T& v) {",
        "  std::string text; bool self_describing = false;",
        "  ember::detail::repl::show(v, text, self_describing);",
        "  std::cout << text << std::endl;",
        "}",
        *top,
        "int main() {", *body, "  return 0;", "}", ""])


def check_program(inputs, expected_chunks, ember_run, workdir, session_dir, name):
    os.makedirs(workdir, exist_ok=True)
    source = os.path.join(workdir, name + ".cpp")
    with open(source, "w", encoding="utf-8") as f:
        f.write(to_program(inputs, expected_chunks, session_dir))
    env = dict(os.environ, EMBER_RUN_CACHE=os.path.join(workdir, "cache"))
    proc = subprocess.run([ember_run, source], text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=900, env=env)
    if proc.returncode != 0:
        return [f"ember-run {source} failed with status {proc.returncode}"], proc.stdout
    got = {}
    current = None
    for line in proc.stdout.splitlines():
        m = re.fullmatch(r"@@ (\d+)", line)
        if m:
            current = int(m.group(1))
            got[current] = []
        elif current is not None:
            got[current].append(line)
    problems = []
    print(f"{len(got)} inputs of the program printed what the prompt printed" if len(got) else "no input ran")
    if not got:
        problems.append("the program printed no input markers")
    for k, lines in sorted(got.items()):
        s = inputs[k].strip()
        want = expected_chunks[k]
        if prints_value(s, want):
            want = strip_type(want)
        if normalise(lines) != normalise(want):
            problems.append(f"input {k + 1} {inputs[k]!r}:\n  the prompt printed {want}\n  the program printed {lines}")
    return problems, proc.stdout


def main():
    mode, session, expect, repl = sys.argv[1:5]
    inputs = read_inputs(session)
    expected_lines = open(expect, encoding="utf-8").read().splitlines()
    expected_chunks = split_transcript(expected_lines, inputs)
    name = os.path.splitext(os.path.basename(session))[0]
    if mode == "transcript":
        problems, raw = check_transcript(inputs, expected_chunks, repl)
    elif mode == "semicolons":
        problems, raw = check_semicolons(inputs, expected_chunks, repl)
    elif mode == "program":
        if inputs[0].strip().startswith("// corpus: not a program"):
            print(f"{name}: not a program ({inputs[0].strip()})")
            return 0
        problems, raw = check_program(inputs, expected_chunks, sys.argv[5], sys.argv[6],
                                      os.path.dirname(os.path.abspath(session)), name)
    else:
        raise SystemExit(f"unknown mode {mode}")
    if problems:
        print("---- output ----")
        print(raw)
        print("---- problems ----")
        print("\n".join(problems))
        return 1
    print(f"ok: {name} ({mode}, {len(inputs)} inputs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
