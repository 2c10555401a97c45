# Recreates the expected values of LibTorch's test/cpp/api/init_baseline.h with the installed PyTorch
# (python3-torch), following the recipe of the test itself: manual_seed(0), then for each of
# Linear(7,15), Linear(15,15), Linear(15,2) construct the layer and apply the initializer to its weight.
# Usage: /usr/bin/python3 scripts/compat/init_baseline_from_torch.py > init_baseline.h
import torch
inits = {"Xavier_Uniform": torch.nn.init.xavier_uniform_, "Xavier_Normal": torch.nn.init.xavier_normal_,
         "Kaiming_Normal": torch.nn.init.kaiming_normal_, "Kaiming_Uniform": torch.nn.init.kaiming_uniform_}
out = ["// generated with PyTorch %s by the recipe of init_baseline.py" % torch.__version__, "", "#include <torch/types.h>", "", "#include <vector>", "", "namespace expected_parameters {", ""]
for name, fn in inits.items():
    torch.manual_seed(0)
    layers = []
    for a, b in [(7, 15), (15, 15), (15, 2)]:
        l = torch.nn.Linear(a, b)
        fn(l.weight)
        layers.append(l.weight.detach())
    out.append("inline std::vector<std::vector<torch::Tensor>> %s() {" % name)
    out.append("  return {")
    for w in layers:
        out.append("    {")
        for row in w:
            out.append("      torch::tensor({%s})," % ", ".join(repr(float(v)) for v in row.to(torch.float32).tolist()))
        out.append("    },")
    out.append("  };")
    out.append("}")
    out.append("")
out.append("} // namespace expected_parameters")
print("\n".join(out))
