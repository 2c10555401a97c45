"""Checkpoint interop between ember and PyTorch (CTest test io_torch_interop).

usage: torch_interop.py <ember-tests binary> <work dir>

1. ember writes a state dict (float32/float64/int64/bool; 0-dim, empty and
   non-contiguous tensors) as .pt and .safetensors; torch.load reads the .pt, and the
   .safetensors is parsed here by hand with json + struct (Debian has no python
   safetensors package): both are compared against values recomputed here with the
   same generator as tests/test_io.cpp.
2. torch.save writes state dicts (a view sharing storage, a transposed tensor, an
   expanded tensor, nn.Linear + BatchNorm1d, a plain dict, a nested training state, a
   bare tensor, a Parameter) and a hand-made safetensors file; ember loads them and
   compares against expected.json written here from the torch tensors.

Exits non-zero (the test fails) when torch is missing or anything differs.
"""
import collections
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


def run_ember(test_name):
    env = dict(os.environ, EMBER_IO_INTEROP_DIR=WORK)
    r = subprocess.run([EMBER_TESTS, test_name], env=env)
    if r.returncode != 0:
        sys.exit(f"ember-tests '{test_name}' failed with {r.returncode}")


# ---- the generator shared with tests/test_io.cpp ----

def gen_float(j, k):
    return ((k * 37 + j * 11) % 101 - 50) / 8.0


def gen_int(j, k):
    if k % 5 == 0:
        return (1 << 62) - k - j
    return ((k * 2654435761 + j * 97) % (1 << 40) - (1 << 39)) * 4099


def gen_bool(j, k):
    return (k * 7 + j) % 3 == 0


def generated(j, dtype, shape):
    n = 1
    for s in shape:
        n *= s
    if dtype == torch.bool:
        vals = [gen_bool(j, k) for k in range(n)]
    elif dtype == torch.int64:
        vals = [gen_int(j, k) for k in range(n)]
    else:
        vals = [gen_float(j, k) for k in range(n)]
    return torch.tensor(vals, dtype=dtype).reshape(shape)


def interop_dict():
    d = collections.OrderedDict()
    d["f32_2x3"] = generated(0, torch.float32, [2, 3])
    d["f64_vec"] = generated(1, torch.float64, [5])
    d["i64_mat"] = generated(2, torch.int64, [3, 4])
    d["bool_vec"] = generated(3, torch.bool, [7])
    d["f32_scalar"] = generated(4, torch.float32, [])
    d["step"] = generated(5, torch.int64, [])
    d["f64_empty"] = generated(6, torch.float64, [0, 3])
    d["bool_3d"] = generated(7, torch.bool, [2, 2, 2])
    d["layer.0.weight_t"] = generated(8, torch.float32, [4, 3]).t()
    d["i64_empty"] = generated(9, torch.int64, [2, 0])
    return d


failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("MISMATCH:", what)


def same_tensor(got, want, what):
    check(isinstance(got, torch.Tensor), f"{what}: not a tensor ({type(got)})")
    if not isinstance(got, torch.Tensor):
        return
    check(got.dtype == want.dtype, f"{what}: dtype {got.dtype} != {want.dtype}")
    check(list(got.shape) == list(want.shape), f"{what}: shape {list(got.shape)} != {list(want.shape)}")
    check(got.dtype == want.dtype and got.shape == want.shape and torch.equal(got, want), f"{what}: values differ")


# ---- 1. ember writes, torch and a hand-written parser read ----

run_ember("io interop: ember writes")
want = interop_dict()

got = torch.load(os.path.join(WORK, "ember.pt"))
check(isinstance(got, collections.OrderedDict), f"ember.pt: torch.load gave {type(got)}, not an OrderedDict")
check(list(got.keys()) == list(want.keys()), f"ember.pt keys {list(got.keys())}")
for k, v in want.items():
    if k in got:
        same_tensor(got[k], v, f"ember.pt[{k}]")
        check(got[k].is_contiguous(), f"ember.pt[{k}] should be stored contiguous")

t = torch.load(os.path.join(WORK, "ember_tensor.pt"))
same_tensor(t, generated(10, torch.float64, [2, 3]), "ember_tensor.pt")

module = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
module.load_state_dict(torch.load(os.path.join(WORK, "ember_module.pt")), strict=True)
for j, (k, v) in enumerate(module.state_dict().items(), start=20):
    same_tensor(v, generated(j, v.dtype, list(v.shape)), f"ember_module.pt[{k}] loaded into torch.nn.Sequential")

ST_DTYPES = {"F32": (torch.float32, "f", 4), "F64": (torch.float64, "d", 8), "I64": (torch.int64, "q", 8),
             "BOOL": (torch.bool, "?", 1)}


