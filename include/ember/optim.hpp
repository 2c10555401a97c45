// torch.optim in C++: optimizers, learning-rate schedulers, gradient clipping.
#pragma once
#include "ember/ordered_dict.hpp"
