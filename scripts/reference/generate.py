#!/usr/bin/python3
"""Makes the PyTorch reference cases of tests/data/reference/cases.jsonl.

Each case is computed by PyTorch in float64 from a spec: the case's id, op, keyword
arguments and, per input, its shape and dtype and how its values are drawn (a uniform
range, a grid of values, or literal data). The specs live in specs.jsonl beside this
script; the op's PyTorch call is in OPS below. The format of a case is described in
tests/data/reference/README.md.

    # every case, rewritten in place
    /usr/bin/python3 scripts/reference/generate.py
    # one op's cases only (the others are kept as they are)
    /usr/bin/python3 scripts/reference/generate.py --op exp
    # a new elementwise op: default specs (1d, 2d, 3d, scalar, broadcast), then its cases
    /usr/bin/python3 scripts/reference/generate.py --op tan --new unary --range=-1.2,1.2

Values are drawn from a generator seeded by the case id, so one op's cases come out the
same whether it is generated alone or with the others.
"""
import argparse
import json
import math
import os
import random
import sys
import zlib

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DEFAULT_SPECS = os.path.join(HERE, "specs.jsonl")
DEFAULT_OUT = os.path.join(ROOT, "tests", "data", "reference", "cases.jsonl")

# ---------------------------------------------------------------------------------------
# The PyTorch call of every op: fn(inputs, args) -> a tensor or a tuple of tensors.
# Names and argument meanings are those of tests/data/reference/ops.md.


def _reduce(fn):
    def call(x, a):
        if a.get("dim") is None and not a.get("keepdim", False):
            return fn(x)
        return fn(x, dim=a.get("dim", ()), keepdim=a.get("keepdim", False))

    return call


def _slice(x, a):
    dim = a.get("dim", 0) % x.dim()
    index = (slice(None),) * dim + (slice(a.get("start"), a.get("end"), a.get("step", 1)),)
    return x[index]


def _ord(o):
    """A norm order from JSON: a number, or "inf" / "-inf", or a matrix norm's name."""
    return {"inf": math.inf, "-inf": -math.inf}.get(o, o) if isinstance(o, str) else o


def _lstm_cell(x, h, c, w_ih, w_hh, b_ih, b_hh):
    return tuple(torch.lstm_cell(x, (h, c), w_ih, w_hh, b_ih, b_hh))


