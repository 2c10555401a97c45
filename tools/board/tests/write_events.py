"""Writes TensorBoard event files byte by byte, independently of ember-board's reader:
protobuf wire format by hand (struct), TFRecord framing with crcmod's CRC-32C, images
made with PIL. Field numbers are those of tensorboard/compat/proto (event.proto,
summary.proto, histogram.proto, tensor.proto, tensor_shape.proto, graph.proto,
node_def.proto, attr_value.proto) and plugins/hparams (plugin_data.proto, api.proto),
and google/protobuf/struct.proto."""
import io
import math
import os
import random
import struct

import crcmod.predefined
from PIL import Image

_crc32c = crcmod.predefined.mkCrcFun('crc-32c')


def masked_crc(data):
    c = _crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xa282ead8) & 0xffffffff


def frame(data):
    length = struct.pack('<Q', len(data))
    return length + struct.pack('<I', masked_crc(length)) + data + struct.pack('<I', masked_crc(data))


# ---- protobuf wire format ----
def varint(n):
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = n & 0x7f
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def key(field, wire_type):
    return varint(field << 3 | wire_type)


def f_int(field, n):
    return key(field, 0) + varint(n)


def f_double(field, v):
    return key(field, 1) + struct.pack('<d', v)


def f_float(field, v):
    return key(field, 5) + struct.pack('<f', v)


def f_bytes(field, b):
    if isinstance(b, str):
        b = b.encode('utf-8')
    return key(field, 2) + varint(len(b)) + b


def f_packed_doubles(field, values):
    return f_bytes(field, b''.join(struct.pack('<d', v) for v in values))


# ---- messages ----
def plugin_metadata(name, content=b''):
    return f_bytes(9, f_bytes(1, f_bytes(1, name) + (f_bytes(2, content) if content else b'')))


def shape(dims):  # TensorShapeProto
    return b''.join(f_bytes(2, f_int(1, d)) for d in dims)


def tensor(dtype, dims, content=None, float_val=None, string_val=None):  # TensorProto
    t = f_int(1, dtype) + f_bytes(2, shape(dims))
    if content is not None:
        t += f_bytes(4, content)
    if float_val is not None:
        t += f_bytes(5, b''.join(struct.pack('<f', v) for v in float_val))
    for s in string_val or []:
        t += f_bytes(8, s)
    return t


def value(tag, body, plugin=None, plugin_content=b''):  # Summary.Value
    v = f_bytes(1, tag) + body
    if plugin:
        v += plugin_metadata(plugin, plugin_content)
    return v


def simple_value(tag, x):
    return value(tag, f_float(2, x))


def event(wall_time, step, values=None, file_version=None, graph_def=None, session_log=None):
    e = f_double(1, wall_time) + f_int(2, step)
    if file_version:
        e += f_bytes(3, file_version)
    if graph_def is not None:
        e += f_bytes(4, graph_def)
    if values is not None:
        e += f_bytes(5, b''.join(f_bytes(1, v) for v in values))
    if session_log is not None:
        e += f_bytes(6, f_int(1, session_log))
    return e


def histo(values, edges):
    """HistogramProto of `values` counted in buckets (edges[i-1], edges[i]] (numpy's
    histogram with the last limit at max); returns the message and the expected
    [left, right, count] buckets (first left edge min, edges clamped to [min, max])."""
    lo, hi = min(values), max(values)
    counts = [0.0] * len(edges)
    for x in values:
        for i, e in enumerate(edges):
            if x <= e:
                counts[i] += 1
                break
    msg = (f_double(1, lo) + f_double(2, hi) + f_double(3, len(values)) + f_double(4, sum(values)) +
           f_double(5, sum(x * x for x in values)) + f_packed_doubles(6, edges) + f_packed_doubles(7, counts))
    expected = []
    for i, e in enumerate(edges):
        left = lo if i == 0 else edges[i - 1]
        expected.append([min(max(left, lo), hi), min(max(e, lo), hi), counts[i]])
    return msg, expected


def png(width, height, seed):
    img = Image.new('RGB', (width, height))
    px = img.load()
    for y in range(height):
        for x in range(width):
            px[x, y] = ((x * 37 + seed * 50) % 256, (y * 29 + seed * 90) % 256, ((x + y) * 11 + seed * 20) % 256)
    out = io.BytesIO()
    img.save(out, format='PNG')
    return out.getvalue()


