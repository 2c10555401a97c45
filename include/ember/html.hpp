// HTML forms of tensors and modules, for notebooks (xeus-cling's rich display uses
// them through <ember/cling.hpp>). The cells hold the same digits operator<< prints,
// summarised by the same rules.
#pragma once
#include <string>

namespace ember {

class Tensor;
namespace nn {
class Module;
}

// A header line (shape, dtype, requires_grad or grad_fn), then the values: a 0-d tensor
// as one cell, a 1-d tensor as one row, a 2-d tensor as a table, and a tensor of more
// dims as one table per leading index, captioned as PyTorch spells the slice
// ("[0, :, :]"). An empty tensor has the header alone. An undefined tensor gives
// operator<<'s text in a `<pre>`.
std::string repr_html(const Tensor& t);

// `s` with &, <, >, " and ' written as HTML entities.
std::string html_escape(const std::string& s);

namespace nn {
// The module's printed structure (operator<<) in a `<pre>`.
std::string repr_html(const Module& m);
}  // namespace nn

}  // namespace ember