def _attention(q, k, v, is_causal):
    # softmax(q k^T / sqrt(d) + mask) v, the mask -inf above the diagonal (top-left).
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if is_causal:
        lq, lk = scores.shape[-2], scores.shape[-1]
        above = torch.ones(lq, lk, dtype=torch.bool).triu(1)
        scores = scores.masked_fill(above, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v


OPS = {
    "gelu": lambda i, a: F.gelu(i[0], approximate=a.get("approximate", "none")),
    "silu": lambda i, a: F.silu(i[0]),
    "softplus": lambda i, a: F.softplus(i[0], beta=a.get("beta", 1), threshold=a.get("threshold", 20)),
    "pow_scalar": lambda i, a: torch.pow(i[0], a["exponent"]),
    "clamp": lambda i, a: torch.clamp(i[0], min=a.get("min"), max=a.get("max")),
    "leaky_relu": lambda i, a: F.leaky_relu(i[0], negative_slope=a.get("negative_slope", 0.01)),
    "elu": lambda i, a: F.elu(i[0], alpha=a.get("alpha", 1.0)),
    "add": lambda i, a: torch.add(i[0], i[1], alpha=a.get("alpha", 1)),
    "sub": lambda i, a: torch.sub(i[0], i[1], alpha=a.get("alpha", 1)),
    "where": lambda i, a: torch.where(i[0], i[1], i[2]),
    "sum": lambda i, a: _reduce(torch.sum)(i[0], a),
    "mean": lambda i, a: _reduce(torch.mean)(i[0], a),
    "prod": lambda i, a: torch.prod(i[0]) if a.get("dim") is None
    else torch.prod(i[0], a["dim"], keepdim=a.get("keepdim", False)),
    "amax": lambda i, a: torch.amax(i[0], dim=a.get("dim", ()), keepdim=a.get("keepdim", False)),
    "amin": lambda i, a: torch.amin(i[0], dim=a.get("dim", ()), keepdim=a.get("keepdim", False)),
    "max_dim": lambda i, a: tuple(torch.max(i[0], a["dim"], keepdim=a.get("keepdim", False))),
    "argmax": lambda i, a: torch.argmax(i[0], dim=a.get("dim"), keepdim=a.get("keepdim", False)),
    "var": lambda i, a: torch.var(i[0], dim=a.get("dim"), correction=a.get("correction", 1),
                                  keepdim=a.get("keepdim", False)),
    "std": lambda i, a: torch.std(i[0], dim=a.get("dim"), correction=a.get("correction", 1),
                                  keepdim=a.get("keepdim", False)),
    "logsumexp": lambda i, a: torch.logsumexp(i[0], a["dim"], keepdim=a.get("keepdim", False)),
    "norm": lambda i, a: torch.linalg.vector_norm(i[0], ord=a.get("p", 2), dim=a.get("dim"),
                                                  keepdim=a.get("keepdim", False)),
    "cumsum": lambda i, a: torch.cumsum(i[0], a["dim"]),
    "softmax": lambda i, a: torch.softmax(i[0], a["dim"]),
    "log_softmax": lambda i, a: torch.log_softmax(i[0], a["dim"]),
    "reshape": lambda i, a: torch.reshape(i[0], a["shape"]),
    "transpose": lambda i, a: torch.transpose(i[0], a["dim0"], a["dim1"]),
    "permute": lambda i, a: i[0].permute(*a["dims"]),
    "expand": lambda i, a: i[0].expand(*a["shape"]),
    "squeeze": lambda i, a: torch.squeeze(i[0]) if a.get("dim") is None else torch.squeeze(i[0], a["dim"]),
    "unsqueeze": lambda i, a: torch.unsqueeze(i[0], a["dim"]),
    "flatten": lambda i, a: torch.flatten(i[0], a.get("start_dim", 0), a.get("end_dim", -1)),
    "narrow": lambda i, a: torch.narrow(i[0], a["dim"], a["start"], a["length"]),
    "select": lambda i, a: torch.select(i[0], a["dim"], a["index"]),
    "slice": lambda i, a: _slice(i[0], a),
    "flip": lambda i, a: torch.flip(i[0], a["dims"]),
    "repeat": lambda i, a: i[0].repeat(*a["repeats"]),
    "cat": lambda i, a: torch.cat(list(i), a.get("dim", 0)),
    "stack": lambda i, a: torch.stack(list(i), a.get("dim", 0)),
    "split": lambda i, a: tuple(torch.split(i[0], a["split_size"], a.get("dim", 0))),
    "index_select": lambda i, a: torch.index_select(i[0], a["dim"], i[1]),
    "gather": lambda i, a: torch.gather(i[0], a["dim"], i[1]),
    "scatter_add": lambda i, a: torch.scatter_add(i[0], a["dim"], i[1], i[2]),
    "masked_fill": lambda i, a: torch.masked_fill(i[0], i[1], a["value"]),
    "pad": lambda i, a: F.pad(i[0], a["pad"], value=a.get("value", 0)),
    "tril": lambda i, a: torch.tril(i[0], a.get("diagonal", 0)),
    "triu": lambda i, a: torch.triu(i[0], a.get("diagonal", 0)),
    "addmm": lambda i, a: torch.addmm(i[0], i[1], i[2], beta=a.get("beta", 1), alpha=a.get("alpha", 1)),
    "einsum": lambda i, a: torch.einsum(a["equation"], *i),
    "linalg_det": lambda i, a: torch.linalg.det(i[0]),
    "linalg_slogdet": lambda i, a: tuple(torch.linalg.slogdet(i[0])),
    "linalg_inv": lambda i, a: torch.linalg.inv(i[0]),
    "linalg_solve": lambda i, a: torch.linalg.solve(i[0], i[1]),
    "linalg_cholesky": lambda i, a: torch.linalg.cholesky(i[0], upper=a.get("upper", False)),
    "linalg_qr": lambda i, a: tuple(torch.linalg.qr(i[0], mode=a.get("mode", "reduced"))),
    "linalg_eigvalsh": lambda i, a: torch.linalg.eigvalsh(i[0], UPLO=a.get("UPLO", "L")),
    "linalg_svdvals": lambda i, a: torch.linalg.svdvals(i[0]),
    "linalg_vector_norm": lambda i, a: torch.linalg.vector_norm(i[0], ord=_ord(a.get("ord", 2)), dim=a.get("dim"),
                                                                keepdim=a.get("keepdim", False)),
    "linalg_matrix_norm": lambda i, a: torch.linalg.matrix_norm(i[0], ord=_ord(a.get("ord", "fro")),
                                                                dim=a.get("dim", (-2, -1)),
                                                                keepdim=a.get("keepdim", False)),
    "linalg_cross": lambda i, a: torch.linalg.cross(i[0], i[1], dim=a.get("dim", -1)),
    "linalg_matrix_power": lambda i, a: torch.linalg.matrix_power(i[0], a["n"]),
    "linear": lambda i, a: F.linear(*i),
    "conv1d": lambda i, a: F.conv1d(*i, stride=a.get("stride", 1), padding=a.get("padding", 0),
                                    dilation=a.get("dilation", 1), groups=a.get("groups", 1)),
    "conv2d": lambda i, a: F.conv2d(*i, stride=a.get("stride", 1), padding=a.get("padding", 0),
                                    dilation=a.get("dilation", 1), groups=a.get("groups", 1)),
    "conv_transpose2d": lambda i, a: F.conv_transpose2d(*i, stride=a.get("stride", 1), padding=a.get("padding", 0),
                                                        output_padding=a.get("output_padding", 0),
                                                        groups=a.get("groups", 1)),
    "conv3d": lambda i, a: F.conv3d(*i, stride=a.get("stride", 1), padding=a.get("padding", 0),
                                    dilation=a.get("dilation", 1), groups=a.get("groups", 1)),
    "conv_transpose1d": lambda i, a: F.conv_transpose1d(*i, stride=a.get("stride", 1), padding=a.get("padding", 0),
                                                        output_padding=a.get("output_padding", 0),
                                                        groups=a.get("groups", 1)),
    "conv_transpose3d": lambda i, a: F.conv_transpose3d(*i, stride=a.get("stride", 1), padding=a.get("padding", 0),
                                                        output_padding=a.get("output_padding", 0),
                                                        groups=a.get("groups", 1)),
    "max_pool2d": lambda i, a: F.max_pool2d(i[0], a["kernel_size"], a.get("stride"), a.get("padding", 0)),
    "max_pool3d": lambda i, a: F.max_pool3d(i[0], a["kernel_size"], a.get("stride"), a.get("padding", 0)),
    "avg_pool3d": lambda i, a: F.avg_pool3d(i[0], a["kernel_size"], a.get("stride"), a.get("padding", 0)),
    "avg_pool2d": lambda i, a: F.avg_pool2d(i[0], a["kernel_size"], a.get("stride"), a.get("padding", 0)),
    "adaptive_avg_pool2d": lambda i, a: F.adaptive_avg_pool2d(i[0], a["output_size"]),
    "cross_entropy": lambda i, a: F.cross_entropy(i[0], i[1], reduction=a.get("reduction", "mean"),
                                                  ignore_index=a.get("ignore_index", -100),
                                                  label_smoothing=a.get("label_smoothing", 0.0)),
    "nll_loss": lambda i, a: F.nll_loss(i[0], i[1], reduction=a.get("reduction", "mean"),
                                        ignore_index=a.get("ignore_index", -100)),
    "mse_loss": lambda i, a: F.mse_loss(i[0], i[1], reduction=a.get("reduction", "mean")),
    "l1_loss": lambda i, a: F.l1_loss(i[0], i[1], reduction=a.get("reduction", "mean")),
    "smooth_l1_loss": lambda i, a: F.smooth_l1_loss(i[0], i[1], reduction=a.get("reduction", "mean"),
                                                    beta=a.get("beta", 1.0)),
    "binary_cross_entropy_with_logits": lambda i, a: F.binary_cross_entropy_with_logits(
        i[0], i[1], reduction=a.get("reduction", "mean")),
    "embedding": lambda i, a: F.embedding(i[0], i[1]),
    "layer_norm": lambda i, a: F.layer_norm(i[0], a["normalized_shape"], i[1], i[2], eps=a.get("eps", 1e-5)),
    "batch_norm": lambda i, a: F.batch_norm(i[0], None, None, i[1], i[2], training=True, eps=a.get("eps", 1e-5)),
    "group_norm": lambda i, a: F.group_norm(i[0], a["num_groups"], i[1], i[2], eps=a.get("eps", 1e-5)),
    "lstm_cell": lambda i, a: _lstm_cell(*i),
    "gru_cell": lambda i, a: torch.gru_cell(i[0], i[1], i[2], i[3], i[4], i[5]),
    "scaled_dot_product_attention": lambda i, a: _attention(*i, a.get("is_causal", False)),
    # ---- losses and distances of ember/nn/functional_loss.hpp ----
    "huber_loss": lambda i, a: F.huber_loss(i[0], i[1], reduction=a.get("reduction", "mean"),
                                            delta=a.get("delta", 1.0)),
    "kl_div": lambda i, a: F.kl_div(i[0], i[1], reduction=a.get("reduction", "mean"),
                                    log_target=a.get("log_target", False)),
    "poisson_nll_loss": lambda i, a: F.poisson_nll_loss(i[0], i[1], log_input=a.get("log_input", True),
                                                        full=a.get("full", False), eps=a.get("eps", 1e-8),
                                                        reduction=a.get("reduction", "mean")),
    "margin_ranking_loss": lambda i, a: F.margin_ranking_loss(i[0], i[1], i[2], margin=a.get("margin", 0.0),
                                                              reduction=a.get("reduction", "mean")),
    "hinge_embedding_loss": lambda i, a: F.hinge_embedding_loss(i[0], i[1], margin=a.get("margin", 1.0),
                                                                reduction=a.get("reduction", "mean")),
    # PyTorch refuses a gradient for the target: it is passed detached (zero gradient).
    "soft_margin_loss": lambda i, a: F.soft_margin_loss(i[0], i[1].detach(), reduction=a.get("reduction", "mean")),
    "cosine_embedding_loss": lambda i, a: F.cosine_embedding_loss(i[0], i[1], i[2], margin=a.get("margin", 0.0),
                                                                  reduction=a.get("reduction", "mean")),
    # PyTorch refuses a gradient for the weight: it is passed detached (zero gradient).
    "multi_margin_loss": lambda i, a: F.multi_margin_loss(i[0], i[1], p=a.get("p", 1), margin=a.get("margin", 1.0),
                                                          weight=i[2].detach() if len(i) > 2 else None,
                                                          reduction=a.get("reduction", "mean")),
    "multilabel_margin_loss": lambda i, a: F.multilabel_margin_loss(i[0], i[1], reduction=a.get("reduction", "mean")),
    "multilabel_soft_margin_loss": lambda i, a: F.multilabel_soft_margin_loss(
        i[0], i[1], weight=i[2] if len(i) > 2 else None, reduction=a.get("reduction", "mean")),
    "triplet_margin_loss": lambda i, a: F.triplet_margin_loss(i[0], i[1], i[2], margin=a.get("margin", 1.0),
                                                              p=a.get("p", 2.0), eps=a.get("eps", 1e-6),
                                                              swap=a.get("swap", False),
                                                              reduction=a.get("reduction", "mean")),
    # distance "cosine": 1 - cosine_similarity; otherwise the default (pairwise_distance).
    "triplet_margin_with_distance_loss": lambda i, a: F.triplet_margin_with_distance_loss(
        i[0], i[1], i[2],
        distance_function=(lambda x, y: 1 - F.cosine_similarity(x, y)) if a.get("distance") == "cosine" else None,
        margin=a.get("margin", 1.0), swap=a.get("swap", False), reduction=a.get("reduction", "mean")),
    "cosine_similarity": lambda i, a: F.cosine_similarity(i[0], i[1], dim=a.get("dim", 1), eps=a.get("eps", 1e-8)),
    "pairwise_distance": lambda i, a: F.pairwise_distance(i[0], i[1], p=a.get("p", 2.0), eps=a.get("eps", 1e-6),
                                                          keepdim=a.get("keepdim", False)),
    "pdist": lambda i, a: F.pdist(i[0], p=a.get("p", 2.0)),
    # inputs: logits [T, N, C] (log_softmax over C is part of the call), targets, input and
    # target lengths.
    "ctc_loss": lambda i, a: F.ctc_loss(torch.log_softmax(i[0], 2), i[1], i[2], i[3], blank=a.get("blank", 0),
                                        reduction=a.get("reduction", "mean"),
                                        zero_infinity=a.get("zero_infinity", False)),
    # ---- activations and padding modes of nn/functional_extra.hpp ----
    "selu": lambda i, a: F.selu(i[0]),
    "celu": lambda i, a: F.celu(i[0], alpha=a.get("alpha", 1.0)),
    "hardshrink": lambda i, a: F.hardshrink(i[0], lambd=a.get("lambd", 0.5)),
    "softshrink": lambda i, a: F.softshrink(i[0], lambd=a.get("lambd", 0.5)),
    "hardtanh": lambda i, a: F.hardtanh(i[0], min_val=a.get("min_val", -1.0), max_val=a.get("max_val", 1.0)),
    "relu6": lambda i, a: F.relu6(i[0]),
    "logsigmoid": lambda i, a: F.logsigmoid(i[0]),
    "softmin": lambda i, a: F.softmin(i[0], dim=a["dim"]),
    "prelu": lambda i, a: F.prelu(i[0], i[1]),
    "rrelu_eval": lambda i, a: F.rrelu(i[0], lower=a.get("lower", 1 / 8), upper=a.get("upper", 1 / 3), training=False),
    "glu": lambda i, a: F.glu(i[0], dim=a.get("dim", -1)),
    "mish": lambda i, a: F.mish(i[0]),
    "softsign": lambda i, a: F.softsign(i[0]),
    "tanhshrink": lambda i, a: F.tanhshrink(i[0]),
    "threshold": lambda i, a: F.threshold(i[0], a["threshold"], a["value"]),
    "pad_mode": lambda i, a: F.pad(i[0], a["pad"], mode=a["mode"], value=a.get("value", 0)),
    "max_pool1d": lambda i, a: F.max_pool1d(i[0], a["kernel_size"], a.get("stride"), a.get("padding", 0),
                                            a.get("dilation", 1), a.get("ceil_mode", False)),
    "avg_pool1d": lambda i, a: F.avg_pool1d(i[0], a["kernel_size"], a.get("stride"), a.get("padding", 0),
                                            a.get("ceil_mode", False), a.get("count_include_pad", True)),
    "adaptive_avg_pool1d": lambda i, a: F.adaptive_avg_pool1d(i[0], a["output_size"]),
    "adaptive_max_pool1d": lambda i, a: F.adaptive_max_pool1d(i[0], a["output_size"]),
    "adaptive_max_pool2d": lambda i, a: F.adaptive_max_pool2d(i[0], a["output_size"]),
    "instance_norm": lambda i, a: F.instance_norm(i[0], weight=i[1] if len(i) > 1 else None,
                                                  bias=i[2] if len(i) > 2 else None, eps=a.get("eps", 1e-5)),
    "local_response_norm": lambda i, a: F.local_response_norm(i[0], a["size"], alpha=a.get("alpha", 1e-4),
                                                              beta=a.get("beta", 0.75), k=a.get("k", 1.0)),
    "pixel_shuffle": lambda i, a: F.pixel_shuffle(i[0], a["upscale_factor"]),
    "pixel_unshuffle": lambda i, a: F.pixel_unshuffle(i[0], a["downscale_factor"]),
    "bilinear": lambda i, a: F.bilinear(*i),
    "sort": lambda i, a: tuple(torch.sort(i[0], dim=a.get("dim", -1), descending=a.get("descending", False),
                                          stable=True)),
    "topk": lambda i, a: tuple(torch.topk(i[0], a["k"], dim=a.get("dim", -1), largest=a.get("largest", True))),
    "scatter": lambda i, a: torch.scatter(i[0], a["dim"], i[1], i[2]),
    "index_add": lambda i, a: torch.index_add(i[0], a["dim"], i[1], i[2], alpha=a.get("alpha", 1)),
    "index_copy": lambda i, a: torch.index_copy(i[0], a["dim"], i[1], i[2]),
    "index_fill": lambda i, a: torch.index_fill(i[0], a["dim"], i[1], a["value"]),
    "lerp_scalar": lambda i, a: torch.lerp(i[0], i[1], a["weight"]),
    "clamp_tensor": lambda i, a: torch.clamp(i[0], i[1], i[2]),
    "erfcx": lambda i, a: torch.special.erfcx(i[0]),
    "i0e": lambda i, a: torch.special.i0e(i[0]),
    "i1": lambda i, a: torch.special.i1(i[0]),
    "i1e": lambda i, a: torch.special.i1e(i[0]),
    "ndtri": lambda i, a: torch.special.ndtri(i[0]),
    "log_ndtr": lambda i, a: torch.special.log_ndtr(i[0]),
    "polygamma": lambda i, a: torch.polygamma(a["n"], i[0]),
    "mvlgamma": lambda i, a: torch.mvlgamma(i[0], p=a["p"]),
    "interpolate": lambda i, a: F.interpolate(i[0], size=a.get("size"), scale_factor=a.get("scale_factor"),
                                              mode=a.get("mode", "nearest"), align_corners=a.get("align_corners"),
                                              recompute_scale_factor=a.get("recompute_scale_factor")),
}


def torch_call(op):
    """The PyTorch call of `op`: from OPS, else torch.<op> (or F.<op>) called with the
    inputs in order and the arguments as keywords."""
    if op in OPS:
        return OPS[op]
    fn = getattr(torch, op, None) or getattr(F, op, None)
    if fn is None:
        raise SystemExit(f"no PyTorch call for op {op!r}: add one to OPS in {__file__}")
    return lambda i, a: fn(*i, **a)


# ---------------------------------------------------------------------------------------
# Inputs.


def draw(spec, rng):
    """A tensor for one input spec."""
    shape, dtype = spec["shape"], spec["dtype"]
    n = 1
    for s in shape:
        n *= s
    if "data" in spec:
        data = spec["data"]
    elif "grid" in spec:
        data = [rng.choice(spec["grid"]) for _ in range(n)]
    else:
        lo, hi = spec.get("range", [-2.0, 2.0])
        data = [round(rng.uniform(lo, hi), 4) for _ in range(n)]
    torch_dtype = {"float64": torch.float64, "int64": torch.int64, "bool": torch.bool}[dtype]
    return torch.tensor(data, dtype=torch_dtype).reshape(shape)


def encode(t):
    if t is None:
        return None
    dtype = {torch.float64: "float64", torch.int64: "int64", torch.bool: "bool"}[t.dtype]
    return {"shape": list(t.shape), "dtype": dtype, "data": t.detach().reshape(-1).tolist()}


def upstream(t, rng):
    """The gradient fed to an output: uniform in [-1, 1], 4 decimals; none for non-floats."""
    if not t.is_floating_point():
        return None
    data = [round(rng.uniform(-1, 1), 4) for _ in range(t.numel())]
    return torch.tensor(data, dtype=torch.float64).reshape(t.shape)


def gradients(outputs, grad_outputs, inputs):
    """d sum_i <outputs[i], grad_outputs[i]> / d inputs: zeros for a float input the
    outputs do not depend on, None for integer and bool inputs."""
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if g is not None]
    wanted = [x for x in inputs if x.is_floating_point()]
    if not pairs or not wanted:
        return [None] * len(inputs)
    got = torch.autograd.grad([o for o, _ in pairs], wanted, [g for _, g in pairs], allow_unused=True)
    got = iter(got)
    result = []
    for x in inputs:
        if not x.is_floating_point():
            result.append(None)
            continue
        g = next(got)
        result.append(torch.zeros_like(x) if g is None else g)
    return result