def node(name, op, inputs=(), shapes=(), attrs=None):  # NodeDef
    n = f_bytes(1, name) + f_bytes(2, op) + b''.join(f_bytes(3, i) for i in inputs)
    if shapes:
        shape_list = b''.join(f_bytes(7, shape(s)) for s in shapes)  # AttrValue.ListValue.shape
        n += f_bytes(5, f_bytes(1, '_output_shapes') + f_bytes(2, f_bytes(1, shape_list)))
    for k, v in (attrs or {}).items():
        n += f_bytes(5, f_bytes(1, k) + f_bytes(2, f_bytes(2, v)))  # AttrValue.s
    return n


def struct_value(v):  # google.protobuf.Value
    if isinstance(v, bool):
        return f_int(4, 1 if v else 0)
    if isinstance(v, (int, float)):
        return f_double(2, float(v))
    return f_bytes(3, v)


def hparams_values(hparams, metrics):
    """The three hparams plugin summaries PyTorch's add_hparams writes."""
    experiment = b''
    for name in hparams:
        experiment += f_bytes(4, f_bytes(1, name))  # HParamInfo.name
    for m in metrics:
        experiment += f_bytes(5, f_bytes(1, f_bytes(2, m)))  # MetricInfo.name.tag
    start = b''.join(f_bytes(1, f_bytes(1, k) + f_bytes(2, struct_value(v))) for k, v in hparams.items())
    end = f_int(1, 1)  # STATUS_SUCCESS
    plugin = lambda content: plugin_metadata('hparams', f_int(1, 0) + content)
    return [
        f_bytes(1, '_hparams_/experiment') + plugin(f_bytes(2, experiment)),
        f_bytes(1, '_hparams_/session_start_info') + plugin(f_bytes(3, start)),
        f_bytes(1, '_hparams_/session_end_info') + plugin(f_bytes(4, end)),
    ]


def f32(x):
    return struct.unpack('<f', struct.pack('<f', x))[0]


def write_file(directory, records, name='events.out.tfevents.1700000000.fixture', tail=b''):
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, name)
    with open(path, 'wb') as f:
        for r in records:
            f.write(frame(r))
        f.write(tail)
    return path


