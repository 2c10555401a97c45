// The hook through which ember's ops report themselves to a tracer (ember::jit::trace).
// Not part of <ember/ember.hpp>: only the jit library and its tests include it.
//
// While a tracer is installed on a thread, every primitive op that thread runs (one
// that computes with a kernel rather than by calling other public ops) calls
// `OpTracer::record` once, after computing, with its PyTorch name, its tensor inputs
// (an undefined Tensor for an absent optional input such as a missing bias), its
// outputs and its non-tensor arguments as named attributes. Reading a value back into
// C++ (`item`, `tolist`) calls `read_back`. An in-place op is recorded as its
// out-of-place form, after which the tensor it changed stands for the result (`alias`). With no tracer installed an op pays one
// thread-local load and a branch.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <string>
#include <variant>
#include <vector>

#include "ember/dtype.hpp"
#include "ember/scalar.hpp"

namespace ember {
class Tensor;
namespace detail {

// A non-tensor argument of an op, as the op received it (after defaults);
// std::monostate is an absent optional argument (PyTorch's None).
using AttrValue = std::variant<std::monostate, int64_t, double, bool, std::vector<int64_t>, std::string, Scalar, Dtype>;
struct Attr {
  const char* name;
  AttrValue value;
};

class OpTracer {
 public:
  virtual ~OpTracer() = default;
  virtual void record(const char* op, std::initializer_list<Tensor> inputs, std::initializer_list<Tensor> outputs,
                      std::initializer_list<Attr> attrs) = 0;
  // Variadic forms (cat, stack, multi-output ops).
  virtual void record_list(const char* op, const std::vector<Tensor>& inputs, const std::vector<Tensor>& outputs,
                           std::initializer_list<Attr> attrs) = 0;
  // From now on `t` holds the value `same_as` holds (an in-place op wrote it there,
  // or t is a copy made for the op).
  virtual void alias(const Tensor& t, const Tensor& same_as) = 0;
  // A traced tensor's value was read into C++ (`api` is "item", "tolist", ...): the
  // trace cannot follow it, so whatever the program does with it is baked in.
  virtual void read_back(const char* api, const Tensor& t) = 0;
};

// The calling thread's tracer, or null. Installing one is the jit library's business
// (ember::jit::trace installs its own for the duration of one call).
OpTracer* current_tracer();
void set_current_tracer(OpTracer* tracer);

}  // namespace detail
}  // namespace ember