def decode(t):
    if t is None:
        return None
    torch_dtype = {"float64": torch.float64, "int64": torch.int64, "bool": torch.bool}[t["dtype"]]
    return torch.tensor(t["data"], dtype=torch_dtype).reshape(t["shape"])


def make_case(spec, given=None):
    """The case of `spec`; with `given` (an existing case), its inputs and upstream
    gradients are used instead of drawn ones."""
    rng = random.Random(zlib.crc32(spec["id"].encode()))
    args = spec.get("args", {})
    if given:
        inputs = [decode(t) for t in given["inputs"]]
    else:
        inputs = [draw(s, rng) for s in spec["inputs"]]
    for x in inputs:
        if x.is_floating_point():
            x.requires_grad_(True)
    op = spec["op"]
    if op.startswith("double_backward/"):
        fn = torch_call(op.split("/", 1)[1])
        *xs, w = inputs
        y = fn(xs, args)
        (g,) = torch.autograd.grad((y * w).sum(), xs[0], create_graph=True)
        outputs = [g]
    else:
        out = torch_call(op)(inputs, args)
        outputs = list(out) if isinstance(out, (tuple, list)) else [out]
    if given:
        grad_outputs = [decode(t) for t in given["grad_outputs"]]
    else:
        grad_outputs = [upstream(o, rng) for o in outputs]
    grads = gradients(outputs, grad_outputs, inputs)
    return {
        "id": spec["id"],
        "op": op,
        "inputs": [encode(x) for x in inputs],
        "args": args,
        "outputs": [encode(o) for o in outputs],
        "grad_outputs": [encode(g) for g in grad_outputs],
        "grads": [encode(g) for g in grads],
    }


