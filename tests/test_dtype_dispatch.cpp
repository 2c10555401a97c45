// Dtype dispatch (src/core/dtype_dispatch.hpp): each dtype binds its own C++ type, and a
// dtype a kernel does not handle throws instead of being read as another type (float
// dispatch once treated every non-float32 dtype as double).
#include <typeindex>

#include "helpers.hpp"
#include "src/core/dtype_dispatch.hpp"

using Catch::Matchers::Contains;

namespace ember {
namespace {

std::type_index float_type_of(Dtype dt) {
  return EMBER_DISPATCH_FLOAT(dt, [&] { return std::type_index(typeid(T)); });
}
std::type_index any_type_of(Dtype dt) {
  return EMBER_DISPATCH_ALL(dt, [&] { return std::type_index(typeid(T)); });
}

}  // namespace
}  // namespace ember

TEST_CASE("float dispatch binds float32 and float64 and refuses the other dtypes", "[dispatch]") {
  CHECK(ember::float_type_of(ember::kFloat32) == std::type_index(typeid(float)));
  CHECK(ember::float_type_of(ember::kFloat64) == std::type_index(typeid(double)));
  for (ember::Dtype dt : {ember::kInt64, ember::kBool}) {
    INFO(ember::dtype_name(dt));
    CHECK_THROWS_AS(ember::float_type_of(dt), ember::Error);
    CHECK_THROWS_WITH(ember::float_type_of(dt),
                      Contains("float_type_of: internal error") &&
                          Contains(std::string("dtype ") + ember::dtype_name(dt) + " reached"));
  }
}

TEST_CASE("dispatch over all dtypes binds each to its own type", "[dispatch]") {
  CHECK(ember::any_type_of(ember::kFloat32) == std::type_index(typeid(float)));
  CHECK(ember::any_type_of(ember::kFloat64) == std::type_index(typeid(double)));
  CHECK(ember::any_type_of(ember::kInt64) == std::type_index(typeid(int64_t)));
  CHECK(ember::any_type_of(ember::kBool) == std::type_index(typeid(bool)));
}

TEST_CASE("float-only kernels are reached only after their ops check the dtype", "[dispatch]") {
  // Integer inputs to these ops either compute in float (PyTorch's rule) or fail with
  // the op's own error; none reaches a float kernel as an int64 tensor.
  ember::Tensor i = ember::arange(6, ember::kInt64).reshape({1, 1, 2, 3});
  CHECK(ember::exp(i).dtype() == ember::kFloat32);
  CHECK_THROWS_WITH(ember::softmax(i, 1), Contains("softmax") && !Contains("internal error"));
  CHECK_THROWS_WITH(ember::nn::functional::max_pool2d(i, {2, 2}), !Contains("internal error"));
  CHECK_THROWS_WITH(ember::var(i, true), !Contains("internal error"));
  CHECK_THROWS_WITH(ember::mean(i), Contains("mean") && !Contains("internal error"));
}
