// What operator<< shows of a tensor, for the other renderers (repr_html) to show the
// same elements with the same digits. Implemented in print.cpp beside the text printer.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ember/tensor.hpp"

namespace ember {
namespace detail {

// The indices of a dim that get printed: all of them, or the edges of a summarised one.
// `gap` is the position in `index` where "..." goes (-1: nowhere).
struct PrintedIndices {
  std::vector<int64_t> index;
  std::ptrdiff_t gap = -1;
};
PrintedIndices printed_indices(int64_t n, bool summarize);

// Whether the printer summarises t (more elements than PyTorch's threshold).
bool print_summarizes(const Tensor& t);

// The text of each printed element, without the padding that aligns columns, in the
// order the printer visits them: depth-first over printed_indices of each dim.
std::vector<std::string> printed_elements(const Tensor& t);

// "mul" -> "MulBackward0", "log_softmax" -> "LogSoftmaxBackward0": the backward class
// names PyTorch users know from grad_fn. A name that is already one is kept.
std::string backward_name(const std::string& op);

// The autograd suffix: "grad_fn=<MulBackward0>", "requires_grad=True" or "".
std::string grad_text(const Tensor& t);

// Python's str(tuple) of the sizes: "(2, 3)", "(4,)", "()".
std::string sizes_text(IntArrayRef sizes);

}  // namespace detail
}  // namespace ember
