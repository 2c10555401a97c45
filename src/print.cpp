// Placeholder until printing is written.
#include <ostream>

#include "ember/tensor.hpp"

namespace ember {
std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << "tensor(" << t.numel() << " elements)"; }
std::ostream& operator<<(std::ostream& os, IntArrayRef s) {
  os << "[";
  for (std::size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
  return os << "]";
}
std::ostream& operator<<(std::ostream& os, Dtype d) { return os << dtype_name(d); }
std::string Tensor::toString() const { return "tensor"; }
}  // namespace ember
