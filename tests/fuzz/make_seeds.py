#!/usr/bin/python3
"""Writes the seed files that are not written by ember itself (ember-fuzz-make-seeds
writes those): torch.save archives and their pickles (Debian's python3-torch), IDX
files and word lists.

    /usr/bin/python3 tests/fuzz/make_seeds.py tests/fuzz/corpus

The pickle target wraps its input in an archive whose storages "0".."3" hold 0, 8,
64 and 256 bytes, so the pickles here come from state dicts whose storages have
exactly those sizes.
"""
import gzip
import io
import os
import struct
import sys
import zipfile
from collections import OrderedDict

import torch


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def torch_bytes(obj):
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def pickle_of(archive):
    with zipfile.ZipFile(io.BytesIO(archive)) as z:
        name = next(n for n in z.namelist() if n.endswith("/data.pkl"))
        return z.read(name)


def torch_seeds(out):
    # Storages of 0, 8, 64 and 256 bytes, in that order (see the docstring).
    big = torch.arange(64, dtype=torch.float32).reshape(8, 8)
    dicts = {
        "plain": OrderedDict(a=torch.zeros(0), b=torch.tensor([1.5, -2.0]), c=torch.ones(4, 4),
                             d=torch.arange(32, dtype=torch.float64)),
        "views": OrderedDict(a=torch.zeros(0, 3), b=torch.tensor([7], dtype=torch.int64),
                             c=torch.ones(16), d=big[1:3, ::2], e=big.t(), f=big[2]),
        "nested": {"model": {"a": torch.zeros(0, dtype=torch.bool), "b": torch.tensor([3], dtype=torch.float64)},
                   "opt": {"step": 4, "lr": 0.5, "flag": True,
                           "c": torch.nn.Parameter(torch.ones(2, 8)),
                           "d": torch.ones(256, dtype=torch.bool)}},
    }
    for name, d in dicts.items():
        archive = torch_bytes(d)
        write(os.path.join(out, "torch", f"torch_{name}.pt"), archive)
        write(os.path.join(out, "pickle", f"torch_{name}.pkl"), pickle_of(archive))
    write(os.path.join(out, "torch", "torch_bare_tensor.pt"), torch_bytes(torch.arange(6).reshape(2, 3)))
    write(os.path.join(out, "torch", "torch_parameter.pt"), torch_bytes(torch.nn.Parameter(torch.ones(3))))


def idx(type_code, dims, fmt, values):
    head = struct.pack(">BBBB", 0, 0, type_code, len(dims)) + b"".join(struct.pack(">I", d) for d in dims)
    return head + b"".join(struct.pack(">" + fmt, v) for v in values)


def idx_seeds(out):
    d = os.path.join(out, "idx")
    write(os.path.join(d, "ubyte_2x3.idx"), idx(0x08, [2, 3], "B", [0, 1, 2, 253, 254, 255]))
    write(os.path.join(d, "labels.idx.gz"), gzip.compress(idx(0x08, [5], "B", [3, 1, 4, 1, 5]), mtime=0))
    write(os.path.join(d, "sbyte.idx"), idx(0x09, [4], "b", [-128, -1, 0, 127]))
    write(os.path.join(d, "short_2x2.idx"), idx(0x0B, [2, 2], "h", [-32768, -1, 1, 32767]))
    write(os.path.join(d, "int_3.idx"), idx(0x0C, [3], "i", [-2**31, 0, 2**31 - 1]))
    write(os.path.join(d, "float_1x2x2.idx"), idx(0x0D, [1, 2, 2], "f", [0.5, -1.25, 3.0, 1e-3]))
    write(os.path.join(d, "double_2.idx"), idx(0x0E, [2], "d", [1.0 / 3.0, -2.5]))
    write(os.path.join(d, "empty_0x4.idx"), idx(0x08, [0, 4], "B", []))
    write(os.path.join(d, "images_2x28x28.idx.gz"),
          gzip.compress(idx(0x08, [2, 28, 28], "B", [(7 * k) % 256 for k in range(2 * 28 * 28)]), mtime=0))


def wordlist_seeds(out):
    d = os.path.join(out, "wordlist")
    write(os.path.join(d, "plain.txt"), b"apple\nbanana\ncherry\n")
    write(os.path.join(d, "mixed.txt"), b"Zebra\ndon't\ncaf\xc3\xa9\nword\r\n\n\nx\nabc123\nlongerword\n")
    write(os.path.join(d, "no_newline.txt"), b"one\ntwo\nthree")
    write(os.path.join(d, "empty.txt"), b"")


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus")
    torch_seeds(out)
    idx_seeds(out)
    wordlist_seeds(out)
