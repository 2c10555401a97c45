#!/usr/bin/env python3
"""The TorchScript side of mlp_infer: traces ember-jit-bench's MLP with PyTorch.

    build/bench/ember-jit-bench --export DIR      # DIR/mlp_ember.pt
    /usr/bin/python3 bench/trace_mlp.py DIR       # DIR/mlp_torchscript.pt, DIR/mlp_check.pt

Reads DIR/mlp_ember.pt (torch.load reads ember's checkpoints): the weights of ember's
784-256-128-10 ReLU MLP under torch.nn.Sequential's names, the inputs ember-jit-bench
times and ember's compiled outputs for them. Builds the same network as a
torch.nn.Sequential, loads those weights, traces it with torch.jit.trace and saves it
as DIR/mlp_torchscript.pt, which torchscript-bench loads with torch::jit::load. Also
saves DIR/mlp_check.pt, a scripted module whose buffers are the inputs and ember's
outputs, so that torchscript-bench can check the loaded model against ember in C++;
this script checks the traced model the same way (max |difference| <= 1e-5).
Debian's python3-torch belongs to /usr/bin/python3.
"""
import pathlib
import sys

import torch

TOLERANCE = 1e-5


def build_mlp():
    return torch.nn.Sequential(
        torch.nn.Flatten(),
        torch.nn.Linear(784, 256), torch.nn.ReLU(),
        torch.nn.Linear(256, 128), torch.nn.ReLU(),
        torch.nn.Linear(128, 10),
    )


class Check(torch.nn.Module):
    """Holds the inputs and ember's outputs as buffers, for the C++ side."""

    def __init__(self, tensors):
        super().__init__()
        for name, t in tensors.items():
            self.register_buffer(name, t)

    def forward(self, x):
        return x


def main(directory):
    d = pathlib.Path(directory)
    saved = torch.load(d / "mlp_ember.pt")
    model = build_mlp()
    weights = {k: v for k, v in saved.items() if not k.startswith(("input_", "output_"))}
    model.load_state_dict(weights, strict=True)
    model.eval()
    example = saved["input_b64"]
    with torch.no_grad():
        traced = torch.jit.trace(model, example)
        for batch in (1, 64):
            got = traced(saved[f"input_b{batch}"])
            diff = (got - saved[f"output_b{batch}"]).abs().max().item()
            print(f"trace_mlp.py: batch {batch}: max |TorchScript - ember| = {diff:.3g}")
            if not diff <= TOLERANCE:
                sys.exit(f"trace_mlp.py: TorchScript and ember differ by {diff} > {TOLERANCE} at batch {batch}")
    traced.save(str(d / "mlp_torchscript.pt"))
    checks = {k: v for k, v in saved.items() if k.startswith(("input_", "output_"))}
    torch.jit.script(Check(checks)).save(str(d / "mlp_check.pt"))
    print(f"trace_mlp.py: wrote {d / 'mlp_torchscript.pt'} and {d / 'mlp_check.pt'}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: trace_mlp.py DIR  (DIR holds mlp_ember.pt from ember-jit-bench --export DIR)")
    main(sys.argv[1])
