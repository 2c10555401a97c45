#!/usr/bin/env python3
"""Decodes the logs that tensorboard-write-logs wrote with an independent reader and
checks every value.

  check_events.py <tensorboard-write-logs> [<protoc>]

The reader: the record framing (uint64 length, masked CRC-32C of it, data, masked
CRC-32C of data) with CRC-32C from crcmod ('crc-32c'); the messages from
tensorboard_format.proto compiled by protoc into a temporary dir and decoded by the
protobuf runtime. Expected values come from numpy (numpy.histogram, the pixel
arithmetic), PIL (PNG decoding) and the inputs the writer saved as .npy.
"""
import glob
import importlib
import io
import json
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile

import crcmod.predefined
import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
crc32c = crcmod.predefined.mkCrcFun("crc-32c")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def masked(data):
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def read_records(data):
    """The complete, CRC-checked records of `data`; stops at a truncated one."""
    out, pos = [], 0
    while pos + 12 <= len(data):
        header = data[pos:pos + 8]
        length = int.from_bytes(header, "little")
        if int.from_bytes(data[pos + 8:pos + 12], "little") != masked(header):
            raise ValueError("bad length CRC at offset %d" % pos)
        end = pos + 12 + length + 4
        if end > len(data):
            break
        body = data[pos + 12:pos + 12 + length]
        if int.from_bytes(data[end - 4:end], "little") != masked(body):
            raise ValueError("bad data CRC at offset %d" % pos)
        out.append((pos, body))
        pos = end
    return out, pos


def load_events(pb, path):
    with open(path, "rb") as f:
        data = f.read()
    records, used = read_records(data)
    check(used == len(data), "%s: %d trailing bytes after the last record" % (path, len(data) - used))
    events = []
    for _, body in records:
        e = pb.Event()
        e.ParseFromString(body)
        check(e.SerializeToString() == body or len(e.SerializeToString()) == len(body),
              "%s: an event does not re-encode to its bytes" % path)
        events.append(e)
    check(events and events[0].file_version == "brain.Event:2" and events[0].wall_time > 1e9 and
          events[0].source_metadata.writer == "ember.tensorboard",
          "%s: first event is not file_version brain.Event:2 with a wall_time and source_metadata" % path)
    for e in events:
        check(e.wall_time > 1e9 or e.wall_time == 0 or 999 < e.wall_time < 2000,
              "%s: event without a wall_time" % path)
    return events


def check_name(path, pid, suffix=""):
    name = os.path.basename(path)
    pattern = r"events\.out\.tfevents\.(\d{10})\.%s\.%d\.(\d+)%s$" % (
        re.escape(socket.gethostname()), pid, re.escape(suffix))
    check(re.match(pattern, name) is not None, "file name %s does not match %s" % (name, pattern))


def values_by_tag(events):
    out = {}
    for e in events:
        if e.WhichOneof("what") == "summary":
            for v in e.summary.value:
                out.setdefault(v.tag, []).append((e, v))
    return out


# PyTorch's "tensorflow" bins (torch/utils/tensorboard/writer.py), recomputed here.
def tensorflow_bins():
    v, pos = 1e-12, []
    while v < 1e20:
        pos.append(v)
        v *= 1.1
    return [-x for x in reversed(pos)] + [0.0] + pos


def expected_histogram(values, bins, max_bins=None):
    """torch.utils.tensorboard.summary.make_histogram, step by step with numpy."""
    values = values.astype(float).reshape(-1)
    counts, limits = np.histogram(values, bins=bins)
    if max_bins is not None and len(counts) > max_bins:
        sub = len(counts) // max_bins
        rem = len(counts) % sub
        if rem:
            counts = np.pad(counts, [[0, sub - rem]])
        counts = counts.reshape(-1, sub).sum(axis=-1)
        new_limits = np.empty(counts.size + 1, limits.dtype)
        new_limits[:-1] = limits[:-1:sub]
        new_limits[-1] = limits[-1]
        limits = new_limits
    cum = np.cumsum(np.greater(counts, 0))
    start, end = np.searchsorted(cum, [0, cum[-1] - 1], side="right")
    start, end = int(start), int(end) + 1
    counts = counts[start - 1:end] if start > 0 else np.concatenate([[0], counts[:end]])
    limits = limits[start:end + 1]
    return counts, limits, values


