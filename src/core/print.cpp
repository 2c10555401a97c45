// Printing in PyTorch's layout (torch/_tensor_str.py): the same number formatting, the
// same line wrapping at 80 columns, the same summary of large tensors and the same
// suffixes, so that a PyTorch user reads ember's output without a second thought:
//
//   tensor([[ 1.0000, -2.5000],
//           [ 3.0000,  4.0000]], requires_grad=True)
//
// The printer reads the tensor's memory directly through its strides instead of
// calling select/slice: printing must never record anything for autograd, and it works
// the same for every view.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "ember/tensor.hpp"
#include "src/core/dtype_dispatch.hpp"
#include "src/core/autograd_hooks.hpp"
#include "src/core/print_detail.hpp"

namespace ember {
namespace {

// PyTorch's default print options.
constexpr int kPrecision = 4;
constexpr int64_t kThreshold = 1000;  // summarise tensors with more elements than this
constexpr int64_t kEdgeItems = 3;     // elements kept at each end of a summarised dim
constexpr int64_t kLineWidth = 80;

std::string printf_double(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, kPrecision, v);
  return buf;
}

// Python's float formatting: non-finite values are "nan", "inf", "-inf" whatever the
// format (printf would print a negative NaN as "-nan").
std::string nonfinite(double v) { return std::isnan(v) ? "nan" : v > 0 ? "inf" : "-inf"; }
std::string fixed(double v) { return std::isfinite(v) ? printf_double("%.*f", v) : nonfinite(v); }
std::string scientific(double v) { return std::isfinite(v) ? printf_double("%.*e", v) : nonfinite(v); }
std::string integral(double v) {
  if (!std::isfinite(v)) return nonfinite(v);
  char buf[400];  // "%.0f" of the largest double has 309 digits
  std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

// The tensor's memory as seen through its sizes and strides.
struct View {
  const char* data;
  Dtype dtype;
  int64_t item_size;
  IntArrayRef sizes;
  IntArrayRef strides;

  double real(const char* p) const {
    return EMBER_DISPATCH_EVERY(dtype, [&] { return element_cast<double>(*reinterpret_cast<const T*>(p)); });
  }
  int64_t integer(const char* p) const {
    return EMBER_DISPATCH_EVERY(dtype, [&] { return element_cast<int64_t>(*reinterpret_cast<const T*>(p)); });
  }
  const char* step(const char* p, int64_t dim, int64_t i) const { return p + i * strides[dim] * item_size; }
};

// The indices of a dim that get printed (declared in print_detail.hpp for repr_html).
using Shown = detail::PrintedIndices;
Shown shown(int64_t n, bool summarize) {
  Shown s;
  if (summarize && n > 2 * kEdgeItems) {
    for (int64_t i = 0; i < kEdgeItems; ++i) s.index.push_back(i);
    s.gap = kEdgeItems;
    for (int64_t i = n - kEdgeItems; i < n; ++i) s.index.push_back(i);
  } else {
    for (int64_t i = 0; i < n; ++i) s.index.push_back(i);
  }
  return s;
}

// Every element that gets printed, for the formatter to size its columns on.
void collect(const View& v, const char* p, std::size_t dim, bool summarize, std::vector<const char*>& out) {
  if (dim == v.sizes.size()) {
    out.push_back(p);
    return;
  }
  for (int64_t i : shown(v.sizes[dim], summarize).index) collect(v, v.step(p, dim, i), dim + 1, summarize, out);
}

// PyTorch's _Formatter: one number format and one width for the whole tensor, chosen
// from the printed elements, so that columns line up.
class Formatter {
 public:
  Formatter(const View& v, const std::vector<const char*>& elements) : view_(v) {
    if (!is_floating_point(v.dtype)) {
      for (const char* p : elements) width_ = std::max(width_, text(p).size());
      return;
    }
    // Zeros and non-finite values never decide the format.
    std::vector<double> values;
    for (const char* p : elements) {
      double x = v.real(p);
      if (std::isfinite(x) && x != 0) values.push_back(x);
    }
    if (values.empty()) return;
    double lo = std::fabs(values[0]), hi = lo;
    for (double x : values) {
      lo = std::min(lo, std::fabs(x));
      hi = std::max(hi, std::fabs(x));
      if (x != std::ceil(x)) int_mode_ = false;
    }
    // Integers print as "3." unless their magnitudes are far apart; other numbers print
    // with 4 decimals unless some would lose all their digits.
    sci_mode_ = hi / lo > 1000. || hi > 1.e8 || (!int_mode_ && lo < 1.e-4);
    for (double x : values) {
      std::size_t w = sci_mode_ ? scientific(x).size() : int_mode_ ? integral(x).size() + 1 : fixed(x).size();
      width_ = std::max(width_, w);
    }
  }

  std::size_t width() const { return width_; }

  // The element at p, right-aligned to the common width.
  std::string format(const char* p) const {
    std::string s = text(p);
    return s.size() < width_ ? std::string(width_ - s.size(), ' ') + s : s;
  }

  // The element at p in the common number format, unpadded.
  std::string text(const char* p) const {
    switch (view_.dtype) {
      case Dtype::Bool: return *reinterpret_cast<const bool*>(p) ? "True" : "False";
      default:
        if (!is_floating_point(view_.dtype)) return std::to_string(view_.integer(p));
        break;
    }
    double x = view_.real(p);
    if (sci_mode_) return scientific(x);
    if (int_mode_) return std::isfinite(x) ? integral(x) + "." : nonfinite(x);
    return fixed(x);
  }

 private:
  const View& view_;
  bool int_mode_ = true;
  bool sci_mode_ = false;
  std::size_t width_ = 1;
};

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
  return out;
}

// _tensor_str_with_formatter: the bracketed body of the sub-tensor at p from `dim` on.
// `indent` is the column the opening bracket sits at.
std::string body(const View& v, const Formatter& f, const char* p, std::size_t dim, int64_t indent, bool summarize) {
  std::size_t ndim = v.sizes.size();
  if (dim == ndim) return f.format(p);
  Shown s = shown(v.sizes[dim], summarize);

  if (dim + 1 == ndim) {
    // A row: as many elements per line as fit, continuation lines under the first.
    std::vector<std::string> items;
    for (std::size_t k = 0; k < s.index.size(); ++k) {
      if (static_cast<std::ptrdiff_t>(k) == s.gap) items.push_back(" ...");
      items.push_back(f.format(v.step(p, dim, s.index[k])));
    }
    int64_t item_width = static_cast<int64_t>(f.width()) + 2;
    int64_t per_line = std::max<int64_t>(1, (kLineWidth - indent) / item_width);
    std::vector<std::string> lines;
    for (std::size_t k = 0; k < items.size(); k += static_cast<std::size_t>(per_line)) {
      auto end = std::min(items.size(), k + static_cast<std::size_t>(per_line));
      lines.push_back(join(std::vector<std::string>(items.begin() + k, items.begin() + end), ", "));
    }
    return "[" + join(lines, ",\n" + std::string(indent + 1, ' ')) + "]";
  }

  // Higher dims: one sub-block per index, separated by as many blank lines as the
  // sub-blocks have dims minus one.
  std::vector<std::string> blocks;
  for (std::size_t k = 0; k < s.index.size(); ++k) {
    if (static_cast<std::ptrdiff_t>(k) == s.gap) blocks.push_back("...");
    blocks.push_back(body(v, f, v.step(p, dim, s.index[k]), dim + 1, indent + 1, summarize));
  }
  std::string sep = "," + std::string(ndim - dim - 1, '\n') + std::string(indent + 1, ' ');
  return "[" + join(blocks, sep) + "]";
}

// Python's str(tuple): "(0, 3)".
std::string tuple_text(IntArrayRef sizes) {
  std::string out = "(";
  for (std::size_t i = 0; i < sizes.size(); ++i) out += (i ? ", " : "") + std::to_string(sizes[i]);
  return out + (sizes.size() == 1 ? ",)" : ")");
}

// _add_suffixes: ", suffix" on the last line while it fits in 80 columns, else on a
// new line under the opening parenthesis.
std::string add_suffixes(std::string text, const std::vector<std::string>& suffixes, int64_t indent) {
  std::size_t newline = text.rfind('\n');
  int64_t last_line = static_cast<int64_t>(text.size()) -
                      (newline == std::string::npos ? -1 : static_cast<int64_t>(newline)) + 1;
  for (const std::string& s : suffixes) {
    int64_t len = static_cast<int64_t>(s.size());
    if (last_line + len + 2 > kLineWidth) {
      text += ",\n" + std::string(indent, ' ') + s;
      last_line = indent + len;
    } else {
      text += ", " + s;
      last_line += len + 2;
    }
  }
  return text + ")";
}

View view_of(const Tensor& t) {
  return View{static_cast<const char*>(t.data_ptr()), t.dtype(), t.element_size(), t.sizes(), t.strides()};
}

std::string tensor_text(const Tensor& t) {
  const std::string prefix = "tensor(";
  const int64_t indent = static_cast<int64_t>(prefix.size());
  std::vector<std::string> suffixes;
  std::string contents;
  Dtype dt = t.dtype();
  // PyTorch names dtypes as "torch.float64"; ember prints the dtype's own name.
  const std::string dtype_suffix = std::string("dtype=") + dtype_name(dt);

  if (t.numel() == 0) {
    // No elements to tell the dtype by, so it is named unless it is the default.
    if (t.dim() != 1) suffixes.push_back("size=" + tuple_text(t.sizes()));
    if (dt != get_default_dtype()) suffixes.push_back(dtype_suffix);
    contents = "[]";
  } else {
    // Integers and bools show their dtype in how they print; floats other than the
    // default one are named.
    if (dt != get_default_dtype() && dt != Dtype::Int64 && dt != Dtype::Bool) suffixes.push_back(dtype_suffix);
    View v = view_of(t);
    bool summarize = detail::print_summarizes(t);
    std::vector<const char*> elements;
    collect(v, v.data, 0, summarize, elements);
    Formatter f(v, elements);
    contents = body(v, f, v.data, 0, indent, summarize);
  }

  std::string grad = detail::grad_text(t);
  if (!grad.empty()) suffixes.push_back(grad);
  return add_suffixes(prefix + contents, suffixes, indent);
}

const char* tensor_type_name(Dtype d) {
  switch (d) {
    case Dtype::Bool: return "BoolTensor";
    case Dtype::Int64: return "LongTensor";
    case Dtype::Float32: return "FloatTensor";
    case Dtype::Float64: return "DoubleTensor";
    case Dtype::Int32: return "IntTensor";
    case Dtype::Int16: return "ShortTensor";
    case Dtype::Int8: return "CharTensor";
    case Dtype::UInt8: return "ByteTensor";
    case Dtype::Float16: return "HalfTensor";
    case Dtype::BFloat16: return "BFloat16Tensor";
  }
  return "Tensor";
}

}  // namespace

