// Fused elementwise programs (ember/detail/fused.hpp): the elements are cut into
// blocks that fit in the first-level cache; each step runs the op table's own SIMD loop
// (Contig<Op, T>) over one block, reading and writing registers that are either the
// inputs' and outputs' memory or scratch blocks. So a chain such as gelu(x * w + b)
// reads x, w, b and writes the result once, where eager ops write and read back two
// whole intermediate tensors.
#include "ember/detail/fused.hpp"

#include <algorithm>
#include <unordered_map>

#include "ember/creation.hpp"
#include "src/core/dtype_dispatch.hpp"
#include "ops/elementwise.hpp"
#include "ops/functors.hpp"
#include "ops/simd/chain.hpp"
#include "src/core/check.hpp"
#include "src/core/make_tensor.hpp"
#include "src/core/shape.hpp"
#include "ember/threads.hpp"
#include "ops/blas.hpp"

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
using MulAddUnary = void (*)(const T*, const T*, const T*, T*, int64_t);
template <class T>
const std::unordered_map<std::string, MulAddUnary<T>>& mul_add_unary_chains() {
  static const std::unordered_map<std::string, MulAddUnary<T>> table = {
#define EMBER_UNARY_OP(NAME, FUNCTOR, DTYPE, GRAD, API, ...) \
  {#NAME, kernels::ContigChain<kernels::FUNCTOR##Op<T>, T>::mul_add_unary},
#include "ember/detail/ops.def"
  };
  return table;
}

// The chain op(a * b + c) over three inputs with one output, the shape of a linear
// layer's elementwise form followed by an activation: the loop for it, else null.
template <class T>
MulAddUnary<T> match_mul_add_unary(const FusedProgram& p, int (&abc)[3]) {
  if (p.inputs != 3 || p.steps.size() != 3 || p.outputs.size() != 1) return nullptr;
  const FusedStep &mul = p.steps[0], &add = p.steps[1], &act = p.steps[2];
  const auto is_input = [&](int r) { return r >= 0 && r < p.inputs; };
  if (mul.op != "mul" || mul.has_scalar || !is_input(mul.a) || !is_input(mul.b)) return nullptr;
  if (add.op != "add" || add.has_scalar || (add.a == mul.out) == (add.b == mul.out)) return nullptr;
  const int c = add.a == mul.out ? add.b : add.a;
  if (!is_input(c) || act.b >= 0 || act.has_scalar || act.a != add.out || p.outputs[0] != act.out) return nullptr;
  auto it = mul_add_unary_chains<T>().find(act.op);
  if (it == mul_add_unary_chains<T>().end()) return nullptr;
  abc[0] = mul.a;
  abc[1] = mul.b;
  abc[2] = c;
  return it->second;
}

template <class T>
void run_typed(const FusedProgram& p, const std::vector<Tensor>& inputs, std::vector<Tensor>& outputs, int64_t n) {
  int abc[3];
  if (MulAddUnary<T> chain = match_mul_add_unary<T>(p, abc)) {
    const T* a = static_cast<const T*>(inputs[static_cast<std::size_t>(abc[0])].data_ptr());
    const T* b = static_cast<const T*>(inputs[static_cast<std::size_t>(abc[1])].data_ptr());
    const T* c = static_cast<const T*>(inputs[static_cast<std::size_t>(abc[2])].data_ptr());
    T* y = static_cast<T*>(outputs[0].data_ptr());
    parallel_for(0, n, 16384, [&](int64_t first, int64_t last) {
      chain(a + first, b + first, c + first, y + first, last - first);
    });
    return;
  }
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

namespace {
// The checks run_fused and run_fused_into share: the program is well formed and the
// inputs are float32 or float64 tensors of one shape and dtype.
void check_program(const FusedProgram& p, const std::vector<Tensor>& inputs) {
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
}

void run_checked(const FusedProgram& p, const std::vector<Tensor>& inputs, std::vector<Tensor>& outputs) {
  std::vector<Tensor> contiguous;
  for (const Tensor& t : inputs) contiguous.push_back(t.is_contiguous() ? t : kernels::contiguous_as(t, t.dtype()));
  const Tensor& first = inputs[0];
  EMBER_DISPATCH_FLOAT(first.dtype(), [&] { run_typed<T>(p, contiguous, outputs, first.numel()); });
}
}  // namespace

std::vector<Tensor> run_fused(const FusedProgram& p, const std::vector<Tensor>& inputs) {
  check_program(p, inputs);
  std::vector<Tensor> outputs;
  for (std::size_t o = 0; o < p.outputs.size(); ++o) outputs.push_back(empty_tensor(inputs[0].sizes(), inputs[0].dtype()));
  run_checked(p, inputs, outputs);
  return outputs;
}

void run_fused_into(const FusedProgram& p, const std::vector<Tensor>& inputs, std::vector<Tensor>& outputs) {
  check_program(p, inputs);
  EMBER_CHECK(outputs.size() == p.outputs.size(), "fused: the program writes {} outputs, got {} tensors to write",
              p.outputs.size(), outputs.size());
  for (std::size_t o = 0; o < outputs.size(); ++o)
    EMBER_CHECK(outputs[o].defined() && outputs[o].is_contiguous() && outputs[o].numel() == inputs[0].numel() &&
                    outputs[o].dtype() == inputs[0].dtype(),
                "fused: output {} must be a contiguous {} tensor of {} elements (the inputs' shape {}), got {} {}", o,
                inputs[0].dtype(), inputs[0].numel(), inputs[0].sizes(), outputs[o].dtype(),
                outputs[o].defined() ? outputs[o].sizes() : IntArrayRef());
  run_checked(p, inputs, outputs);
}

// ---- linear with its epilogue ----

bool epilogue_activation(const std::string& op) { return op == "none" || fusable_unary(op); }

namespace {
// Rows per GEMM: a panel of at least 64 rows (fewer GEMM calls than that cost BLAS
// its blocking), else as many rows as fill about 256 KiB, so that the epilogue finds
// the panel in the second-level cache right after the GEMM wrote it.
template <class T>
int64_t panel_rows(int64_t n) {
  const int64_t fit = static_cast<int64_t>(256 * 1024 / sizeof(T)) / std::max<int64_t>(n, 1);
  return std::max<int64_t>(64, fit);
}

template <class T>
void linear_epilogue_typed(const T* x, const T* w, const T* b, T* y, int64_t m, int64_t k, int64_t n,
                           bool weight_out_in, UnaryBlock<T> act) {
  const int64_t panel = panel_rows<T>(n);
  for (int64_t r0 = 0; r0 < m; r0 += panel) {
    const int64_t rows = std::min(panel, m - r0);
    T* yp = y + r0 * n;
    // The bias goes in first and the GEMM adds the product to it (beta = 1): one pass
    // over the panel fewer than clearing it for the GEMM and adding the bias after.
    if (b)
      for (int64_t i = 0; i < rows; ++i) std::copy(b, b + n, yp + i * n);
    blas::gemm("linear_epilogue", false, weight_out_in, rows, n, k, T(1), x + r0 * k, k, w, weight_out_in ? k : n,
               b ? T(1) : T(0), yp, n);
    if (!act) continue;
    // The activation, a block of about kBlock elements at a time.
    const int64_t len = rows * n;
    parallel_for(0, (len + kBlock - 1) / kBlock, 16, [&](int64_t first, int64_t last) {
      for (int64_t blk = first; blk < last; ++blk) {
        const int64_t begin = blk * kBlock;
        act(yp + begin, yp + begin, std::min(kBlock, len - begin));
      }
    });
  }
}
}  // namespace

Tensor linear_epilogue(const Tensor& input, const Tensor& weight, const Tensor& bias, bool weight_out_in,
                       const std::string& activation, const Tensor& out) {
  const char* op = "linear_epilogue";
  check_defined(input, op, "input");
  check_defined(weight, op, "weight");
  const Dtype dt = input.dtype();
  EMBER_CHECK(dt == kFloat32 || dt == kFloat64, "{}: input must be float32 or float64, got {}", op, dt);
  EMBER_CHECK(weight.dim() == 2 && weight.dtype() == dt, "{}: expected a 2-d {} weight, got {} {}", op, dt,
              weight.dtype(), weight.sizes());
  const int64_t k = weight.size(weight_out_in ? 1 : 0), n = weight.size(weight_out_in ? 0 : 1);
  EMBER_CHECK(input.dim() >= 1 && input.size(-1) == k,
              "{}: input of shape {} must have {} in its last dim (weight shape {})", op, input.sizes(), k,
              weight.sizes());
  if (bias.defined())
    EMBER_CHECK(bias.numel() == n && bias.dtype() == dt, "{}: expected a {} bias of {} elements, got {} {}", op, dt,
                n, bias.dtype(), bias.sizes());
  EMBER_CHECK(epilogue_activation(activation), "{}: '{}' is not an activation of the op table", op, activation);
  Shape out_sizes(input.sizes().begin(), input.sizes().end());
  out_sizes.back() = n;
  int64_t rows = 1;  // the leading dims, folded
  for (int64_t d = 0; d + 1 < input.dim(); ++d) rows *= input.size(d);
  Tensor y = out;
  if (y.defined())
    EMBER_CHECK(y.is_contiguous() && y.dtype() == dt && y.numel() == rows * n,
                "{}: the output must be a contiguous {} tensor of shape {}, got {} {}", op, dt, IntArrayRef(out_sizes),
                y.dtype(), y.sizes());
  else
    y = empty_tensor(out_sizes, dt);
  // References where the operand is contiguous already: a copy of the handle would
  // change the shared weight's reference count in every call, from every serving
  // thread at once.
  Tensor x_copy, w_copy, b_copy;
  auto contig = [](const Tensor& t, Tensor& copy) -> const Tensor& {
    if (!t.defined() || t.is_contiguous()) return t;
    copy = kernels::contiguous_as(t, t.dtype());
    return copy;
  };
  const Tensor& x = contig(input, x_copy);
  const Tensor& w = contig(weight, w_copy);
  const Tensor& b = contig(bias, b_copy);
  EMBER_DISPATCH_FLOAT(dt, [&] {
    UnaryBlock<T> act = activation == "none" ? nullptr : unary_blocks<T>().at(activation);
    linear_epilogue_typed<T>(static_cast<const T*>(x.data_ptr()), static_cast<const T*>(w.data_ptr()),
                             b.defined() ? static_cast<const T*>(b.data_ptr()) : nullptr,
                             static_cast<T*>(y.data_ptr()), rows, k, n, weight_out_in, act);
  });
  return y;
}

}  // namespace detail
}  // namespace ember
