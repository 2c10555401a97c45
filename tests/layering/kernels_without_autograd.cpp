// Linked from the core and kernel floors' objects, without autograd/: if a kernel called
// an autograd-aware Tensor method (to, zero_, contiguous, ...), this program would not
// link. It also runs a few kernels and factories to show they work on their own.
#include <cstdio>
#include <string>
#include <vector>

#include "ember/creation.hpp"
#include "ember/error.hpp"
#include "ops/elementwise.hpp"

namespace {
int failures = 0;
void expect(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "layering (kernels without autograd): %s\n", what);
    ++failures;
  }
}
}  // namespace

int main() {
  namespace k = ember::kernels;
  ember::Tensor a = ember::arange(0, 6, ember::kFloat32);
  ember::Tensor b = ember::full({6}, 2.0, ember::kFloat32);
  ember::Tensor sum = k::binary(k::Binary::Add, a, b);
  expect(sum.tolist<float>() == std::vector<float>({2, 3, 4, 5, 6, 7}), "arange(6) + 2 through the add kernel");
  ember::Tensor small = k::compare(k::Compare::Lt, a, 3.0);
  expect(small.dtype() == ember::kBool && small.tolist<int64_t>() == std::vector<int64_t>({1, 1, 1, 0, 0, 0}),
         "arange(6) < 3 through the compare kernel");
  ember::Tensor both = k::logical(k::Logical::And, a, small);
  expect(both.tolist<int64_t>() == std::vector<int64_t>({0, 1, 1, 0, 0, 0}), "logical_and of float and bool");

  bool threw = false;
  try {
    ember::ones({2}, ember::requires_grad());
  } catch (const ember::Error& e) {
    threw = std::string(e.what()).find("autograd") != std::string::npos;
  }
  expect(threw, "a factory asked for requires_grad without the autograd floor throws ember::Error");
  if (failures == 0) std::puts("kernels without autograd: ok");
  return failures == 0 ? 0 : 1;
}
