// Saving and loading tensors, state dicts and training states.
#pragma once
#include "ember/ordered_dict.hpp"
