#!/usr/bin/env python3
"""Prints the PyTorch 1.13 values that tests/test_transformer.cpp compares with.

Parameters are filled as tests/nn_test_values.hpp's fill_params does (parameter j in
named_parameters order, flat element i: 0.5 * sin(0.7 i + 1.3 j + seed)), inputs as its
seq (cos(a i + b)); everything float64, eval mode. Run with /usr/bin/python3."""
import torch
from torch import nn

torch.set_default_dtype(torch.float64)


def fill(m, seed):
    with torch.no_grad():
        for j, (_, p) in enumerate(m.named_parameters()):
            i = torch.arange(p.numel(), dtype=torch.float64)
            p.copy_((0.5 * torch.sin(0.7 * i + 1.3 * j + seed)).reshape(p.shape))


def seq(shape, a, b, grad=False):
    n = 1
    for s in shape:
        n *= s
    t = torch.cos(a * torch.arange(n, dtype=torch.float64) + b).reshape(shape)
    return t.requires_grad_(grad)


def show(name, t):
    vals = ", ".join(f"{v:.15g}" for v in t.detach().reshape(-1).tolist())
    print(f"static const std::vector<double> {name}{{{vals}}};")


def loss_of(out):
    # A scalar that weighs every output element differently.
    return (out * seq(out.shape, 0.3, 0.2)).sum()


# Encoder layer: post-norm relu, then pre-norm gelu with batch_first, with masks.
layer = nn.TransformerEncoderLayer(4, 2, dim_feedforward=6).eval()
fill(layer, 0.1)
src = seq((3, 2, 4), 0.4, 0.3, True)
out = layer(src)
show("kEncLayerOut", out)
loss_of(out).backward()
show("kEncLayerGradSrc", src.grad)
show("kEncLayerGradLinear1", layer.linear1.weight.grad)

layer = nn.TransformerEncoderLayer(4, 2, dim_feedforward=6, activation="gelu", layer_norm_eps=1e-3,
                                   batch_first=True, norm_first=True).eval()
fill(layer, 0.2)
src = seq((2, 3, 4), 0.4, 0.3, True)
mask = torch.triu(torch.ones(3, 3, dtype=torch.bool), 1)
kpm = torch.tensor([[False, False, True], [False, False, False]])
out = layer(src, src_mask=mask, src_key_padding_mask=kpm)
show("kEncLayerPreNormOut", out)
loss_of(out).backward()
show("kEncLayerPreNormGradSrc", src.grad)
show("kEncLayerPreNormGradInProj", layer.self_attn.in_proj_weight.grad)

# Decoder layer with memory and masks.
layer = nn.TransformerDecoderLayer(4, 2, dim_feedforward=5).eval()
fill(layer, 0.3)
tgt = seq((3, 2, 4), 0.5, 0.1, True)
memory = seq((4, 2, 4), 0.3, 0.9, True)
tgt_mask = nn.Transformer.generate_square_subsequent_mask(3)
mem_kpm = torch.tensor([[False, False, False, True], [False, True, False, False]])
out = layer(tgt, memory, tgt_mask=tgt_mask, memory_key_padding_mask=mem_kpm)
show("kDecLayerOut", out)
loss_of(out).backward()
show("kDecLayerGradTgt", tgt.grad)
show("kDecLayerGradMemory", memory.grad)
show("kDecLayerGradCrossInProj", layer.multihead_attn.in_proj_weight.grad)

# The whole Transformer: 2 encoder layers, 1 decoder layer, all masks.
model = nn.Transformer(d_model=4, nhead=2, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=6,
                       norm_first=True).eval()
fill(model, 0.4)
src = seq((4, 2, 4), 0.45, 0.2, True)
tgt = seq((3, 2, 4), 0.35, 0.6, True)
src_kpm = torch.tensor([[False, False, False, True], [False, False, False, False]])
memory_mask = torch.zeros(3, 4)
memory_mask[0, 3] = -1.5
out = model(src, tgt, tgt_mask=model.generate_square_subsequent_mask(3), memory_mask=memory_mask,
            src_key_padding_mask=src_kpm, memory_key_padding_mask=src_kpm)
show("kTransformerOut", out)
loss_of(out).backward()
show("kTransformerGradSrc", src.grad)
show("kTransformerGradTgt", tgt.grad)
show("kTransformerGradEnc1Linear2", model.encoder.layers[1].linear2.weight.grad)
show("kTransformerGradDecNorm", model.decoder.norm.weight.grad)

# The repr of an encoder with two layers and a norm.
print(repr(nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, dim_feedforward=6), 2, norm=nn.LayerNorm(4))))
