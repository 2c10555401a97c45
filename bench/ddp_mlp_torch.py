#!/usr/bin/env python3
"""ddp_mlp on PyTorch: the twin of bench/ddp_mlp_bench --distributed. bench's MLP
(784-256-128-10, Adam 1e-3, batch 64 per rank, one epoch of Fashion-MNIST, then the test
accuracy) trained with torch.nn.parallel.DistributedDataParallel over Gloo on 2 local
processes, one thread each, every rank reading its share of the epoch through
torch.utils.data.DistributedSampler. Batches are gathered from the whole split held in
one tensor (index_select), as ember's DataLoader does in the training thread.

  /usr/bin/python3 bench/ddp_mlp_torch.py [--nproc 2] [--threads 1] [--data DIR]

Prints JSON lines from rank 0: images_per_s (the epoch's images over the wall time from
the first batch to the last rank's last step) and test_accuracy.
"""
import argparse
import gzip
import json
import os
import socket
import time

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn
import torch.nn.functional as F

BATCH = 64
EVAL_BATCH = 1000
LEARNING_RATE = 1e-3
MODEL_SEED = 0


def load_split(directory, train):
    """Fashion-MNIST's gzip-compressed IDX files: images scaled to [0, 1], labels int64."""
    prefix = "train" if train else "t10k"
    with gzip.open(os.path.join(directory, f"{prefix}-images-idx3-ubyte.gz")) as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
    with gzip.open(os.path.join(directory, f"{prefix}-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    return (torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1),
            torch.from_numpy(labels.astype(np.int64)))


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 256)
        self.fc2 = nn.Linear(256, 128)
        self.fc3 = nn.Linear(128, 10)

    def forward(self, x):
        h = F.relu(self.fc1(x.flatten(1)))
        h = F.relu(self.fc2(h))
        return self.fc3(h)


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown"


def rank_main(rank, world, port, threads, directory):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(threads)
    dist.init_process_group("gloo", rank=rank, world_size=world)
    x_train, y_train = load_split(directory, True)
    x_test, y_test = load_split(directory, False)
    torch.manual_seed(MODEL_SEED)
    model = nn.parallel.DistributedDataParallel(Mlp())
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    sampler = torch.utils.data.DistributedSampler(range(len(x_train)), num_replicas=world, rank=rank, shuffle=True)
    sampler.set_epoch(0)
    order = torch.tensor(list(sampler), dtype=torch.int64)
    model.train()
    dist.barrier()
    t0 = time.perf_counter()
    for first in range(0, len(order), BATCH):
        idx = order[first:first + BATCH]
        loss = F.cross_entropy(model(x_train.index_select(0, idx)), y_train.index_select(0, idx))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    dist.barrier()
    seconds = time.perf_counter() - t0
    if rank == 0:
        net = model.module
        net.eval()
        correct = 0
        with torch.no_grad():
            for first in range(0, len(x_test), EVAL_BATCH):
                logits = net(x_test[first:first + EVAL_BATCH])
                correct += int((logits.argmax(1) == y_test[first:first + EVAL_BATCH]).sum())
        variant = f"torch {world}x{threads} ddp gloo"
        common = dict(workload="ddp_mlp", variant=variant, threads=threads, cpu=cpu_model())
        print(json.dumps(dict(common, metric="images_per_s", value=len(x_train) / seconds)), flush=True)
        print(json.dumps(dict(common, metric="test_accuracy", value=correct / len(x_test))), flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nproc", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    args = parser.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    mp.spawn(rank_main, args=(args.nproc, port, args.threads, args.data), nprocs=args.nproc)
