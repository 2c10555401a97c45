// linear, dropout, embedding, recurrent cells, attention, one_hot, normalize.
// Placeholder: each function throws until its implementation lands.
#include "ember/error.hpp"
#include "ember/nn/functional.hpp"

namespace ember {
namespace nn {
namespace functional {
namespace {
[[noreturn]] void not_yet(const char* op) { throw Error(std::string(op) + ": not implemented yet"); }
}  // namespace


Tensor linear(const Tensor&, const Tensor&, const Tensor&) { not_yet("linear"); }
Tensor dropout(const Tensor&, double, bool) { not_yet("dropout"); }
Tensor embedding(const Tensor&, const Tensor&, std::optional<int64_t>) { not_yet("embedding"); }
std::tuple<Tensor, Tensor> lstm_cell(const Tensor&, const Tensor&, const Tensor&, const Tensor&, const Tensor&, const Tensor&, const Tensor&) { not_yet("lstm_cell"); }
Tensor gru_cell(const Tensor&, const Tensor&, const Tensor&, const Tensor&, const Tensor&, const Tensor&) { not_yet("gru_cell"); }
Tensor rnn_tanh_cell(const Tensor&, const Tensor&, const Tensor&, const Tensor&, const Tensor&, const Tensor&) { not_yet("rnn_tanh_cell"); }
Tensor rnn_relu_cell(const Tensor&, const Tensor&, const Tensor&, const Tensor&, const Tensor&, const Tensor&) { not_yet("rnn_relu_cell"); }
Tensor scaled_dot_product_attention(const Tensor&, const Tensor&, const Tensor&, const Tensor&, double, bool, std::optional<double>) { not_yet("scaled_dot_product_attention"); }
Tensor one_hot(const Tensor&, int64_t) { not_yet("one_hot"); }
Tensor normalize(const Tensor&, double, int64_t, double) { not_yet("normalize"); }

}  // namespace functional
}  // namespace nn
}  // namespace ember
