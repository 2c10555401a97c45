// torch.optim in C++: optimizers, learning-rate schedulers, gradient clipping.
//   ember::optim::Adam opt(params, ember::optim::AdamOptions(1e-3));
//   loss.backward(); opt.step(); opt.zero_grad();
#pragma once
#include "ember/optim/adagrad.hpp"
#include "ember/optim/adam.hpp"
#include "ember/optim/clip_grad.hpp"
#include "ember/optim/lbfgs.hpp"
#include "ember/optim/lr_scheduler.hpp"
#include "ember/optim/optimizer.hpp"
#include "ember/optim/rmsprop.hpp"
#include "ember/optim/sgd.hpp"
#include "ember/ordered_dict.hpp"
