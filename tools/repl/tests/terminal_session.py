#!/usr/bin/env python3
"""Drives ember-repl on a pseudo-terminal, as a person at a keyboard would.

Checks what only a terminal session has: the banner and prompts, Ctrl-C dropping the
line being typed, Tab completing names (declared in the session, in a namespace, members),
the history file, and Ctrl-D ending the session with status 0.

usage: terminal_session.py EMBER_REPL WORK_DIR
"""
import os
import pty
import select
import shutil
import sys
import time


class Terminal:
    def __init__(self, argv, home):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.environ["HOME"] = home
            os.environ["TERM"] = "xterm"
            os.execv(argv[0], argv)
        self.out = b""

    def read_until(self, text, timeout=60):
        """Reads until `text` appears after what was already consumed."""
        end = time.time() + timeout
        while time.time() < end:
            at = self.out.find(text.encode(), self.mark)
            if at >= 0:
                self.mark = at + len(text)
                return True
            r, _, _ = select.select([self.fd], [], [], 0.1)
            if r:
                try:
                    self.out += os.read(self.fd, 65536)
                except OSError:
                    break
        return False

    mark = 0

    def send(self, data):
        os.write(self.fd, data.encode())


def main():
    repl, work = sys.argv[1], sys.argv[2]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    term = Terminal([repl], work)
    problems = []
    try:
        drive(term, problems, work)
    except RuntimeError:
        os.kill(term.pid, 9)
        os.waitpid(term.pid, 0)
    if problems:
        print(term.out.decode(errors="replace"))
        print("\n".join(problems))
        return 1
    print("ok: terminal session")
    return 0


def drive(term, problems, work):

    def expect(text, what):
        if not term.read_until(text):
            problems.append(f"{what}: did not see {text!r}")
            raise RuntimeError(what)

    # Each input prints a marker computed when it runs ("42ready" for 6 * 7), which
    # the echo of the typed text cannot contain, so the next keys are sent only once
    # the input has run and the prompt is back.
    def run(line, marker, what):
        term.send(line + "\r")
        expect(marker, what)
        expect("ember> ", "prompt after " + what)

    expect("interactive C++", "banner")
    expect("ember> ", "first prompt")
    run('auto weights_total = ember::ones({3}).sum(); std::cout << 6 * 7 << "ready" << std::endl;', "42ready",
        "a declaration")
    # Ctrl-C drops the half-typed line; the session goes on.
    term.send("this line is dropped")
    time.sleep(0.3)
    term.send("\x03")
    expect("ember> ", "prompt after Ctrl-C")
    # Tab completes a name declared in the session.
    term.send("weights_to\t")
    expect("tal", "Tab completion of weights_to")
    term.send("\r")
    expect("tensor(3.)", "the completed name's value")
    expect("ember> ", "prompt after the completed input")
    # Tab completes namespace-qualified names and members of ember's classes too.
    term.send("ember::zeros_l\t")
    expect("ike", "Tab completion of ember::zeros_l")
    term.send("(weights_total.resh\t")
    expect("ape", "Tab completion of a member")
    term.send("({1})).sum().item<int>() + 40\r")
    expect("(int) 40", "the completed names' value")
    expect("ember> ", "prompt after the completed members")
    # Completing a name in optim includes optim's headers first when the session has
    # not yet (they are included on demand, or while the prompt is idle).
    term.send("sizeof(ember::optim::SG\t")
    expect("D", "Tab completion of ember::optim::SG")
    term.send(") > 0\r")
    expect("(bool) true", "the completed optim name's value")
    expect("ember> ", "prompt after the completed optim name")
    # A multi-line input shows the continuation prompt.
    term.send("if (true) {\r")
    expect("...> ", "continuation prompt")
    run('  std::cout << 6 * 8 << "inside" << std::endl;\r}', "48inside", "a multi-line input")
    # Ctrl-D. A key typed in the instant between the prompt being printed and the line
    # editor taking the terminal can be lost (the terminal is still in line mode, where
    # Ctrl-D is not a character), as in any program that reads lines this way; so the
    # test, like a person, presses it again if nothing happens.
    status = None
    end = time.time() + 30
    next_press = 0
    while time.time() < end:
        if time.time() >= next_press:
            time.sleep(0.3)
            term.send("\x04")
            next_press = time.time() + 5
        term.read_until("\0", timeout=0.2)  # keep the terminal drained
        pid, st = os.waitpid(term.pid, os.WNOHANG)
        if pid:
            status = st
            break
    if status is None:
        os.kill(term.pid, 9)
        os.waitpid(term.pid, 0)
        problems.append("Ctrl-D did not end the session within 30 s")
    elif not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        problems.append(f"Ctrl-D: exit status {status}, expected a normal exit with 0")
    history = os.path.join(work, ".ember_repl_history")
    if not os.path.exists(history) or "weights_total" not in open(history).read():
        problems.append("the history file does not hold the session's lines")
    if "this line is dropped" in open(history).read() if os.path.exists(history) else False:
        problems.append("the line dropped with Ctrl-C went into the history")


if __name__ == "__main__":
    sys.exit(main())
