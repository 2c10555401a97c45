// The model workloads of BENCHMARKS.md (conv2d, mlp_fmnist, cnn_fmnist, lstm_words).
// ember_models.cpp defines them on ember for ember-bench, torch_models.cpp on LibTorch for
// torch-bench; each prints its figures through common.hpp, on the data of datasets.hpp.
#pragma once

namespace bench {
namespace models {

void conv2d(int threads);
void mlp_fmnist(int threads);
void cnn_fmnist(int threads);
void lstm_words(int threads);

}  // namespace models
}  // namespace bench
