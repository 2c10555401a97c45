// The one exception type ember throws for user mistakes. Its message names the op and
// the shapes and dtypes involved, e.g.
//   matmul: cannot multiply [2, 3] by [4, 5]: inner sizes 3 and 4 differ
#pragma once
#include <stdexcept>
#include <string>

namespace ember {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace ember
