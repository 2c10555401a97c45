// torch.utils.data in C++: datasets, the DataLoader, and readers for MNIST-format
// files and word lists.
#pragma once
#include "ember/data/dataloader.hpp"
#include "ember/data/dataset.hpp"
#include "ember/data/mnist.hpp"
#include "ember/data/samplers.hpp"
#include "ember/data/transforms.hpp"
#include "ember/data/wordlist.hpp"
