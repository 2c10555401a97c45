// torch.utils.data in C++: datasets and the DataLoader.
#pragma once
#include "ember/tensor.hpp"