def torchvision_grid(nchw, nrow=8, padding=2):
    """torchvision.utils.make_grid's defaults on a numpy N x C x H x W array."""
    if nchw.shape[1] == 1:
        nchw = np.concatenate([nchw] * 3, 1)
    if nchw.shape[0] == 1:
        return nchw[0]
    n, c, h, w = nchw.shape
    cols = min(nrow, n)
    rows = int(math.ceil(n / cols))
    grid = np.zeros((c, rows * (h + padding) + padding, cols * (w + padding) + padding), nchw.dtype)
    for k in range(n):
        y, x = k // cols, k % cols
        grid[:, y * (h + padding) + padding:y * (h + padding) + padding + h,
             x * (w + padding) + padding:x * (w + padding) + padding + w] = nchw[k]
    return grid


def expected_pixels(arr, fmt):
    """HWC uint8 as PyTorch's add_image(s) makes it (convert_to_HWC, x255, clip, truncate)."""
    if arr.dtype != np.uint8:
        arr = (arr.astype(np.float32) * np.float32(255)).clip(0, 255).astype(np.uint8)
    if len(fmt) == 4:
        nchw = arr.transpose([fmt.find(c) for c in "NCHW"])
        return torchvision_grid(nchw).transpose(1, 2, 0)
    if len(fmt) == 3:
        hwc = arr.transpose([fmt.find(c) for c in "HWC"])
        return np.concatenate([hwc] * 3, 2) if hwc.shape[2] == 1 else hwc
    hw = arr.transpose([fmt.find(c) for c in "HW"])
    return np.stack([hw] * 3, 2)


def plugin(v):
    return v.metadata.plugin_data.plugin_name


