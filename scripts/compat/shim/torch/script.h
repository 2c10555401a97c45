// LibTorch's script.h is a superset of torch.h; with TorchScript out of scope it is the same umbrella.
#pragma once
#include <torch/torch.h>