def write_fixtures(root):
    """Writes a log dir of four runs; returns what a reader must find in it."""
    rng = random.Random(7)
    expected = {'scalars': {}, 'histograms': {}, 'images': {}, 'texts': {}, 'hparams': {}, 'graphs': {}}
    t0 = 1700000000.0

    # run_a: old-style values (simple_value, histo, Summary.Image), text, a graph, and a
    # last record cut short (a writer still writing).
    recs = [event(t0, 0, file_version='brain.Event:2')]
    loss_a = []
    for step in range(0, 40):
        x = 2.0 * math.exp(-step / 12) + 0.15 * rng.random()
        loss_a.append([step, f32(x)])
        recs.append(event(t0 + step, step, [simple_value('loss/train', x)]))
    expected['scalars'].setdefault('loss/train', {})['run_a'] = loss_a
    edges = [-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 1e308]
    for k, step in enumerate([0, 10, 20, 30]):
        vals = [rng.gauss(0.2 * k, 0.4 + 0.1 * k) for _ in range(300)]
        msg, exp = histo(vals, edges)
        recs.append(event(t0 + step, step, [value('weights/fc1', f_bytes(5, msg))]))
        expected['histograms'].setdefault('weights/fc1', {}).setdefault('run_a', []).append([step, exp])
    for step in [0, 20, 39]:
        p = png(24, 16, step)
        im = f_int(1, 16) + f_int(2, 24) + f_int(3, 3) + f_bytes(4, p)
        recs.append(event(t0 + step, step, [value('samples/digits', f_bytes(4, im))]))
        expected['images'].setdefault('samples/digits', {}).setdefault('run_a', []).append([step, [p]])
    note = '# Notes\n*markdown* text with <script>alert(1)</script> & "quotes"'
    recs.append(event(t0, 5, [value('notes/readme', f_bytes(8, tensor(7, [1], string_val=[note])), 'text')]))
    expected['texts']['notes/readme'] = {'run_a': [[5, [note]]]}
    graph = (f_bytes(1, node('input/x', 'IO Node', [], [[8, 3]])) +
             f_bytes(1, node('fc1/weight', 'Parameter', [], [[4, 3]])) +
             f_bytes(1, node('fc1/linear', 'aten::linear', ['input/x', 'fc1/weight:0'], [[8, 4]], {'attr': '{}'})) +
             f_bytes(1, node('relu', 'aten::relu', ['fc1/linear'], [[8, 4]])) +
             f_bytes(1, node('output/y', 'IO Node', ['relu', '^fc1/linear'], [[8, 4]])))
    recs.append(event(t0, 0, graph_def=graph))
    expected['graphs']['run_a'] = [['input/x', 'IO Node', ['[8, 3]']], ['fc1/weight', 'Parameter', ['[4, 3]']],
                                   ['fc1/linear', 'aten::linear', ['[8, 4]']], ['relu', 'aten::relu', ['[8, 4]']],
                                   ['output/y', 'IO Node', ['[8, 4]']]]
    cut = frame(event(t0 + 99, 99, [simple_value('loss/train', 123.0)]))
    write_file(os.path.join(root, 'run_a'), recs, tail=cut[:len(cut) - 3])

    # run_b: the tensor (tf.summary) forms, plugin metadata on the first value of a tag only.
    recs = [event(t0, 0, file_version='brain.Event:2')]
    loss_b = []
    for step in range(0, 40, 2):
        x = 1.6 * math.exp(-step / 20) + 0.2 * rng.random()
        loss_b.append([step, f32(x)])
        body = f_bytes(8, tensor(1, [], float_val=[x]))
        recs.append(event(t0 + step, step, [value('loss/train', body, 'scalars' if step == 0 else None)]))
    expected['scalars']['loss/train']['run_b'] = loss_b
    acc = []
    for step in range(0, 40, 4):
        x = 0.5 + step / 100
        acc.append([step, x])  # float64 tensor_content: exact
        body = f_bytes(8, tensor(2, [], content=struct.pack('<d', x)))
        recs.append(event(t0 + step, step, [value('metrics/accuracy', body, 'scalars' if step == 0 else None)]))
    expected['scalars']['metrics/accuracy'] = {'run_b': acc}
    for step in [0, 20]:
        buckets = [[-1.0 + 0.5 * i, -0.5 + 0.5 * i, float(rng.randint(0, 50))] for i in range(6)]
        content = b''.join(struct.pack('<d', v) for b in buckets for v in b)
        body = f_bytes(8, tensor(2, [6, 3], content=content))
        recs.append(event(t0 + step, step, [value('weights/fc1', body, 'histograms')]))
        expected['histograms']['weights/fc1'].setdefault('run_b', []).append([step, buckets])
    for step in [0, 30]:
        p1, p2 = png(20, 20, step + 1), png(20, 20, step + 2)
        body = f_bytes(8, tensor(7, [4], string_val=[b'20', b'20', p1, p2]))
        recs.append(event(t0 + step, step, [value('samples/digits', body, 'images')]))
        expected['images']['samples/digits'].setdefault('run_b', []).append([step, [p1, p2]])
    write_file(os.path.join(root, 'run_b'), recs)

    # Two hparams sessions, as PyTorch's add_hparams writes them (a sub-run each).
    for name, hp, acc_value in [('hp_lr0.1', {'lr': 0.1, 'optimizer': 'sgd', 'nesterov': True}, 0.875),
                                ('hp_lr0.01', {'lr': 0.01, 'optimizer': 'adam', 'nesterov': False}, 0.9375)]:
        recs = [event(t0, 0, file_version='brain.Event:2'),
                event(t0, 0, hparams_values(hp, ['hparam/accuracy'])),
                event(t0 + 1, 0, [simple_value('hparam/accuracy', acc_value)])]
        write_file(os.path.join(root, name), recs)
        expected['scalars'].setdefault('hparam/accuracy', {})[name] = [[0, acc_value]]
        shown = {k: ('true' if v is True else 'false' if v is False else str(v)) for k, v in hp.items()}
        expected['hparams'][name] = {'hparams': shown, 'metrics': {'hparam/accuracy': acc_value}}
    expected['runs'] = sorted(['run_a', 'run_b', 'hp_lr0.1', 'hp_lr0.01'])
    return expected