def read_safetensors(path):
    """An independent safetensors reader: json + struct only."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"), object_pairs_hook=collections.OrderedDict)
    check((8 + n) % 8 == 0, f"{path}: data not 8-byte aligned")
    buf = data[8 + n:]
    meta = header.pop("__metadata__", None)
    out = collections.OrderedDict()
    end = 0
    for name, e in header.items():
        dtype, fmt, size = ST_DTYPES[e["dtype"]]
        b, en = e["data_offsets"]
        numel = 1
        for s in e["shape"]:
            numel *= s
        check(en - b == numel * size, f"{path}[{name}]: byte range {b}..{en} for {numel} elements")
        vals = list(struct.unpack("<%d%s" % (numel, fmt), buf[b:en]))
        out[name] = torch.tensor(vals, dtype=dtype).reshape(e["shape"])
        end = max(end, en)
    check(end == len(buf), f"{path}: buffer of {len(buf)} bytes, tensors end at {end}")
    return out, meta


got, meta = read_safetensors(os.path.join(WORK, "ember.safetensors"))
check(meta == {"written_by": "ember"}, f"ember.safetensors metadata {meta}")
check(list(got.keys()) == list(want.keys()), f"ember.safetensors keys {list(got.keys())}")
for k, v in want.items():
    if k in got:
        same_tensor(got[k], v, f"ember.safetensors[{k}]")
got, _ = read_safetensors(os.path.join(WORK, "ember_tensor.safetensors"))
check(list(got.keys()) == ["tensor"], "ember_tensor.safetensors has the key 'tensor'")
same_tensor(got.get("tensor"), generated(10, torch.float64, [2, 3]), "ember_tensor.safetensors")

# ---- 2. torch writes, ember reads ----

expected = collections.OrderedDict()


def describe(path, flat):
    """Records what ember must load from `path`: keys in order, dtype, shape, values."""
    entries = []
    for k, v in flat.items():
        v = v.detach().contiguous()
        entries.append({"key": k, "dtype": str(v.dtype).replace("torch.", ""), "shape": list(v.shape),
                        "values": v.reshape(-1).tolist()})
    expected[path] = entries


def save(obj, name, flat):
    torch.save(obj, os.path.join(WORK, name))
    describe(name, flat)


torch.manual_seed(0)
base = torch.randn(4, 5)
state = collections.OrderedDict()
state["base"] = base
state["view"] = base[1:3, 1:4]  # shares base's storage at an offset
state["tview"] = base.t()  # non-contiguous, same storage
state["row"] = base[2]
state["f64"] = torch.randn(3, 2, dtype=torch.float64)
state["i64"] = torch.tensor([1, -2, 2 ** 62, -(2 ** 63)], dtype=torch.int64)
state["mask"] = torch.tensor([[True, False], [False, True]])
state["scalar"] = torch.tensor(3.5)
state["empty"] = torch.zeros(0, 2)
state["expanded"] = torch.arange(3.0).expand(4, 3)  # stride 0
state["strided"] = torch.arange(20, dtype=torch.float64)[::3]
save(state, "py_state.pt", state)
check(torch.load(os.path.join(WORK, "py_state.pt"))["view"].storage_offset() == 6,
      "torch kept the view's offset in py_state.pt")

model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
model.train()
model(torch.randn(8, 3))  # moves running_mean/var, num_batches_tracked = 1
sd = model.state_dict()
check(sd["1.num_batches_tracked"].dtype == torch.int64, "num_batches_tracked is int64")
save(sd, "py_nn.pt", sd)

plain = {"a": torch.arange(6, dtype=torch.int64).reshape(2, 3), "b": torch.ones(2, dtype=torch.float64)}
save(plain, "py_plain.pt", plain)

opt_state = {"state": {0: {"step": torch.tensor(3.0), "exp_avg": torch.full((2, 3), 0.25)}}}
train = {"model": sd, "optimizer": opt_state, "step": 10, "lr": 0.5, "done": False}
flat = collections.OrderedDict()
for k, v in sd.items():
    flat["model." + k] = v
flat["optimizer.state.0.step"] = opt_state["state"][0]["step"]
flat["optimizer.state.0.exp_avg"] = opt_state["state"][0]["exp_avg"]
flat["step"] = torch.tensor(10)
flat["lr"] = torch.tensor(0.5, dtype=torch.float64)
flat["done"] = torch.tensor(False)
save(train, "py_train.pt", flat)

bare = torch.randn(2, 3, dtype=torch.float64).t()
save(bare, "py_tensor.pt", {"tensor": bare})
param = torch.nn.Parameter(torch.randn(3))
save(param, "py_param.pt", {"tensor": param})

# A safetensors file made here, header keys out of data order, with metadata and padding.
st = collections.OrderedDict([("w", torch.randn(2, 2)), ("n", torch.tensor([7, -8])), ("m", torch.tensor([True]))])
raw = {"n": struct.pack("<2q", 7, -8), "w": struct.pack("<4f", *st["w"].reshape(-1).tolist()), "m": b"\x01"}
header, offset, order = collections.OrderedDict(), 0, ["n", "w", "m"]
spans = {}
for k in order:
    spans[k] = [offset, offset + len(raw[k])]
    offset += len(raw[k])
header["__metadata__"] = {"source": "python"}
for k, dt in (("w", "F32"), ("n", "I64"), ("m", "BOOL")):
    header[k] = {"dtype": dt, "shape": list(st[k].shape), "data_offsets": spans[k]}
text = json.dumps(header).encode()
text += b" " * ((8 - (8 + len(text)) % 8) % 8)
with open(os.path.join(WORK, "py.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + b"".join(raw[k] for k in order))
describe("py.safetensors", st)

with open(os.path.join(WORK, "expected.json"), "w") as f:
    json.dump(expected, f)
run_ember("io interop: ember reads what torch wrote")

if failures:
    sys.exit(f"{len(failures)} mismatches")
print(f"torch {torch.__version__}: ember checkpoints read by torch, torch checkpoints read by ember")
