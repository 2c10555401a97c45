#!/usr/bin/env python3
"""DistributedDataParallel against PyTorch's: runs distributed_ddp_check's "twin" scenario
on N ranks (through launch.py), then the same training under torch.nn.parallel.
DistributedDataParallel (gloo, N processes) from the data and initial weights that
ember's rank 0 wrote, and compares every gradient after every backward (None included)
and the final weights.

Variants (keep in step with scenario_twin in distributed_ddp_check.cpp):
  unused              find_unused_parameters; fc2 unused by every rank at steps 0 and 3,
                      by rank 1 only at step 1; no zero_grad before step 3
  allreduce_hook      register_comm_hook(None, default_hooks.allreduce_hook)
  fp16_compress_hook  register_comm_hook(None, default_hooks.fp16_compress_hook)
  bucket_view_static  gradient_as_bucket_view and static_graph; fc2 never used
"""
import argparse
import os
import socket
import subprocess
import sys
import tempfile

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F
from torch.distributed.algorithms.ddp_comm_hooks import default_hooks
from torch.nn.parallel import DistributedDataParallel as DDP

K_IN, K_HIDDEN, K_OUT, K_B, STEPS = 20, 16, 4, 4, 4
VARIANTS = ["unused", "allreduce_hook", "fp16_compress_hook", "bucket_view_static"]
NAMES = ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"]


def skips(variant, step, rank):
    if variant == "unused":
        return step in (0, 3) or (step == 1 and rank == 1)
    return variant == "bucket_view_static"


class BranchNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(K_IN, K_HIDDEN)
        self.fc2 = torch.nn.Linear(K_HIDDEN, K_HIDDEN)
        self.fc3 = torch.nn.Linear(K_HIDDEN, K_OUT)
        self.skip = False

    def forward(self, x):
        h = torch.tanh(self.fc1(x))
        if not self.skip:
            h = torch.tanh(self.fc2(h))
        return self.fc3(h)


def parse(path):
    out = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            # key: everything but the values ("grad unused 0 fc1.weight")
            n_key = {"x": 1, "y": 1, "init": 3, "final": 3, "grad": 4}[parts[0]]
            key = " ".join(parts[:n_key])
            vals = parts[n_key:]
            out[key] = None if vals == ["none"] else torch.tensor([float(v) for v in vals], dtype=torch.float64)
    return out


def fmt(t):
    return " none" if t is None else "".join(" %.17g" % v for v in t.detach().double().reshape(-1).tolist())


def twin_rank(rank, world, port, ember, out_path):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=world)
    x = ember["x"].reshape(-1, K_IN)
    y = ember["y"].reshape(-1, K_OUT)
    lines = []
    for variant in VARIANTS:
        net = BranchNet().double()
        with torch.no_grad():
            for name, p in net.named_parameters():
                p.copy_(ember["init %s %s" % (variant, name)].reshape(p.shape))
        ddp = DDP(net, bucket_cap_mb=0.001, find_unused_parameters=variant == "unused",
                  gradient_as_bucket_view=variant == "bucket_view_static", static_graph=variant == "bucket_view_static")
        if variant == "allreduce_hook":
            ddp.register_comm_hook(None, default_hooks.allreduce_hook)
        if variant == "fp16_compress_hook":
            ddp.register_comm_hook(None, default_hooks.fp16_compress_hook)
        opt = torch.optim.SGD(ddp.parameters(), lr=0.1)
        for s in range(STEPS):
            base = s * world * K_B
            if not (variant == "unused" and s == 3):
                opt.zero_grad(set_to_none=True)
            net.skip = skips(variant, s, rank)
            xs, ys = x[base + rank * K_B: base + (rank + 1) * K_B], y[base + rank * K_B: base + (rank + 1) * K_B]
            F.mse_loss(ddp(xs), ys).backward()
            for name, p in net.named_parameters():
                lines.append("grad %s %d %s%s" % (variant, s, name, fmt(p.grad)))
            opt.step()
        for name, p in net.named_parameters():
            lines.append("final %s %s%s" % (variant, name, fmt(p)))
    if rank == 0:
        with open(out_path, "w") as f:
            f.write("\n".join(lines) + "\n")
    dist.destroy_process_group()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--program", required=True)
    ap.add_argument("--mpirun", default="")
    ap.add_argument("--backend", required=True)
    ap.add_argument("--np", type=int, required=True)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="ember-ddp-twin-")
    launch = os.path.join(os.path.dirname(os.path.abspath(__file__)), "launch.py")
    r = subprocess.run([sys.executable, launch, "--program", a.program, "--mpirun", a.mpirun, "--backend", a.backend,
                        "--np", str(a.np), "--scenario", "twin", "--timeout-ms", "10000", "--limit", "20"],
                       env=dict(os.environ, EMBER_DDP_TWIN_DIR=tmp), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    print(r.stdout)
    if r.returncode != 0:
        print("FAIL: ember's ranks failed")
        return 1
    ember = parse(os.path.join(tmp, "ember.txt"))
    torch_path = os.path.join(tmp, "torch.txt")
    mp.spawn(twin_rank, args=(a.np, free_port(), ember, torch_path), nprocs=a.np, join=True)
    theirs = parse(torch_path)
    failures = 0
    compared = 0
    for key, want in theirs.items():
        got = ember.get(key, "missing")
        variant = key.split()[1]
        tol = 1e-3 if variant == "fp16_compress_hook" else 1e-9
        if isinstance(got, str):
            print("FAIL: ember wrote no", key)
            failures += 1
        elif (want is None) != (got is None):
            print("FAIL: %s: PyTorch's is %s, ember's %s" % (key, "None" if want is None else "defined",
                                                             "undefined" if got is None else "defined"))
            failures += 1
        elif want is not None:
            d = (want - got).abs().max().item() if want.numel() == got.numel() else float("inf")
            if d > tol:
                print("FAIL: %s differs from PyTorch's by %g (tolerance %g)" % (key, d, tol))
                failures += 1
        compared += 1
    # The fp16 hook really compresses: its first gradients are not the float64 average.
    d16 = (ember["grad fp16_compress_hook 0 fc1.weight"] - ember["grad allreduce_hook 0 fc1.weight"]).abs().max()
    if not d16 > 1e-8:
        print("FAIL: fp16_compress_hook's gradients equal the float64 all-reduce's (difference %g)" % d16)
        failures += 1
    nones = sum(1 for k, v in theirs.items() if v is None)
    print("compared %d gradients and weights with PyTorch's DDP (%d of them None); fp16 vs float64: %g"
          % (compared, nones, d16))
    print("OK" if failures == 0 else "FAILED")
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
