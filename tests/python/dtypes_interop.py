"""Checkpoints of the narrow dtypes between ember and PyTorch (CTest test dtypes_torch_interop).

usage: dtypes_interop.py <ember-tests binary> <work dir>

torch.save writes int32, int16, int8, uint8, float16 and bfloat16 tensors (and a
transposed int8 view) as .pt, and the same as .safetensors written here by hand (json +
struct: Debian has no python safetensors package); ember's [dtypes_interop] cases load
them and compare with the values they compute, then write their own .pt and
.safetensors, which torch.load and the hand parser here compare bit for bit with
PyTorch's tensors. Exits non-zero (the test fails) when torch is missing or anything differs.
"""
import json
import os
import struct
import subprocess
import sys

import torch  # a missing torch must fail the test, not skip it

EMBER_TESTS, WORK = sys.argv[1], sys.argv[2]
os.makedirs(WORK, exist_ok=True)
for name in os.listdir(WORK):
    os.remove(os.path.join(WORK, name))

DTYPES = {"int32": torch.int32, "int16": torch.int16, "int8": torch.int8, "uint8": torch.uint8,
          "float16": torch.float16, "bfloat16": torch.bfloat16}
ST_NAMES = {torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8",
            torch.float16: "F16", torch.bfloat16: "BF16"}


def values(dt):
    """What tests/test_dtypes_narrow.cpp's interop_values computes."""
    k = torch.arange(12, dtype=torch.float64)
    if dt.is_floating_point:
        v = (k - 5.5) / 3
    else:
        v = torch.remainder(k * 37, 251)
        if dt != torch.uint8:
            v = v - 100
    return v.to(dt).reshape(3, 4)


def state():
    d = {name: values(dt) for name, dt in DTYPES.items()}
    d["int8_t"] = values(torch.int8).t()
    return d


def raw_bytes(t):
    # A byte view of the contiguous tensor (works for bfloat16, which numpy lacks).
    return bytes(t.contiguous().view(torch.uint8).reshape(-1).tolist())


def write_safetensors(path, d):
    header, blobs, offset = {}, [], 0
    for name, t in d.items():
        b = raw_bytes(t)
        header[name] = {"dtype": ST_NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    by_name = {v: k for k, v in ST_NAMES.items()}
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        dt = by_name[e["dtype"]]
        begin, end = e["data_offsets"]
        raw = torch.tensor(list(body[begin:end]), dtype=torch.uint8)
        out[name] = raw.view(dt).reshape(e["shape"])
    return out


def run_ember(test_name):
    env = dict(os.environ, EMBER_DTYPES_INTEROP_DIR=WORK)
    r = subprocess.run([EMBER_TESTS, test_name], env=env)
    if r.returncode != 0:
        sys.exit(f"ember-tests '{test_name}' failed with {r.returncode}")


def same(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and raw_bytes(a) == raw_bytes(b)


torch.save(state(), os.path.join(WORK, "torch.pt"))
write_safetensors(os.path.join(WORK, "torch.safetensors"), state())
run_ember("dtypes interop: ember reads torch.save and safetensors of every narrow dtype")
run_ember("dtypes interop: ember writes every narrow dtype for torch")

want = state()
failures = []
for label, got in [("ember.pt", torch.load(os.path.join(WORK, "ember.pt"))),
                   ("ember.safetensors", read_safetensors(os.path.join(WORK, "ember.safetensors")))]:
    if sorted(got) != sorted(want):
        failures.append(f"{label}: keys {sorted(got)} != {sorted(want)}")
        continue
    for name, t in want.items():
        if not same(got[name], t):
            failures.append(f"{label}: {name}: {got[name]} != {t}")
if failures:
    sys.exit("\n".join(failures))
print("dtypes interop: all narrow dtypes round-trip between ember and torch")
