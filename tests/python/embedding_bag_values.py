#!/usr/bin/env python3
"""Prints the PyTorch 1.13 values that tests/test_embedding_bag.cpp compares with.

The weight is 0.5 * sin(0.7 i + 0.4) over its flat elements (fill_params with seed 0.4),
float64; the loss is sum(out * cos(0.3 i + 0.2)). Run with /usr/bin/python3."""
import torch
import torch.nn.functional as F


def show(name, t):
    vals = ", ".join(f"{v:.15g}" for v in t.detach().reshape(-1).tolist())
    print(f"static const std::vector<double> {name}{{{vals}}};")


def weight():
    i = torch.arange(18, dtype=torch.float64)
    return (0.5 * torch.sin(0.7 * i + 0.4)).reshape(6, 3).requires_grad_(True)


def loss_of(out):
    i = torch.arange(out.numel(), dtype=torch.float64)
    return (out * torch.cos(0.3 * i + 0.2).reshape(out.shape)).sum()


idx = torch.tensor([1, 2, 4, 5, 4, 3, 2, 0])
offsets = torch.tensor([0, 2, 2, 5])
for mode in ("sum", "mean", "max"):
    w = weight()
    out = F.embedding_bag(idx, w, offsets, mode=mode, padding_idx=4)
    show(f"kBag_{mode}", out)
    loss_of(out).backward()
    show(f"kBag_{mode}_grad", w.grad)

w = weight()
psw = torch.cos(0.9 * torch.arange(8, dtype=torch.float64)).requires_grad_(True)
out = F.embedding_bag(idx, w, torch.tensor([0, 3, 3, 6, 8]), mode="sum", per_sample_weights=psw,
                      include_last_offset=True)
show("kBagWeighted", out)
loss_of(out).backward()
show("kBagWeighted_grad", w.grad)
show("kBagWeighted_grad_psw", psw.grad)

w = weight()
with torch.no_grad():
    w.mul_(3)
out = F.embedding_bag(torch.tensor([[1, 2], [2, 5]]), w, mode="mean", max_norm=1.0)
show("kBagMaxNorm", out)
show("kBagMaxNorm_weight", w)
