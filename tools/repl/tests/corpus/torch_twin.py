#!/usr/bin/env python3
"""The corpus's numbers, computed again with PyTorch (python3-torch) as an independent
check of the expected transcripts: run it with /usr/bin/python3 and compare its output
with the values in the *.expect files (session by session, in order)."""
import torch
torch.set_printoptions(precision=4)
# 01
a = torch.arange(6); b = a.reshape(2, 3); f = torch.tensor([1.5, -2.0, 0.25])
print(f, f.dtype, f.sum(), f.sum().item(), f.abs().max().item())
print(torch.ones(3, dtype=torch.float64), torch.eye(3).sum(), b.float().mean(), b.t(), b.t().is_contiguous())
print(b*2+1, b @ torch.ones(3,1,dtype=torch.int64), torch.full((2,), 7.5), torch.cat([b,b],0).sum(0))
# 02
x = torch.arange(12).reshape(3,4)
print(x[0], x[1][2], x[:,1], x[1:3], x[::2], x[...,-1], x[None].shape, x.select(1,0), x.narrow(1,1,2))
print(x.index_select(0, torch.tensor([2,0])), x.gt(8), x.masked_select(x.gt(8)))
x[0] = 100; x[:,0] = -1; print(x, x[:,0].sum()); row = x[2].clone(); row.add_(1); print(row, x[2])
# 03
e = torch.ones(2, requires_grad=True); (e*2).sum().backward(); print(e.grad)
w = torch.tensor([1.,2.,3.], requires_grad=True); y = (w*w+3*w).sum(); print(y); y.backward(); print(w.grad)
w.grad.zero_(); q = w.pow(3).mean(); q.backward(); print(w.grad)
u = torch.tensor([0.5,-1.0], requires_grad=True); (u.exp()*u).sum().backward(); print(u.grad)
m = torch.tensor([[1.,2.],[3.,4.]], requires_grad=True); s = (m@m).sum(); print(s); s.backward(); print(m.grad)
# 04
lin = torch.nn.Linear(4,2)
with torch.no_grad(): lin.weight.fill_(0.5); lin.bias.fill_(-1.0)
print(lin(torch.ones(1,4)))
fc = torch.nn.Linear(4,2)
with torch.no_grad():
    for p in fc.parameters(): p.fill_(0.25)
print(torch.relu(fc(torch.ones(1,4))), torch.arange(3)*2.0+1.0, torch.relu(fc(torch.ones(2,4)*2.0)).sum())
# 05
x = torch.tensor([[1.,2.],[3.,4.],[5.,6.]]); t = torch.tensor([[1.],[2.],[3.]])
model = torch.nn.Linear(2,1)
with torch.no_grad(): model.weight.fill_(0.1); model.bias.zero_()
opt = torch.optim.SGD(model.parameters(), lr=0.01); sched = torch.optim.lr_scheduler.StepLR(opt, 2, 0.5)
loss = torch.nn.functional.mse_loss(model(x), t); print(loss, loss.item())
opt.zero_grad(); loss.backward(); print(model.weight.grad, model.bias.grad); opt.step(); print(model.weight)
sched.step(); print(sched.get_last_lr())
losses = []
for step in range(3):
    l = torch.nn.functional.mse_loss(model(x), t); opt.zero_grad(); l.backward(); opt.step(); sched.step(); losses.append(l.item())
print(losses, sched.get_last_lr(), sched.last_epoch, torch.nn.functional.mse_loss(model(x), t).item() < loss.item())
# 06
print(torch.arange(3)*0.5, torch.arange(3)+torch.arange(3), sum(1.0/i for i in range(1,5)))
# 07
fc1 = torch.nn.Linear(3,4); fc2 = torch.nn.Linear(4,2)
params = list(fc1.parameters()) + list(fc2.parameters())
with torch.no_grad():
    for p in params: p.fill_(0.1)
inp = torch.ones(2,3); print(fc2(torch.relu(fc1(inp))))
out = fc2(torch.relu(fc1(inp))).sum(); print(out); out.backward(); print(fc2.bias.grad, fc1.weight.grad.sum())
adam = torch.optim.Adam(params, lr=0.1); adam.step(); print(fc2.bias.abs().max().item() < 1e-6, fc2(torch.relu(fc1(inp))).sum().item() < out.item())
