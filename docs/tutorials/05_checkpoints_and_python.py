# Tutorial 5, the Python side: loads the checkpoint ember wrote, checks the model gives
# ember's output, takes one SGD step and saves the result for ember to load.
import sys

import torch
from torch import nn

directory = sys.argv[1]
model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
model.load_state_dict(torch.load(f"{directory}/net.pt"))  # written by ember::save
io = torch.load(f"{directory}/io.pt")
assert torch.allclose(model(io["x"]), io["y"], rtol=1e-5, atol=1e-6), "PyTorch computes ember's output"

optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
loss = model(io["x"]).square().sum()
loss.backward()
optimizer.step()
torch.save(model.state_dict(), f"{directory}/from_python.pt")  # ember::load reads it
torch.save({"y": model(io["x"]).detach()}, f"{directory}/python_out.pt")
print("python: loaded ember's checkpoint, took one SGD step, saved from_python.pt")
