"""Exports four PyTorch models to ONNX (opset 17) with their outputs, for tests/onnx/run_import.sh."""
import json
import sys

import torch
torch.manual_seed(0)
out = sys.argv[1]
class MLP(torch.nn.Module):
    def __init__(s):
        super().__init__(); s.a = torch.nn.Linear(20, 32); s.b = torch.nn.Linear(32, 5)
    def forward(s, x): return s.b(torch.relu(s.a(x)))
cnn = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
                          torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Linear(64, 10))
for _ in range(3): cnn(torch.randn(4, 1, 8, 8) * 2 + 1)
class LSTM(torch.nn.Module):
    def __init__(s):
        super().__init__(); s.l = torch.nn.LSTM(3, 6)
    def forward(s, x): return s.l(x)[0]
enc = torch.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0)
cases = [("mlp", MLP(), torch.randn(3, 20)), ("cnn", cnn, torch.randn(2, 1, 8, 8)),
         ("lstm", LSTM(), torch.randn(4, 2, 3)), ("encoder", enc, torch.randn(5, 2, 8))]
manifest = []
for name, m, x in cases:
    m.eval()
    torch.onnx.export(m, (x,), f"{out}/{name}.onnx", opset_version=17)
    with torch.no_grad(): y = m(x)
    manifest.append({"name": name, "in": x.reshape(-1).tolist(), "in_shape": list(x.shape),
                     "out": y.reshape(-1).tolist(), "out_shape": list(y.shape)})
json.dump(manifest, open(f"{out}/torch_cases.json", "w"))
print("ok")