namespace detail {

// "mul" -> "MulBackward0", "log_softmax" -> "LogSoftmaxBackward0": the class names
// PyTorch users know from grad_fn.
std::string backward_name(const std::string& op) {
  if (!op.empty() && std::isupper(static_cast<unsigned char>(op[0]))) return op;  // already a class name
  std::string out;
  bool upper = true;
  for (char c : op) {
    if (!std::isalnum(static_cast<unsigned char>(c))) {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return out + "Backward0";
}


PrintedIndices printed_indices(int64_t n, bool summarize) { return shown(n, summarize); }

bool print_summarizes(const Tensor& t) { return t.numel() > kThreshold; }

std::vector<std::string> printed_elements(const Tensor& t) {
  std::vector<std::string> out;
  if (t.numel() == 0) return out;
  View v = view_of(t);
  std::vector<const char*> elements;
  collect(v, v.data, 0, print_summarizes(t), elements);
  Formatter f(v, elements);
  out.reserve(elements.size());
  for (const char* p : elements) out.push_back(f.text(p));
  return out;
}

std::string grad_text(const Tensor& t) {
  const AutogradHooks& hooks = autograd_hooks();
  std::string op = hooks.grad_fn_name ? hooks.grad_fn_name(t) : std::string();
  if (!op.empty()) return "grad_fn=<" + backward_name(op) + ">";
  if (hooks.requires_grad && hooks.requires_grad(t)) return "requires_grad=True";
  return "";
}

std::string sizes_text(IntArrayRef sizes) { return tuple_text(sizes); }

}  // namespace detail

std::ostream& operator<<(std::ostream& os, const Tensor& t) {
  if (!t.defined()) return os << "[ Tensor (undefined) ]";
  return os << tensor_text(t);
}

std::ostream& operator<<(std::ostream& os, IntArrayRef s) {
  os << "[";
  for (std::size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
  return os << "]";
}

std::ostream& operator<<(std::ostream& os, Dtype d) { return os << dtype_name(d); }

std::string Tensor::toString() const {
  if (!defined()) return "ember.UndefinedTensor";
  std::ostringstream os;
  os << "ember." << tensor_type_name(dtype()) << " " << sizes();
  return os.str();
}

}  // namespace ember
