#!/usr/bin/env python3
"""Prints the PyTorch 1.13 values that tests/test_lstm_proj.cpp compares with.

Parameters are filled as fill_params does (parameter j in named_parameters order, flat
element i: 0.5 * sin(0.7 i + 1.3 j + seed)), inputs as seq (cos(a i + b)); float64. The
loss is sum(output * seq(output.shape, 0.3, 0.2)) + sum(h_n * seq(h_n.shape, 0.5, 0.1))
+ sum(c_n * seq(c_n.shape, 0.7, 0.4)). Run with /usr/bin/python3."""
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


def fill(m, seed):
    with torch.no_grad():
        for j, (_, p) in enumerate(m.named_parameters()):
            i = torch.arange(p.numel(), dtype=torch.float64)
            p.copy_((0.5 * torch.sin(0.7 * i + 1.3 * j + seed)).reshape(p.shape))


def seq(shape, a, b, grad=False):
    n = 1
    for s in shape:
        n *= s
    return torch.cos(a * torch.arange(n, dtype=torch.float64) + b).reshape(shape).requires_grad_(grad)


def show(name, t):
    vals = ", ".join(f"{v:.15g}" for v in t.detach().reshape(-1).tolist())
    print(f"static const std::vector<double> {name}{{{vals}}};")


def loss_of(out, h, c):
    return ((out * seq(out.shape, 0.3, 0.2)).sum() + (h * seq(h.shape, 0.5, 0.1)).sum()
            + (c * seq(c.shape, 0.7, 0.4)).sum())


lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True, proj_size=2).double()
fill(lstm, 0.5)
x = seq((5, 2, 3), 0.4, 0.3, True)
h0 = seq((4, 2, 2), 0.6, 0.2, True)
c0 = seq((4, 2, 4), 0.25, 0.8, True)
out, (h, c) = lstm(x, (h0, c0))
show("kProjOut", out)
show("kProjH", h)
show("kProjC", c)
loss_of(out, h, c).backward()
show("kProjGradX", x.grad)
show("kProjGradH0", h0.grad)
show("kProjGradC0", c0.grad)
show("kProjGradWhr0", lstm.weight_hr_l0.grad)
show("kProjGradWhh1Reverse", lstm.weight_hh_l1_reverse.grad)

# Variable lengths [5, 3], no initial state.
lstm.zero_grad()
x = seq((5, 2, 3), 0.4, 0.3, True)
packed_out, (h, c) = lstm(pack_padded_sequence(x, [5, 3]))
out, _ = pad_packed_sequence(packed_out)
show("kProjLenOut", out)
show("kProjLenH", h)
loss_of(out, h, c).backward()
show("kProjLenGradX", x.grad)
print(repr(lstm))
