# Recreates the expected values of LibTorch's test/cpp/api/optim_baseline.h with the installed PyTorch
# (python3-torch), following the recipe of the test's check_exact_values: a double
# Linear(2,3)-Sigmoid-Linear(3,1)-Sigmoid model with fixed starting values, the fixed 3x2 input, the
# loss output.sum(), 1001 steps with a closure returning 10, sampled every 100 steps.
# Usage: /usr/bin/python3 scripts/compat/optim_baseline_from_torch.py > optim_baseline.h
import torch

OPTIMIZERS = {
    "Adam": lambda p: torch.optim.Adam(p, 1.0),
    "Adam_with_weight_decay": lambda p: torch.optim.Adam(p, 1.0, weight_decay=1e-2),
    "Adam_with_weight_decay_and_amsgrad": lambda p: torch.optim.Adam(p, 1.0, weight_decay=1e-6, amsgrad=True),
    "Adagrad": lambda p: torch.optim.Adagrad(p, 1.0),
    "Adagrad_with_weight_decay": lambda p: torch.optim.Adagrad(p, 1.0, weight_decay=1e-2),
    "Adagrad_with_weight_decay_and_lr_decay": lambda p: torch.optim.Adagrad(p, 1.0, weight_decay=1e-6, lr_decay=1e-3),
    "RMSprop": lambda p: torch.optim.RMSprop(p, 0.1),
    "RMSprop_with_weight_decay": lambda p: torch.optim.RMSprop(p, 0.1, weight_decay=1e-2),
    "RMSprop_with_weight_decay_and_centered": lambda p: torch.optim.RMSprop(p, 0.1, weight_decay=1e-6, centered=True),
    "RMSprop_with_weight_decay_and_centered_and_momentum":
        lambda p: torch.optim.RMSprop(p, 0.1, weight_decay=1e-6, centered=True, momentum=0.9),
    "SGD": lambda p: torch.optim.SGD(p, 0.1),
    "SGD_with_weight_decay": lambda p: torch.optim.SGD(p, 0.1, weight_decay=1e-2),
    "SGD_with_weight_decay_and_momentum": lambda p: torch.optim.SGD(p, 0.1, weight_decay=1e-2, momentum=0.9),
    "SGD_with_weight_decay_and_nesterov_momentum":
        lambda p: torch.optim.SGD(p, 0.1, weight_decay=1e-6, momentum=0.9, nesterov=True),
    "LBFGS": lambda p: torch.optim.LBFGS(p, 1.0),
    "LBFGS_with_line_search": lambda p: torch.optim.LBFGS(p, 1.0, line_search_fn="strong_wolfe"),
}
START = [[-0.2109, -0.4976, -0.1413, -0.3420, -0.2524, 0.6976], [-0.1085, -0.2979, 0.6892],
         [-0.0508, -0.3941, -0.2843], [-0.0711]]


def run(make_optimizer):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Sigmoid(), torch.nn.Linear(3, 1),
                                torch.nn.Sigmoid()).to(torch.float64)
    with torch.no_grad():
        for p, values in zip(model.parameters(), START):
            p.view(-1).copy_(torch.tensor(values, dtype=torch.float64))
    optimizer = make_optimizer(list(model.parameters()))
    data = torch.tensor([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], dtype=torch.float64).reshape(3, 2)
    samples = []
    for i in range(1001):
        optimizer.zero_grad()
        model(data).sum().backward()
        optimizer.step(lambda: torch.tensor([10]))
        if i % 100 == 0:
            samples.append([p.detach().flatten().tolist() for p in model.parameters()])
    return samples


print("// generated with PyTorch %s by the recipe of the test's check_exact_values" % torch.__version__)
print("\n#include <torch/types.h>\n\n#include <vector>\n\nnamespace expected_parameters {\n")
for name, make in OPTIMIZERS.items():
    print("inline std::vector<std::vector<torch::Tensor>> %s() {\n  return {" % name)
    for sample in run(make):
        print("    {")
        for values in sample:
            print("      torch::tensor({%s})," % ", ".join(repr(v) for v in values))
        print("    },")
    print("  };\n}\n")
print("} // namespace expected_parameters")
