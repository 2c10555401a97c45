#!/usr/bin/env python3
"""PyTorch's torch.distributed all_reduce with Gloo on 2 local processes: the twin of
tests/distributed/distributed_bench (same sizes, float32, sum, median of repeats, a
barrier before each timed call), printed in the same columns.

  /usr/bin/python3 bench/allreduce_torch.py [max_bytes [min_bytes]] [--json]

--json prints bench/run.sh's JSON lines (workload allreduce) instead of the table.
"""
import json
import os
import socket
import sys
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def rank_main(rank, world, port, max_bytes, min_bytes, as_json):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=world)
    if rank == 0 and not as_json:
        print(f"torch {torch.__version__} gloo, {world} processes")
        print("%10s %12s %12s %12s" % ("bytes", "median_us", "algbw_GB/s", "busbw_GB/s"))
    size = min_bytes
    while size <= max_bytes:
        t = torch.ones(size // 4)
        repeats = 50 if size <= (1 << 20) else 9
        dist.all_reduce(t)  # warm up, as the ember twin does
        times = []
        for _ in range(repeats):
            dist.barrier()
            t0 = time.perf_counter()
            dist.all_reduce(t)
            times.append(time.perf_counter() - t0)
        s = median(times)
        if rank == 0 and as_json:
            print(json.dumps(dict(workload="allreduce", variant=f"bytes={size}", threads=1, metric="gbps",
                                  value=size / s / 1e9)), flush=True)
        elif rank == 0:
            print("%10d %12.1f %12.3f %12.3f" % (size, s * 1e6, size / s / 1e9, size / s / 1e9 * 2 * (world - 1) / world),
                  flush=True)
        size *= 4
    dist.destroy_process_group()


if __name__ == "__main__":
    as_json = "--json" in sys.argv[1:]
    args = [a for a in sys.argv[1:] if a != "--json"]
    max_bytes = int(args[0]) if len(args) > 0 else 64 << 20
    min_bytes = int(args[1]) if len(args) > 1 else 1024
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    mp.spawn(rank_main, args=(2, port, max_bytes, min_bytes, as_json), nprocs=2)
