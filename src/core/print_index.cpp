// Printing of slices and tensor indices, in LibTorch's form (torch::indexing's
// operator<<), so that messages and logs read the same in both.
#include <limits>
#include <ostream>

#include "ember/indexing.hpp"

namespace ember {
namespace indexing {

std::ostream& operator<<(std::ostream& os, const Slice& slice) {
  // LibTorch keeps no None in a slice: it stores these stand-ins and prints them.
  const int64_t step = slice.step().value_or(1);
  const int64_t start = slice.start().value_or(step < 0 ? std::numeric_limits<int64_t>::max() : 0);
  const int64_t stop = slice.stop().value_or(step < 0 ? std::numeric_limits<int64_t>::min()
                                                      : std::numeric_limits<int64_t>::max());
  return os << start << ":" << stop << ":" << step;
}

std::ostream& operator<<(std::ostream& os, const TensorIndex& index) {
  switch (index.kind()) {
    case TensorIndex::Kind::None: return os << "None";
    case TensorIndex::Kind::Ellipsis: return os << "...";
    case TensorIndex::Kind::Integer: return os << index.integer();
    case TensorIndex::Kind::Boolean: return os << (index.boolean() ? "true" : "false");
    case TensorIndex::Kind::Slice: return os << index.slice();
    case TensorIndex::Kind::Tensor: return os << index.tensor();
  }
  return os;
}

std::ostream& operator<<(std::ostream& os, const std::vector<TensorIndex>& indices) {
  os << "(";
  for (std::size_t i = 0; i < indices.size(); ++i) os << (i ? ", " : "") << indices[i];
  return os << ")";
}

}  // namespace indexing
}  // namespace ember