def main():
    writer_bin = sys.argv[1]
    protoc = sys.argv[2] if len(sys.argv) > 2 else "protoc"
    tmp = tempfile.mkdtemp(prefix="ember_tb_check_")
    subprocess.run([protoc, "--python_out=" + tmp, "-I" + HERE, os.path.join(HERE, "tensorboard_format.proto")],
                   check=True)
    sys.path.insert(0, tmp)
    pb = importlib.import_module("tensorboard_format_pb2")
    out = os.path.join(tmp, "out")
    os.makedirs(out)
    subprocess.run([writer_bin, out], check=True)
    with open(os.path.join(out, "manifest.json")) as f:
        m = json.load(f)
    pid = m["pid"]
    logs = os.path.join(out, "logs")
    npy = lambda name: np.load(os.path.join(out, name + ".npy"))

    main_files = glob.glob(os.path.join(logs, "events.out.tfevents.*"))
    check(main_files == [m["main_file"]], "logs/ holds one event file, the writer's: %s" % main_files)
    check_name(m["main_file"], pid)
    events = load_events(pb, m["main_file"])
    by_tag = values_by_tag(events)

    # Scalars: float32 simple_value (or a DT_FLOAT tensor, new style), step, walltime.
    expected = {}
    for s in m["scalars"]:
        expected.setdefault(s["tag"], []).append(s)
    for tag, items in expected.items():
        got = by_tag.get(tag, [])
        check(len(got) == len(items), "scalar %s: %d events, expected %d" % (tag, len(got), len(items)))
        for (e, v), s in zip(got, items):
            if s["new_style"]:
                check(v.WhichOneof("value") == "tensor" and v.tensor.dtype == 1 and
                      list(v.tensor.float_val) == [np.float32(s["value"])] and len(v.tensor.tensor_shape.dim) == 0,
                      "scalar %s new_style tensor %s" % (tag, v.tensor))
                check(plugin(v) == "scalars", "scalar %s new_style plugin %r" % (tag, plugin(v)))
            else:
                check(v.WhichOneof("value") == "simple_value" and v.simple_value == np.float32(s["value"]),
                      "scalar %s: %r != %r" % (tag, v.simple_value, s["value"]))
            check(e.step == s["step"], "scalar %s: step %d != %d" % (tag, e.step, s["step"]))
            if "wall" in s:
                check(e.wall_time == s["wall"], "scalar %s: wall_time %r != %r" % (tag, e.wall_time, s["wall"]))

    # add_scalars: sub-runs <log_dir>/<main_tag with / as _>_<key>, tag main_tag.
    a = m["add_scalars"]
    for key, vals in a["values"].items():
        files = glob.glob(os.path.join(logs, a["main_tag"].replace("/", "_") + "_" + key, "events.out.tfevents.*"))
        check(len(files) == 1, "add_scalars %s: %d event files" % (key, len(files)))
        if files:
            check_name(files[0], pid)
            got = values_by_tag(load_events(pb, files[0])).get(a["main_tag"], [])
            check([(e.step, v.simple_value) for e, v in got] ==
                  [(st, np.float32(x)) for st, x in zip(a["steps"], vals)], "add_scalars %s: %s" % (key, got))

    # Histograms: numpy.histogram with the same edges, PyTorch's trimming.
    for h in m["histograms"]:
        got = by_tag.get(h["tag"], [])
        check(len(got) == 1, "histogram %s: %d events" % (h["tag"], len(got)))
        if not got:
            continue
        e, v = got[0]
        check(e.step == h["step"], "histogram %s step" % h["tag"])
        hp = v.histo
        data = npy(h["data"])
        bins = tensorflow_bins() if h["bins"] == "tensorflow" else h["bins"]
        counts, limits, values = expected_histogram(data, bins, h.get("max_bins"))
        check(list(hp.bucket) == [float(c) for c in counts], "histogram %s buckets %s != %s" %
              (h["tag"], list(hp.bucket), counts.tolist()))
        check(list(hp.bucket_limit) == limits.tolist(), "histogram %s limits %s != %s" %
              (h["tag"], list(hp.bucket_limit), limits.tolist()))
        # Every value within the outer edges is counted (NaN never is).
        lo, hi = (bins[0], bins[-1]) if isinstance(bins, list) else (values.min(), values.max())
        inside = np.count_nonzero((values >= lo) & (values <= hi))
        check(sum(hp.bucket) == inside, "histogram %s: counts sum %r, %d values within the edges" %
              (h["tag"], sum(hp.bucket), inside))
        check(hp.num == values.size, "histogram %s num" % h["tag"])
        same = lambda x, y: (math.isnan(x) and math.isnan(y)) or math.isclose(x, y, rel_tol=1e-12, abs_tol=1e-12)
        check(same(hp.min, values.min()) and same(hp.max, values.max()), "histogram %s min/max" % h["tag"])
        check(same(hp.sum, values.sum()) and same(hp.sum_squares, values.dot(values)),
              "histogram %s sum %r/%r sum_squares %r/%r" % (h["tag"], hp.sum, values.sum(), hp.sum_squares,
                                                           values.dot(values)))

    # Images: PNG decoded by PIL equals the pixels computed from the saved input.
    for im in m["images"]:
        got = by_tag.get(im["tag"], [])
        check(len(got) == 1, "image %s: %d events" % (im["tag"], len(got)))
        if not got:
            continue
        e, v = got[0]
        img = v.image
        pixels = np.array(Image.open(io.BytesIO(img.encoded_image_string)))
        want = expected_pixels(npy(im["data"]), im["dataformats"])
        check(pixels.shape == want.shape and np.array_equal(pixels, want),
              "image %s: decoded %s, expected %s" % (im["tag"], pixels.shape, want.shape))
        check((img.height, img.width, img.colorspace) == want.shape,
              "image %s: height/width/colorspace %s" % (im["tag"], (img.height, img.width, img.colorspace)))
        check(e.step == im["step"], "image %s step" % im["tag"])

    # Text: the text plugin's DT_STRING tensor of shape [1].
    t = m["text"]
    got = by_tag.get(t["tag"] + "/text_summary", [])
    check(len(got) == 1, "text: %d events" % len(got))
    if got:
        e, v = got[0]
        check(plugin(v) == "text" and v.tensor.dtype == 7 and [d.size for d in v.tensor.tensor_shape.dim] == [1] and
              [s.decode("utf-8") for s in v.tensor.string_val] == [t["text"]] and e.step == t["step"],
              "text summary %s" % v)

    # Graphs.
    graphs = [e for e in events if e.WhichOneof("what") == "graph_def"]
    check(len(graphs) == 1, "one graph event, got %d" % len(graphs))
    if graphs:
        check_graph(pb, graphs[0].graph_def, m["graph"]["ops"], "fc1", "fc2")
    seq_files = glob.glob(os.path.join(out, "logs_seq", "events.out.tfevents.*"))
    check(seq_files == [m["seq_file"]], "logs_seq holds the writer's file: %s" % seq_files)
    check_name(m["seq_file"], pid, ".mlp")
    seq_events = load_events(pb, m["seq_file"])
    seq_graphs = [e for e in seq_events if e.WhichOneof("what") == "graph_def"]
    check(len(seq_graphs) == 1, "logs_seq: one graph event")
    if seq_graphs:
        check_graph(pb, seq_graphs[0].graph_def, m["graph_seq"]["ops"], "0", "2")
    # purge_step: file_version at that step, then SessionLog START at it (PyTorch's order).
    check(len(seq_events) >= 3 and seq_events[1].step == 40 and seq_events[1].file_version == "brain.Event:2" and
          seq_events[2].session_log.status == pb.SessionLog.START and seq_events[2].step == 40,
          "purge_step events: %s" % seq_events[:3])

    multi = [e for f in glob.glob(os.path.join(out, "logs_multi", "events.out.tfevents.*"))
             for e in load_events(pb, f) if e.WhichOneof("what") == "graph_def"]
    check(len(multi) == 1, "logs_multi: one graph event")
    if multi:
        check_graph_multi(pb, multi[0].graph_def, m["graph_multi"])

    check_hparams(pb, logs, pid)
    check_embedding(out, logs, m)
    check_truncation(m["main_file"])

    if failures:
        print("%d checks failed; the logs are in %s" % (len(failures), out))
        return 1
    shutil.rmtree(tmp)
    print("all checks passed")
    return 0


