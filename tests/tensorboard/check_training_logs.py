#!/usr/bin/env python3
"""The training programs' --logdir and --plot, end to end, as a user runs them.

  check_training_logs.py EXAMPLES_DIR EMBER_BOARD PROTOC WORK_DIR [SCREENSHOT_COPY]

Trains fmnist_mlp, fmnist_cnn and words_lstm on slices of their data with --logdir and
--plot, then checks with readers independent of ember:
  - every event file decodes with the protobuf runtime (messages compiled by protoc from
    tensorboard_format.proto) and every record's CRC-32C matches (crcmod); the logs hold
    the loss every --log-every steps (the values the program printed), the test accuracy,
    the learning rate, a histogram of every parameter and gradient each epoch (bucket
    counts sum to the element count), the input images (PNG decoded by PIL), the model
    graph (one node per op, the parameters named by module path) and hparams with the
    final metrics;
  - the plots: the SVG parses as XML and names its series, the PNG decodes with PIL;
  - ember-board turns the three runs into one page that headless chromium renders: the
    screenshot is not blank and the DOM holds every scalar tag and run.
"""

import glob
import html
import importlib
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import crcmod.predefined
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
crc32c = crcmod.predefined.mkCrcFun("crc-32c")


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def check(cond, message):
    if not cond:
        fail(message)


