#!/usr/bin/env python3
"""Starts N ranks of distributed_check on loopback and checks that each one passed.

gloo: N processes with RANK, WORLD_SIZE, MASTER_ADDR=127.0.0.1 and a free MASTER_PORT
(env://), or with --file-init DIR a fresh folder for file://. mpi: the real mpirun.
Fault scenarios (exit_early, hang): the last rank is the faulty one; the others must
print PASS (they got the expected ember::Error in time). Nothing may outlive --limit.
"""
import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

FAULTS = {"exit_early", "hang", "missing_rank"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(cmd, env, out):
    # A session of its own, so that a hung run can be stopped with everything it started.
    return subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def wait_all(procs, limit):
    deadline = time.monotonic() + limit
    for p in procs:
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
    hung = [p for p in procs if p.poll() is None]
    for p in hung:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
    return bool(hung)


def main():
    # The free port is free when chosen, but another program may take it before rank 0
    # listens on it: run again on a fresh port then, not when anything else failed.
    for attempt in range(3):
        rc, output = run()
        if "cannot listen on MASTER_PORT" not in output:
            return rc
        print(f"(MASTER_PORT was taken meanwhile: attempt {attempt + 2})")
    return rc


def run():
    ap = argparse.ArgumentParser()
    ap.add_argument("--program", required=True)
    ap.add_argument("--mpirun", default="")
    ap.add_argument("--backend", choices=["gloo", "mpi"], required=True)
    ap.add_argument("--np", type=int, required=True)
    ap.add_argument("--scenario", required=True)
    ap.add_argument("--timeout-ms", type=int, required=True)
    ap.add_argument("--file-init", default="")
    ap.add_argument("--limit", type=float, default=25.0, help="seconds before every process is killed")
    a = ap.parse_args()

    logdir = tempfile.mkdtemp(prefix="ember-dist-")
    base = [a.backend, a.scenario, str(a.timeout_ms)]
    started = time.monotonic()
    if a.backend == "gloo":
        env = dict(os.environ, WORLD_SIZE=str(a.np), MASTER_ADDR="127.0.0.1", MASTER_PORT=str(free_port()))
        extra = []
        if a.file_init:
            shutil.rmtree(a.file_init, ignore_errors=True)  # the store must start empty
            extra = ["file://" + a.file_init]
            del env["MASTER_ADDR"], env["MASTER_PORT"]
        logs, procs = [], []
        for r in range(a.np):
            log = open(os.path.join(logdir, f"rank{r}.log"), "w+")
            logs.append(log)
            procs.append(start([a.program] + base + extra, dict(env, RANK=str(r)), log))
        hung = wait_all(procs, a.limit)
        codes = [p.returncode for p in procs]
        output = ""
        for r, log in enumerate(logs):
            log.seek(0)
            output += f"---- rank {r} (exit {codes[r]}) ----\n" + log.read()
    else:
        if not a.mpirun:
            print("mpirun not found")
            return 1, ""
        # In a container Open MPI's shared-memory transport cannot use cross-memory attach
        # (CMA needs ptrace rights); vader with single_copy none works everywhere.
        # A session folder of its own: two mpiruns started at once race on the shared
        # one (/tmp/ompi.<host>.<uid>) and one fails in orte_init.
        env = dict(os.environ, OMPI_MCA_btl_vader_single_copy_mechanism="none",
                   OMPI_MCA_rmaps_base_oversubscribe="1", OMPI_MCA_orte_tmpdir_base=logdir)
        cmd = [a.mpirun, "--allow-run-as-root", "--oversubscribe", "-np", str(a.np),
               "--mca", "btl", "self,vader", "--mca", "pml", "ob1", a.program] + base
        log = open(os.path.join(logdir, "mpirun.log"), "w+")
        proc = start(cmd, env, log)
        hung = wait_all([proc], a.limit)
        codes = [proc.returncode]
        log.seek(0)
        output = " ".join(cmd) + f"\n---- mpirun (exit {proc.returncode}) ----\n" + log.read()
    elapsed = time.monotonic() - started
    print(output)
    print(f"elapsed {elapsed:.2f} s")

    ok = True
    if hung:
        print(f"FAIL: still running after {a.limit} s, killed")
        ok = False
    survivors = range(a.np - 1) if a.scenario in FAULTS else range(a.np)
    if a.backend == "mpi" and a.scenario == "exit_early":
        # Open MPI's runtime ends the whole job when a rank leaves without MPI_Finalize
        # (MPI has no fault tolerance): the others are killed by mpirun before their
        # timeout. What is checked is that the job ends, in time, as a failure.
        survivors = []
        if codes[0] == 0:
            print("FAIL: mpirun reported success for a job that lost a rank")
            ok = False
    for r in survivors:
        if f"PASS {a.scenario} rank {r}\n" not in output:
            print(f"FAIL: rank {r} did not pass")
            ok = False
    # mpirun reports a rank that left without MPI_Finalize as a failed job: expected in
    # the fault scenarios, where what counts is that the others raised in time.
    if not (a.backend == "mpi" and a.scenario in FAULTS) and any(c != 0 for c in codes):
        print(f"FAIL: exit codes {codes}")
        ok = False
    shutil.rmtree(logdir, ignore_errors=True)
    print("OK" if ok else "FAILED")
    return (0 if ok else 1), output


if __name__ == "__main__":
    sys.exit(main())