def check_graph(pb, data, ops, first, second):
    g = pb.GraphDef()
    g.ParseFromString(data)
    nodes = {n.name: n for n in g.node}
    check(len(nodes) == len(g.node), "graph node names are unique")
    shape = lambda n: [[d.size for d in s.dim] for s in n.attr["_output_shapes"].list.shape]
    op_nodes = [n for n in g.node if n.op not in ("IO Node", "Parameter", "Constant")]
    check([n.op for n in op_nodes] == ops, "graph: one node per recorded op: %s != %s" %
          ([n.op for n in op_nodes], ops))
    for n in g.node:
        for i in n.input:
            check(i.split(":")[0] in nodes, "graph: %s reads %s, which is no node" % (n.name, i))
    # An MLP 8 -> 16 -> 3 on a batch of 4, as torch.nn.Linear lays out its parameters.
    want = {
        "input/x0": ("IO Node", [], [[4, 8]]),
        first + "/weight": ("Parameter", [], [[16, 8]]),
        first + "/bias": ("Parameter", [], [[16]]),
        second + "/weight": ("Parameter", [], [[3, 16]]),
        second + "/bias": ("Parameter", [], [[3]]),
        first + "/linear": ("linear", ["input/x0", first + "/weight", first + "/bias"], [[4, 16]]),
        "relu": ("relu", [first + "/linear"], [[4, 16]]),
        second + "/linear": ("linear", ["relu", second + "/weight", second + "/bias"], [[4, 3]]),
        "output/output.1": ("IO Node", [second + "/linear"], [[4, 3]]),
    }
    check(set(nodes) == set(want), "graph nodes %s != %s" % (sorted(nodes), sorted(want)))
    for name, (op, inputs, shapes) in want.items():
        n = nodes.get(name)
        if n is None:
            continue
        check(n.op == op and list(n.input) == inputs and shape(n) == shapes,
              "graph node %s: op %s inputs %s shapes %s" % (name, n.op, list(n.input), shape(n)))
    check(g.versions.producer == 22, "graph versions.producer")


