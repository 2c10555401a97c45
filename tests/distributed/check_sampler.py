#!/usr/bin/env python3
"""Compares DistributedSampler's indices (distributed_ddp_check sampler_dump) with
PyTorch's torch.utils.data.DistributedSampler for the same configurations."""
import subprocess
import sys

import torch
from torch.utils.data import DistributedSampler


def main():
    out = subprocess.run([sys.argv[1], "sampler_dump"], check=True, capture_output=True, text=True).stdout
    lines = out.splitlines()
    bad = 0
    for line in lines:
        head, _, tail = line.partition(":")
        size, n, r, shuffle, drop, seed, epoch = map(int, head.split())
        got = [int(v) for v in tail.split()]
        s = DistributedSampler(range(size), num_replicas=n, rank=r, shuffle=bool(shuffle), seed=seed,
                               drop_last=bool(drop))
        s.set_epoch(epoch)
        want = list(iter(s))
        if got != want:
            bad += 1
            if bad <= 5:
                print(f"MISMATCH {head}: ember {got} torch {want}")
    print(f"{len(lines)} configurations, {bad} mismatches (torch {torch.__version__})")
    if len(lines) < 100 or bad:
        print("FAILED")
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