def same(a, b, path="case"):
    """Where two decoded JSON values differ (floats to 1e-12 relative), or None."""
    if isinstance(a, float) or isinstance(b, float):
        if isinstance(a, (int, float)) and isinstance(b, (int, float)) and (
                a == b or abs(a - b) <= 1e-12 * max(1.0, abs(a), abs(b)) or (a != a and b != b)):
            return None
        return f"{path}: {a!r} vs {b!r}"
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return f"{path}: keys {sorted(a)} vs {sorted(b)}"
        for k in a:
            d = same(a[k], b[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: length {len(a)} vs {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            d = same(x, y, f"{path}[{i}]")
            if d:
                return d
        return None
    return None if a == b else f"{path}: {a!r} vs {b!r}"


def check(path, specs):
    """Recomputes every case of `path` from its own inputs and upstream gradients and
    compares: the PyTorch calls here reproduce the file. Returns the number of mismatches."""
    by_id = {s["id"]: s for s in specs}
    bad = 0
    for case in read_jsonl(path):
        spec = by_id.get(case["id"], {"id": case["id"], "op": case["op"], "args": case["args"]})
        diff = same(make_case(spec, given=case), case, case["id"])
        if diff:
            bad += 1
            print("differs:", diff)
    return bad


# ---------------------------------------------------------------------------------------
# Default specs for a new op.

DEFAULT_SHAPES = {
    "unary": [("1d", [[6]]), ("2d", [[3, 4]]), ("3d", [[2, 3, 4]]), ("scalar", [[]]), ("row", [[1, 5]])],
    "binary": [("same", [[3, 4], [3, 4]]), ("scalar_rhs", [[3, 4], []]), ("size1", [[3, 1], [1, 4]]),
               ("rank", [[2, 3, 4], [4]]), ("rank_lhs", [[3, 1], [2, 1, 4]]), ("scalar_lhs", [[], [4]])],
    "reduction": [("all", [[4, 3]], {}), ("dim", [[4, 2, 3]], {"dim": 1}),
                  ("negdim_keep", [[4, 2, 3]], {"dim": -1, "keepdim": True}), ("1d", [[8]], {"dim": 0})],
}


def default_specs(op, kind, lo, hi):
    specs = []
    for row in DEFAULT_SHAPES[kind]:
        variant, shapes = row[0], row[1]
        args = row[2] if len(row) > 2 else {}
        specs.append({"id": f"{op}/{variant}/0", "op": op, "args": args,
                      "inputs": [{"shape": s, "dtype": "float64", "range": [lo, hi]} for s in shapes]})
    return specs


# ---------------------------------------------------------------------------------------


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def write_jsonl(path, rows):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        for row in rows:
            f.write(json.dumps(row, separators=(",", ":")) + "\n")
    os.replace(tmp, path)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--specs", default=DEFAULT_SPECS, help="the case specs (JSON lines)")
    p.add_argument("--out", default=DEFAULT_OUT, help="the cases file to write")
    p.add_argument("--op", action="append", default=[],
                   help="only this op's cases (repeatable); the other cases in --out are kept")
    p.add_argument("--new", choices=sorted(DEFAULT_SHAPES),
                   help="add default specs for the --op (one op), which must have none yet")
    p.add_argument("--range", default="-2,2", help="with --new: the inputs' range, written --range=LO,HI")
    p.add_argument("--check", metavar="FILE",
                   help="recompute the cases of FILE from their own inputs and compare; write nothing")
    o = p.parse_args(argv)

    specs = read_jsonl(o.specs)
    if o.check:
        bad = check(o.check, specs)
        print(f"{'no' if not bad else bad} case(s) differ in {o.check}")
        return 1 if bad else 0
    if o.new:
        if len(o.op) != 1:
            p.error("--new needs exactly one --op")
        op = o.op[0]
        if any(s["op"] == op for s in specs):
            p.error(f"{op} already has specs in {o.specs}")
        lo, hi = (float(v) for v in o.range.split(","))
        specs += default_specs(op, o.new, lo, hi)
        write_jsonl(o.specs, specs)

    known = {s["op"] for s in specs}
    for op in o.op:
        if op not in known:
            p.error(f"no specs for op {op!r} (use --new to add default ones)")
    chosen = [s for s in specs if not o.op or s["op"] in o.op]
    made = {s["id"]: make_case(s) for s in chosen}

    if o.op and os.path.exists(o.out):
        # Replace the chosen ops' cases where they were; append new ones at the end.
        rows = [made.pop(c["id"], c) for c in read_jsonl(o.out) if c["op"] not in o.op or c["id"] in made]
        rows += list(made.values())
    else:
        rows = [made[s["id"]] for s in chosen]
    write_jsonl(o.out, rows)
    print(f"{len(chosen)} cases of {len({s['op'] for s in chosen})} ops written to {o.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
