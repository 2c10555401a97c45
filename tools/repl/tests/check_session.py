#!/usr/bin/env python3
"""Runs ember-repl on a scripted session and checks what it prints.

usage: check_session.py REPL EXPECT STATUS [repl arguments...] [< input]
  The session comes from --input FILE (fed to standard input) or from the repl
  arguments (a script file). stdout and stderr are checked together, in order.

EXPECT lists what the output must contain, one line each:
  text      a line containing `text`, after the line matched by the previous entry
  !text     no line anywhere contains `text`
  # ...     a comment; blank lines are ignored
"""
import subprocess
import sys


def main():
    repl, expect_path, status = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rest = sys.argv[4:]
    stdin = None
    if rest[:1] == ["--input"]:
        stdin = open(rest[1], "rb")
        rest = rest[2:]
    proc = subprocess.run([repl] + rest, stdin=stdin if stdin else subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    output = proc.stdout.decode("utf-8", "replace")
    lines = output.splitlines()
    problems = []
    if proc.returncode != status:
        problems.append(f"exit status {proc.returncode}, expected {status}")
    at = 0
    for raw in open(expect_path, encoding="utf-8").read().splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        if raw.startswith("!"):
            if any(raw[1:] in line for line in lines):
                problems.append(f"found {raw[1:]!r}, which must not appear")
            continue
        for i in range(at, len(lines)):
            if raw in lines[i]:
                at = i + 1
                break
        else:
            problems.append(f"missing (after output line {at}): {raw!r}")
    if problems:
        print("---- output ----")
        print(output)
        print("---- problems ----")
        print("\n".join(problems))
        return 1
    print(f"ok: {expect_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
