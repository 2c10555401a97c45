// LibTorch's basic-types header (included by the tests' generated baseline data) maps to the umbrella.
#pragma once
#include <torch/torch.h>
