// Padding modes by composition: reflect, replicate and circular padding are slices of
// the input (flipped, expanded or taken from the other end) concatenated onto it, one
// dim at a time, so gradients come from narrow/flip/expand/cat.
#include <cmath>
#include <string>
#include <vector>

#include "ember/error.hpp"
#include "ember/functions.hpp"
#include "ember/nn/functional.hpp"
#include "ember/nn/padding.hpp"
#include "src/nn/repr.hpp"

namespace ember {
namespace nn {
namespace functional {

namespace {
std::string describe(const Tensor& input, IntArrayRef pad) {
  return "input " + repr::shape_str(input.sizes()) + ", pad " + repr::shape_str(pad);
}

// Pads dim d of x by `before` and `after` (both >= 0) in a non-constant mode.
Tensor pad_dim(const Tensor& x, int64_t d, int64_t before, int64_t after, const std::string& mode) {
  const int64_t size = x.size(d);
  std::vector<Tensor> parts;
  if (mode == "reflect") {
    if (before > 0) parts.push_back(x.narrow(d, 1, before).flip({d}));
    parts.push_back(x);
    if (after > 0) parts.push_back(x.narrow(d, size - 1 - after, after).flip({d}));
  } else if (mode == "replicate") {
    std::vector<int64_t> shape = x.sizes().vec();
    if (before > 0) {
      shape[static_cast<std::size_t>(d)] = before;
      parts.push_back(x.narrow(d, 0, 1).expand(shape));
    }
    parts.push_back(x);
    if (after > 0) {
      shape[static_cast<std::size_t>(d)] = after;
      parts.push_back(x.narrow(d, size - 1, 1).expand(shape));
    }
  } else {  // circular
    if (before > 0) parts.push_back(x.narrow(d, size - before, before));
    parts.push_back(x);
    if (after > 0) parts.push_back(x.narrow(d, 0, after));
  }
  return parts.size() == 1 ? x : ember::cat(parts, d);
}
}  // namespace

Tensor pad_mode(const Tensor& input, IntArrayRef pad, const std::string& mode, double value) {
  if (mode == "constant") return ember::pad(input, pad, value);
  if (mode != "reflect" && mode != "replicate" && mode != "circular")
    throw Error("pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', got '" + mode + "' (" +
                describe(input, pad) + ")");
  if (!input.defined()) throw Error("pad: the input is undefined");
  if (pad.size() % 2 != 0 || pad.empty() || pad.size() > 6)
    throw Error("pad: " + mode + " padding takes 2, 4 or 6 values (the last 1, 2 or 3 dims), got " +
                std::to_string(pad.size()) + " (" + describe(input, pad) + ")");
  const int64_t padded_dims = static_cast<int64_t>(pad.size() / 2);
  const bool batch_optional = mode != "circular";
  if (input.dim() != padded_dims + 2 && !(batch_optional && input.dim() == padded_dims + 1))
    throw Error("pad: " + mode + " padding of " + std::to_string(padded_dims) + " dims expects a " +
                (batch_optional ? std::to_string(padded_dims + 1) + "-d or " : std::string()) +
                std::to_string(padded_dims + 2) + "-d input (" + describe(input, pad) + ")");
  Tensor x = input;
  for (int64_t i = 0; i < padded_dims; ++i) {
    const int64_t d = input.dim() - 1 - i;
    int64_t before = pad[static_cast<std::size_t>(2 * i)], after = pad[static_cast<std::size_t>(2 * i + 1)];
    // Negative amounts crop first; the rest pads what is left.
    if (before < 0 || after < 0) {
      const int64_t crop_before = before < 0 ? -before : 0, crop_after = after < 0 ? -after : 0;
      if (crop_before + crop_after > x.size(d))
        throw Error("pad: cropping " + std::to_string(crop_before + crop_after) + " from dim " + std::to_string(d) +
                    " of size " + std::to_string(x.size(d)) + " (" + describe(input, pad) + ")");
      x = x.narrow(d, crop_before, x.size(d) - crop_before - crop_after);
      before = before < 0 ? 0 : before;
      after = after < 0 ? 0 : after;
    }
    const int64_t size = x.size(d);
    const bool fits = mode == "reflect"     ? before < size && after < size
                      : mode == "circular" ? before <= size && after <= size
                                           : size > 0 || (before == 0 && after == 0);
    if (!fits)
      throw Error("pad: " + mode + " padding (" + std::to_string(before) + ", " + std::to_string(after) +
                  ") of dim " + std::to_string(d) + " must be " + (mode == "reflect" ? "less than" : "at most") +
                  " its size " + std::to_string(size) + " (" + describe(input, pad) + ")");
    x = pad_dim(x, d, before, after, mode);
  }
  return x;
}

Tensor with_options::pad(const Tensor& input, const PadFuncOptions& o) {
  return pad_mode(input, o.pad(), o.mode(), o.value());
}

}  // namespace functional

namespace detail {
namespace {
std::string py_number(double v) {
  if (std::fabs(v) < 1e15 && v == std::floor(v)) return std::to_string(static_cast<int64_t>(v));
  return repr::py_float(v);
}
}  // namespace

PadBase::PadBase(const char* name, std::size_t dims, const IntOrTuple& padding_arg, std::string mode, double value)
    : Module(name),
      padding(padding_arg.expand(2 * dims, name, "padding")),
      mode_(std::move(mode)),
      value_(value),
      dims_(dims) {}

Tensor PadBase::forward(const Tensor& input) {
  if (!input.defined()) throw Error(type_name() + ": the input is undefined");
  const int64_t d = static_cast<int64_t>(dims_);
  if (mode_ != "constant" && input.dim() != d + 1 && input.dim() != d + 2)
    throw Error(type_name() + ": expected a " + std::to_string(d + 1) + "-d or " + std::to_string(d + 2) +
                "-d input, got " + repr::shape_str(input.sizes()));
  return functional::pad_mode(input, padding, mode_, value_);
}

std::string PadBase::extra_repr() const {
  if (type_name() == "ZeroPad2d" || mode_ != "constant") return repr::py_tuple(padding);
  return "padding=" + repr::py_tuple(padding) + ", value=" + py_number(value_);
}

}  // namespace detail
}  // namespace nn
}  // namespace ember
