// torch.nn in C++: modules, initialisers and the functional ops.
#pragma once
#include "ember/nn/container.hpp"
#include "ember/nn/functional.hpp"
#include "ember/nn/init.hpp"
#include "ember/nn/module.hpp"
#include "ember/nn/modules.hpp"
#include "ember/nn/attention.hpp"
#include "ember/nn/rnn.hpp"
#include "ember/nn/activation.hpp"
#include "ember/nn/padding.hpp"
#include "ember/nn/modules_extra.hpp"
#include "ember/nn/parameter_containers.hpp"
