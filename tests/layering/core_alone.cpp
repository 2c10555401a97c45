// Linked from the core floor's objects alone (no kernels, no autograd): if a core file
// called up into ops/ or autograd/, this program would not link. It also checks that
// what the core offers works on its own.
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "ember/error.hpp"
#include "ember/tensor.hpp"
#include "src/core/autograd_hooks.hpp"
#include "src/core/make_tensor.hpp"

namespace {
int failures = 0;
void expect(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "layering (core alone): %s\n", what);
    ++failures;
  }
}
}  // namespace

int main() {
  using ember::Tensor;
  Tensor t = ember::detail::empty_tensor({2, 3}, ember::kFloat32);
  float* p = t.data_ptr<float>();
  for (int i = 0; i < 6; ++i) p[i] = static_cast<float>(i);
  expect(t.size(-1) == 3 && t.stride(0) == 3, "size(-1) and stride(0) of a 2x3 tensor");
  // A transposed view read through tolist: the core walks strides itself.
  Tensor v = ember::detail::make_view(t, {3, 2}, {1, 3}, 0);
  expect(v.tolist<float>() == std::vector<float>({0, 3, 1, 4, 2, 5}), "tolist of a transposed view");
  expect(ember::detail::make_view(t, {}, {}, 4).item<float>() == 4.0f, "item of one element");

  std::ostringstream os;
  os << t;
  expect(os.str().find("[3., 4., 5.]") != std::string::npos, "printing a tensor");
  expect(os.str().find("grad") == std::string::npos, "no autograd text without autograd");

  Tensor u = ember::detail::empty_tensor({4}, ember::kFloat64);
  Tensor alias = t;
  alias.set_data(u);
  expect(t.dim() == 1 && t.dtype() == ember::kFloat64, "set_data is seen through every handle");

  bool threw = false;
  try {
    ember::detail::set_requires_grad(t, true, "ones");
  } catch (const ember::Error& e) {
    threw = std::string(e.what()).find("autograd") != std::string::npos;
  }
  expect(threw, "requires_grad without the autograd floor is an ember::Error");
  if (failures == 0) std::puts("core alone: ok");
  return failures == 0 ? 0 : 1;
}
