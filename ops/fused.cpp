// Fused elementwise programs (ember/detail/fused.hpp): the elements are cut into
// blocks that fit in the first-level cache; each step runs the op table's own SIMD loop
// (Contig<Op, T>) over one block, reading and writing registers that are either the
// inputs' and outputs' memory or scratch blocks. So a chain such as gelu(x * w + b)
// reads x, w, b and writes the result once, where eager ops write and read back two
// whole intermediate tensors.
#include "ember/detail/fused.hpp"

#include <unordered_map>

#include "ember/creation.hpp"
#include "src/core/dtype_dispatch.hpp"
#include "ops/elementwise.hpp"
#include "ops/functors.hpp"
#include "src/core/check.hpp"
#include "src/core/make_tensor.hpp"
#include "src/core/shape.hpp"
#include "ember/threads.hpp"

namespace ember {
namespace detail {

namespace {
using kernels::BinaryMode;
using kernels::Contig;

// Elements per block (a float32 register takes 1 KiB, a float64 one 2 KiB). Each step
// runs over a whole block before the next step starts, so the inputs are read in bursts
// with compute in between; short blocks keep loads in flight more of the time. On
// gelu(x * w + b) over 2^22 floats, one thread (Zen 4, AVX-512), CPU time per call:
// 128: 2.3-2.4 ms, 256: 2.2-2.5, 512: 2.6-2.9, 1024: 2.6-3.2 (eager: 3.6-4.2). Streaming
// (non-temporal) stores of the outputs and software prefetch of the next blocks were
// both slower there (3.0-3.9 and 2.7 ms).
constexpr int64_t kBlock = 256;

template <class T>
using UnaryBlock = void (*)(const T*, T*, int64_t);
template <class T>
using BinaryBlock = void (*)(const T*, const T*, T*, int64_t, BinaryMode);

template <class Op, class T>
void unary_block(const T* x, T* y, int64_t n) {
  Op op{};
  if (auto simd = Contig<Op, T>::unary)
    simd(op, x, y, n);
  else
    for (int64_t i = 0; i < n; ++i) y[i] = op(x[i]);
}
template <class Op, class T>
void binary_block(const T* a, const T* b, T* y, int64_t n, BinaryMode mode) {
  Op op{};
  if (auto simd = Contig<Op, T>::binary) return simd(op, a, b, y, n, mode);
  for (int64_t i = 0; i < n; ++i)
    y[i] = op(mode == BinaryMode::SV ? a[0] : a[i], mode == BinaryMode::VS ? b[0] : b[i]);
}

template <class T>
const std::unordered_map<std::string, UnaryBlock<T>>& unary_blocks() {
  static const std::unordered_map<std::string, UnaryBlock<T>> table = {
#define EMBER_UNARY_OP(NAME, FUNCTOR, DTYPE, GRAD, API, ...) {#NAME, &unary_block<kernels::FUNCTOR##Op<T>, T>},
#include "ember/detail/ops.def"
  };
  return table;
}
template <class T>
const std::unordered_map<std::string, BinaryBlock<T>>& binary_blocks() {
  static const std::unordered_map<std::string, BinaryBlock<T>> table = {
#define EMBER_BINARY_OP(NAME, FUNCTOR, DTYPE, GRAD, API, ...) {#NAME, &binary_block<kernels::FUNCTOR##Op<T>, T>},
#include "ember/detail/ops.def"
  };
  return table;
}

template <class T>
void run_typed(const FusedProgram& p, const std::vector<Tensor>& inputs, std::vector<Tensor>& outputs, int64_t n) {
  // Resolve each step's loop once per call.
  struct Resolved {
    UnaryBlock<T> unary = nullptr;
    BinaryBlock<T> binary = nullptr;
    T scalar = 0;
  };
  std::vector<Resolved> steps(p.steps.size());
  for (std::size_t i = 0; i < p.steps.size(); ++i) {
    const FusedStep& s = p.steps[i];
    const bool binary = s.b >= 0 || s.has_scalar;
    if (binary) {
      auto it = binary_blocks<T>().find(s.op);
      EMBER_CHECK(it != binary_blocks<T>().end(), "fused: '{}' is not a binary op of the op table", s.op);
      steps[i].binary = it->second;
      steps[i].scalar = static_cast<T>(s.scalar);
    } else {
      auto it = unary_blocks<T>().find(s.op);
      EMBER_CHECK(it != unary_blocks<T>().end(), "fused: '{}' is not a unary op of the op table", s.op);
      steps[i].unary = it->second;
    }
  }
  // Which output (if any) each register is written to.
  std::vector<int> out_of(static_cast<std::size_t>(p.registers), -1);
  for (std::size_t o = 0; o < p.outputs.size(); ++o) out_of[static_cast<std::size_t>(p.outputs[o])] = static_cast<int>(o);

  // Threads only above 16384 elements.
  parallel_for(0, (n + kBlock - 1) / kBlock, 16384 / kBlock, [&](int64_t first, int64_t last) {
    std::vector<T> scratch(static_cast<std::size_t>(p.registers * kBlock));
    std::vector<T*> reg(static_cast<std::size_t>(p.registers));
    for (int64_t blk = first; blk < last; ++blk) {
      const int64_t begin = blk * kBlock, len = std::min(kBlock, n - begin);
      for (int r = 0; r < p.registers; ++r) {
        const auto ru = static_cast<std::size_t>(r);
        if (r < p.inputs)
          reg[ru] = static_cast<T*>(inputs[ru].data_ptr()) + begin;
        else if (out_of[ru] >= 0)
          reg[ru] = static_cast<T*>(outputs[static_cast<std::size_t>(out_of[ru])].data_ptr()) + begin;
        else
          reg[ru] = scratch.data() + r * kBlock;
      }
      for (std::size_t i = 0; i < p.steps.size(); ++i) {
        const FusedStep& s = p.steps[i];
        const Resolved& r = steps[i];
        T* y = reg[static_cast<std::size_t>(s.out)];
        const T* a = reg[static_cast<std::size_t>(s.a)];
        if (r.unary)
          r.unary(a, y, len);
        else if (!s.has_scalar)
          r.binary(a, reg[static_cast<std::size_t>(s.b)], y, len, BinaryMode::VV);
        else if (s.scalar_first)
          r.binary(&r.scalar, a, y, len, BinaryMode::SV);
        else
          r.binary(a, &r.scalar, y, len, BinaryMode::VS);
      }
    }
  });
}
}  // namespace

bool fusable_unary(const std::string& op) { return unary_blocks<float>().count(op) != 0; }
bool fusable_binary(const std::string& op) { return binary_blocks<float>().count(op) != 0; }

std::vector<Tensor> run_fused(const FusedProgram& p, const std::vector<Tensor>& inputs) {
  EMBER_CHECK(p.inputs >= 1 && static_cast<std::size_t>(p.inputs) == inputs.size(),
              "fused: the program takes {} inputs, got {}", p.inputs, inputs.size());
  const Tensor& first = inputs[0];
  check_defined(first, "fused", "input 0");
  EMBER_CHECK(first.dtype() == kFloat32 || first.dtype() == kFloat64, "fused: inputs must be float32 or float64, got {}",
              first.dtype());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    check_defined(inputs[i], "fused", "an input");
    EMBER_CHECK(inputs[i].sizes() == first.sizes() && inputs[i].dtype() == first.dtype(),
                "fused: input {} has shape {} and dtype {}, input 0 has {} and {}", i, inputs[i].sizes(),
                inputs[i].dtype(), first.sizes(), first.dtype());
  }
  for (const FusedStep& s : p.steps)
    EMBER_CHECK(s.out >= p.inputs && s.out < p.registers && s.a >= 0 && s.a < s.out && s.b < s.out,
                "fused: step {} reads or writes a register out of order (out {}, a {}, b {}, {} registers)", s.op,
                s.out, s.a, s.b, p.registers);
  for (int r : p.outputs)
    EMBER_CHECK(r >= p.inputs && r < p.registers, "fused: output register {} is not written by a step", r);
  std::vector<Tensor> contiguous;
  for (const Tensor& t : inputs) contiguous.push_back(t.is_contiguous() ? t : kernels::contiguous_as(t, t.dtype()));
  std::vector<Tensor> outputs;
  for (std::size_t o = 0; o < p.outputs.size(); ++o) outputs.push_back(empty_tensor(first.sizes(), first.dtype()));
  EMBER_DISPATCH_FLOAT(first.dtype(), [&] { run_typed<T>(p, contiguous, outputs, first.numel()); });
  return outputs;
}

}  // namespace detail
}  // namespace ember