def masked(data):
    c = crc32c(data)
    return ((((c >> 15) | (c << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def read_events(pb, path):
    data = open(path, "rb").read()
    events, pos = [], 0
    while pos < len(data):
        check(pos + 12 <= len(data), f"{path}: a truncated record header at {pos}")
        header = data[pos:pos + 8]
        length = int.from_bytes(header, "little")
        check(int.from_bytes(data[pos + 8:pos + 12], "little") == masked(header), f"{path}: bad length CRC at {pos}")
        body = data[pos + 12:pos + 12 + length]
        check(len(body) == length, f"{path}: a truncated record at {pos}")
        check(int.from_bytes(data[pos + 12 + length:pos + 16 + length], "little") == masked(body),
              f"{path}: bad data CRC at {pos}")
        e = pb.Event()
        e.ParseFromString(body)
        events.append(e)
        pos += 16 + length
    check(events and events[0].file_version == "brain.Event:2", f"{path}: no file_version event first")
    return events


def run_events(pb, run_dir):
    files = sorted(glob.glob(os.path.join(run_dir, "events.out.tfevents.*")))
    check(len(files) == 1, f"{run_dir}: expected one event file, found {files}")
    return read_events(pb, files[0])


def summaries(events):
    by_tag = {}
    for e in events:
        if e.WhichOneof("what") == "summary":
            for v in e.summary.value:
                by_tag.setdefault(v.tag, []).append((e.step, v))
    return by_tag


def train(examples, program, args, work, log):
    cmd = [os.path.join(examples, program)] + args
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=work)
    open(os.path.join(work, log), "w").write(p.stdout + p.stderr)
    check(p.returncode == 0, f"{' '.join(cmd)} exited with {p.returncode}:\n{p.stdout[-2000:]}{p.stderr[-2000:]}")
    return p.stdout


def check_classifier(pb, logs, stdout, parameters, steps, every, epochs, want_images):
    events = run_events(pb, logs)
    by_tag = summaries(events)
    losses = by_tag.get("loss/train", [])
    check([s for s, _ in losses] == list(range(every, steps + 1, every)),
          f"{logs}: loss/train at steps {[s for s, _ in losses]}, expected every {every} up to {steps}")
    for tag in ["accuracy/test", "loss/train_epoch", "lr"]:
        got = by_tag.get(tag, [])
        check([s for s, _ in got] == list(range(1, epochs + 1)), f"{logs}: {tag} at epochs {[s for s, _ in got]}")
    printed = [float(x) for x in re.findall(r"test accuracy ([0-9.]+)", stdout)][:epochs]
    logged = [v.simple_value for _, v in by_tag["accuracy/test"]]
    check(all(abs(a - b) < 1e-4 for a, b in zip(printed, logged)), f"accuracy logged {logged}, printed {printed}")
    check(all(abs(v.simple_value - 0.001) < 1e-9 for _, v in by_tag["lr"]), "lr is not the --lr given")
    for name, numel in parameters.items():
        for kind in ["weights", "grads"]:
            got = by_tag.get(f"{kind}/{name}", [])
            check(len(got) == epochs, f"{logs}: {kind}/{name} has {len(got)} histograms, expected {epochs}")
            for _, v in got:
                check(v.WhichOneof("value") == "histo" and int(sum(v.histo.bucket)) == numel == int(v.histo.num),
                      f"{kind}/{name}: bucket counts sum to {sum(v.histo.bucket)}, expected {numel}")
    if want_images:
        (step, v), = by_tag["inputs"]
        img = Image.open(__import__("io").BytesIO(v.image.encoded_image_string))
        # 64 images of 28x28, 8 per row, padding 2: (2 + 8 * 30) square.
        check(img.size == (242, 242) == (v.image.width, v.image.height), f"inputs image is {img.size}")
    graphs = [e for e in events if e.WhichOneof("what") == "graph_def"]
    check(len(graphs) == 1, f"{logs}: {len(graphs)} graphs, expected 1")
    g = pb.GraphDef()
    g.ParseFromString(graphs[0].graph_def)
    names = [n.name for n in g.node]
    for name in parameters:
        check(any(n.endswith(name.replace(".", "/")) or n.endswith(name) for n in names),
              f"{logs}: the graph has no node for parameter {name}: {names}")
    check(sum(1 for n in g.node if n.op not in ("IO Node", "Parameter", "Constant", "prim::Constant")) >= 3,
          f"{logs}: the graph has too few op nodes: {[(n.name, n.op) for n in g.node]}")
    hp = run_events(pb, os.path.join(logs, "hparams"))
    plugin_values = [v for _, vs in summaries(hp).items() for _, v in vs if v.metadata.plugin_data.plugin_name == "hparams"]
    check(len(plugin_values) == 3, f"{logs}/hparams: {len(plugin_values)} hparams summaries, expected 3")
    check("hparam/accuracy/test" in summaries(hp), f"{logs}/hparams: the final accuracy is not logged there")
    return by_tag


def check_plot(path, labels):
    if path.endswith(".svg"):
        root = ET.parse(path).getroot()
        text = " ".join(t.text or "" for t in root.iter() if t.tag.endswith("text"))
        for label in labels:
            check(label in text, f"{path}: no '{label}' in the chart's text")
    else:
        img = Image.open(path).convert("RGB")
        small = img.resize((img.width // 2, img.height // 2))
        colours = len(set(small.getdata()))
        check(img.width >= 640 and colours >= 16, f"{path}: {img.size}, {colours} colours")


def main():
    examples, board, protoc, work = sys.argv[1:5]
    copy_to = sys.argv[5] if len(sys.argv) > 5 else ""
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    subprocess.run([protoc, "--python_out=" + work, "-I" + HERE, os.path.join(HERE, "tensorboard_format.proto")],
                   check=True)
    sys.path.insert(0, work)
    pb = importlib.import_module("tensorboard_format_pb2")

    # 640 images in batches of 64: 10 steps per epoch, a loss every 2 steps.
    common = ["--limit-train", "640", "--limit-test", "500", "--log-every", "2", "--seed", "1"]
    out = train(examples, "fmnist_mlp", common + ["--epochs", "2", "--logdir", "runs/mlp", "--plot", "mlp.svg"],
                work, "mlp.log")
    mlp = {"fc1.weight": 784 * 256, "fc1.bias": 256, "fc2.weight": 256 * 128, "fc2.bias": 128,
           "fc3.weight": 128 * 10, "fc3.bias": 10}
    check_classifier(pb, os.path.join(work, "runs/mlp"), out, mlp, 20, 2, 2, True)
    check_plot(os.path.join(work, "mlp.svg"), ["loss", "metrics", "accuracy/test", "step"])

    out = train(examples, "fmnist_cnn", common + ["--epochs", "1", "--logdir", "runs/cnn", "--plot", "cnn.png"],
                work, "cnn.log")
    cnn = {"features.0.weight": 32 * 9, "features.3.weight": 64 * 32 * 9, "classifier.1.weight": 3136 * 128,
           "classifier.3.bias": 10}
    check_classifier(pb, os.path.join(work, "runs/cnn"), out, cnn, 10, 2, 1, True)
    check_plot(os.path.join(work, "cnn.png"), [])

    train(examples, "words_lstm", ["--batches", "20", "--checkpoint-every", "10", "--held-out", "200",
                                   "--batch-size", "16", "--samples", "2", "--log-every", "5",
                                   "--logdir", "runs/lstm", "--plot", "lstm.svg"], work, "lstm.log")
    by_tag = summaries(run_events(pb, os.path.join(work, "runs/lstm")))
    check([s for s, _ in by_tag.get("loss/train", [])] == [5, 10, 15, 20], "words_lstm: loss/train steps")
    check(len(by_tag.get("weights/cell.weight_ih", [])) == 3, "words_lstm: weights/cell.weight_ih histograms")
    check(len(by_tag.get("loss/held_out", [])) == 1, "words_lstm: loss/held_out")
    check_plot(os.path.join(work, "lstm.svg"), ["loss", "loss/held_out"])

    # ember-board over all three runs, rendered by a real browser.
    page = os.path.join(work, "board.html")
    p = subprocess.run([board, "--out", page, "--title", "Training runs", os.path.join(work, "runs")],
                       capture_output=True, text=True, timeout=120)
    check(p.returncode == 0, f"ember-board failed: {p.stdout}{p.stderr}")
    chromium = shutil.which("chromium") or fail("no chromium")
    base = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--user-data-dir=" + os.path.join(work, "profile"), "--window-size=1280,1600"]
    env = dict(os.environ, HOME=work)
    shot = os.path.join(work, "board.png")
    url = "file://" + os.path.abspath(page)
    subprocess.run(base + ["--screenshot=" + shot, url], capture_output=True, timeout=90, env=env)
    check(os.path.exists(shot), "chromium wrote no screenshot")
    img = Image.open(shot).convert("RGB")
    small = img.resize((img.width // 4, img.height // 4))
    pixels = list(small.getdata())
    colours = len(set(pixels))
    non_white = sum(1 for px in pixels if min(px) < 235) / len(pixels)
    print(f"screenshot {shot}: {img.width}x{img.height}, {colours} colours, {non_white:.1%} non-white")
    # Cards are white on a light page: a drawn page still has a few per cent of ink.
    check(colours >= 64 and non_white >= 0.02, "the screenshot looks blank")
    dom = html.unescape(subprocess.run(base + ["--dump-dom", url], capture_output=True, text=True, timeout=90,
                                       env=env).stdout)
    for tag in ["loss/train", "accuracy/test", "loss/train_epoch", "lr", "loss/held_out", "weights/fc1.weight",
                "grads/classifier.1.weight", "inputs"]:
        check(tag in dom, f"tag {tag} is not in the rendered page")
    for run in ["mlp", "cnn", "lstm"]:
        check(run in dom, f"run {run} is not in the rendered page")
    check(dom.count("<path") >= 6, "the scalar charts were not drawn")
    if copy_to:
        shutil.copy(shot, copy_to)
    print("ok: the training programs' logs, plots and board check out")


if __name__ == "__main__":
    main()