def check_graph_multi(pb, data, traced):
    """The Branchy module of write_logs.cpp, whose trace is (ember's graph printing):
    linear, narrow x2 (chunk), constant -> sum (rank 0), mul, add, max -> (values,
    indices), add(values, indices)."""
    g = pb.GraphDef()
    g.ParseFromString(data)
    nodes = {n.name: n for n in g.node}
    shape = lambda n: [[d.size for d in s.dim] for s in n.attr["_output_shapes"].list.shape]
    op_nodes = [n for n in g.node if n.op not in ("IO Node", "Parameter", "Constant")]
    check([n.op for n in op_nodes] == traced["ops"], "multi graph ops %s != %s\n%s" %
          ([n.op for n in op_nodes], traced["ops"], traced["text"]))
    want = {
        "input/x0": ("IO Node", [], [[3, 6]]),
        "fc/weight": ("Parameter", [], [[4, 6]]),
        "fc/bias": ("Parameter", [], [[4]]),
        "constant/0": ("Constant", [], [[4]]),
        "fc/linear": ("linear", ["input/x0", "fc/weight", "fc/bias"], [[3, 4]]),
        "narrow": ("narrow", ["fc/linear"], [[3, 2]]),
        "narrow_1": ("narrow", ["fc/linear"], [[3, 2]]),
        "sum": ("sum", ["constant/0"], [[]]),
        "mul": ("mul", ["narrow", "narrow_1"], [[3, 2]]),
        "add": ("add", ["mul", "sum"], [[3, 2]]),
        "max": ("max", ["add"], [[3, 1], [3, 1]]),
        "add_1": ("add", ["max", "max:1"], [[3, 1]]),
        "output/output.1": ("IO Node", ["add_1"], [[3, 1]]),
    }
    check(set(nodes) == set(want), "multi graph nodes %s != %s\n%s" % (sorted(nodes), sorted(want), traced["text"]))
    for name, (op, inputs, shapes) in want.items():
        n = nodes.get(name)
        if n is not None:
            check(n.op == op and list(n.input) == inputs and shape(n) == shapes,
                  "multi graph node %s: op %s inputs %s shapes %s" % (name, n.op, list(n.input), shape(n)))
    # Traced arguments as typed attrs, zeros included (a oneof member is present when set).
    if "narrow" in nodes and "max" in nodes:
        a = nodes["narrow"].attr
        check(a["dim"].WhichOneof("value") == "i" and a["dim"].i == 1 and a["start"].WhichOneof("value") == "i" and
              a["start"].i == 0 and a["length"].i == 2, "narrow attrs %s" % a)
        check(nodes["narrow_1"].attr["start"].i == 2, "narrow_1 start")
        k = nodes["max"].attr["keepdim"]
        check(k.WhichOneof("value") == "b" and k.b is True, "max keepdim attr %s" % k)


def check_hparams(pb, logs, pid):
    files = glob.glob(os.path.join(logs, "hp_run", "events.out.tfevents.*"))
    check(len(files) == 1, "hparams: one event file in the sub-run, got %s" % files)
    if not files:
        return
    check_name(files[0], pid)
    events = load_events(pb, files[0])
    by_tag = values_by_tag(events)
    content = {}
    for tag in ("_hparams_/experiment", "_hparams_/session_start_info", "_hparams_/session_end_info"):
        got = by_tag.get(tag, [])
        check(len(got) == 1 and plugin(got[0][1]) == "hparams" and got[0][0].step == 7,
              "hparams %s: %d events" % (tag, len(got)))
        # TensorBoard's NULL_TENSOR: DT_FLOAT, shape [0], no values.
        check(got and got[0][1].tensor.dtype == 1 and [d.size for d in got[0][1].tensor.tensor_shape.dim] == [0]
              and not got[0][1].tensor.float_val, "hparams %s: value is not the empty float tensor" % tag)
        if got:
            d = pb.HParamsPluginData()
            d.ParseFromString(got[0][1].metadata.plugin_data.content)
            check(d.version == 0, "hparams version")
            content[tag] = d
    exp = content["_hparams_/experiment"].experiment
    infos = {h.name: h for h in exp.hparam_infos}
    check(sorted(infos) == ["layers", "lr", "nesterov", "optimizer"], "hparam infos %s" % sorted(infos))
    check(infos["lr"].type == 3 and infos["optimizer"].type == 1 and infos["nesterov"].type == 2 and
          infos["layers"].type == 3, "hparam types")
    check([x.string_value for x in infos["optimizer"].domain_discrete.values] == ["adam", "sgd"],
          "optimizer domain")
    check([x.number_value for x in infos["layers"].domain_discrete.values] == [2.0, 3.0, 4.0], "layers domain")
    check(not infos["lr"].HasField("domain_discrete"), "lr has no domain")
    check(sorted(mi.name.tag for mi in exp.metric_infos) == ["hparam/accuracy", "hparam/loss"], "metric infos")
    ssi = content["_hparams_/session_start_info"].session_start_info
    check(ssi.hparams["lr"].number_value == 0.01 and ssi.hparams["optimizer"].string_value == "adam" and
          ssi.hparams["nesterov"].bool_value is True and ssi.hparams["layers"].number_value == 3.0,
          "session_start_info hparams %s" % ssi)
    check(content["_hparams_/session_end_info"].session_end_info.status == 1, "session_end_info status SUCCESS")
    for tag, value in (("hparam/accuracy", 0.875), ("hparam/loss", 0.25)):
        got = by_tag.get(tag, [])
        check([(e.step, v.simple_value) for e, v in got] == [(7, value)], "hparams metric %s: %s" % (tag, got))


def check_embedding(out, logs, m):
    mat = np.load(os.path.join(out, "emb_mat.npy"))
    d = os.path.join(logs, "00003", "emb%2fone")
    with open(os.path.join(d, "tensors.tsv")) as f:
        rows = [line.split("\t") for line in f.read().split("\n")[:-1]]
    check(np.array_equal(np.array(rows, dtype=float), mat.astype(float)), "embedding tensors.tsv")
    check(all(re.match(r"^-?\d+\.\d+(e[-+]\d+)?$|^-?\d+e[-+]\d+$", x) for r in rows for x in r),
          "tensors.tsv numbers as Python writes floats: %s" % rows[0])
    with open(os.path.join(d, "metadata.tsv")) as f:
        check(f.read() == "".join(l + "\n" for l in m["embedding"]["labels"]), "embedding metadata.tsv")
    # PyTorch's make_sprite: ceil(sqrt(N)) per row, no padding, square canvas, RGB.
    label = np.load(os.path.join(out, "emb_label_img.npy"))
    n, c, h, w = label.shape
    cols = int(math.ceil(n ** 0.5))
    rows_n = int(math.ceil(n / cols))
    grid = np.zeros((3, rows_n * h, cols * w))
    rgb = np.concatenate([label] * 3, 1) if c == 1 else label
    for k in range(n):
        grid[:, (k // cols) * h:(k // cols + 1) * h, (k % cols) * w:(k % cols + 1) * w] = rgb[k]
    square = np.zeros((grid.shape[2], grid.shape[2], 3))
    square[:grid.shape[1]] = grid.transpose(1, 2, 0)
    want = np.uint8((square * 255).clip(0, 255))
    sprite = np.array(Image.open(os.path.join(d, "sprite.png")))
    check(sprite.shape == want.shape and np.array_equal(sprite, want), "embedding sprite.png")
    d2 = os.path.join(logs, "00000", "default")
    with open(os.path.join(d2, "metadata.tsv")) as f:
        check(f.read() == "name\tn\na\t1\nb\t2\nc\t3\n", "embedding metadata.tsv with header")
    mat2 = np.load(os.path.join(out, "emb_mat2.npy"))
    with open(os.path.join(d2, "tensors.tsv")) as f:
        check(np.array_equal(np.loadtxt(f, delimiter="\t", ndmin=2), mat2.astype(float)), "second tensors.tsv")
    check(not os.path.exists(os.path.join(d2, "sprite.png")), "no sprite without label_img")
    with open(os.path.join(logs, "projector_config.pbtxt")) as f:
        check(f.read() ==
              'embeddings {\ntensor_name: "emb/one:00003"\ntensor_path: "00003/emb%2fone/tensors.tsv"\n'
              'metadata_path: "00003/emb%2fone/metadata.tsv"\nsprite {\nimage_path: "00003/emb%2fone/sprite.png"\n'
              'single_image_dim: 4\nsingle_image_dim: 4\n}\n}\n'
              'embeddings {\ntensor_name: "default:00000"\ntensor_path: "00000/default/tensors.tsv"\n'
              'metadata_path: "00000/default/metadata.tsv"\n}\n', "projector_config.pbtxt")


def check_truncation(path):
    """A file cut anywhere in its last record reads as every record before it."""
    with open(path, "rb") as f:
        data = f.read()
    records, _ = read_records(data)
    last_start = records[-1][0]
    before = [body for _, body in records[:-1]]
    bad = [cut for cut in range(last_start, len(data))
           if [body for _, body in read_records(data[:cut])[0]] != before]
    check(not bad, "cut files that read wrongly at offsets %s" % bad[:5])
    check([body for _, body in read_records(data)[0]] == [body for _, body in records], "the whole file reads")


if __name__ == "__main__":
    sys.exit(main())
