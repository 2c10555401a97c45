#include "ops/conv_winograd.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "ops/sgemm_onednn.hpp"
#include "ops/winograd_f43.hpp"
#include "ember/version.hpp"
#include "src/core/check.hpp"
#include "src/core/make_tensor.hpp"
#include "src/core/parallel.hpp"

#ifdef EMBER_HAVE_DNNL
#include <oneapi/dnnl/dnnl.hpp>

#include "ops/onednn_one_thread.hpp"
#endif

namespace ember {
namespace kernels {
namespace winograd {

namespace {

bool switched_on() {
  static const bool on = [] {
    const char* e = std::getenv("EMBER_CONV_WINOGRAD");
    return !(e && std::strcmp(e, "0") == 0);
  }();
  return on;
}

// The fewest output positions (images x output rows x columns) a call, or a thread's
// share of one, needs on oneDNN's kernel: below that, im2col + GEMM measured faster (a
// single 28x28 image, 784 positions, took 8 ms on oneDNN's F(2x2, 3x3) kernel against
// 0.16 ms).
constexpr int64_t kMinPositions = 1024;

// The same on ember's own loops, which pay a weight transform per call (about 25 ns per
// 3x3 filter) against about 0.13 ns saved per filter and output position: they break
// even near 200 positions whatever the channel counts. Measured with AVX2: 784
// positions ran 1.9-2.0x faster than im2col, 196 about even, 98 and 16 slower (one 4x4
// image of 256 channels to 256: 1.7 ms against 0.2 ms).
constexpr int64_t kF43MinPositions = 512;

// The output length of a 3x3 convolution at stride 1 with this padding.
int64_t out_size(int64_t in, int64_t pad) { return in + 2 * pad - 2; }

// The batch cut into one chunk per thread, as far as the images and the kernel's fewest
// positions per chunk allow: chunk c holds images [first(c), first(c + 1)).
struct BatchChunks {
  int64_t n, count;
  BatchChunks(int64_t N, int64_t positions_per_image, int64_t min_positions = kMinPositions)
      : n(N),
        count(std::max<int64_t>(1, std::min<int64_t>({get_num_threads(), N, N * positions_per_image / min_positions}))) {}
  int64_t first(int64_t c) const { return c * n / count; }
  int64_t size(int64_t c) const { return first(c + 1) - first(c); }
};

}  // namespace

#ifdef EMBER_HAVE_DNNL
namespace {

using dnnl::memory;
using Tag = memory::format_tag;

const dnnl::engine& cpu() {
  static const dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

// What a plan is made for: the call's sizes (N included: oneDNN specialises on it).
struct Key {
  int64_t N, C, H, W, Co, ph, pw;
  bool bias;
  bool operator<(const Key& o) const {
    return std::tie(N, C, H, W, Co, ph, pw, bias) < std::tie(o.N, o.C, o.H, o.W, o.Co, o.ph, o.pw, o.bias);
  }
};

// Primitive attributes with the scratchpad left to the caller (each call brings its own).
dnnl::primitive_attr user_scratchpad() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

// A reorder from one layout to another, with a user scratchpad: its descriptor goes to
// *scratch and *most_bytes grows to cover it (a plan's primitives run one at a time and
// share one scratch buffer).
dnnl::reorder make_reorder(const memory::desc& from, const memory::desc& to, memory::desc* scratch,
                           std::size_t* most_bytes) {
  const dnnl::reorder::primitive_desc pd(cpu(), from, cpu(), to, user_scratchpad());
  *scratch = pd.scratchpad_desc();
  *most_bytes = std::max(*most_bytes, scratch->get_size());
  return dnnl::reorder(pd);
}

// Plans by geometry, one cache per kind of plan. A training loop meets a handful (its
// batch sizes, including the short last batch); past 64 a cache starts over rather
// than growing without bound. A null plan records a geometry oneDNN has no kernel for.
template <class P>
std::shared_ptr<const P> cached_plan(const Key& k, std::shared_ptr<const P> (*make)(const Key&)) {
  static std::mutex mutex;
  static std::map<Key, std::shared_ptr<const P>> plans;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = plans.find(k);
  if (it != plans.end()) return it->second;
  if (plans.size() >= 64) plans.clear();
  return plans[k] = make(k);
}

// One geometry's primitives, made once: the convolution, and the reorders between
// ember's plain layouts (NCHW, OIHW) and the blocked ones the kernel reads and writes
// (the weights' reorder is also their Winograd transform). Primitives may run from
// several threads at once; each call brings its own buffers and scratchpad.
struct Plan {
  dnnl::convolution_forward conv;
  dnnl::reorder src_in, wei_in, dst_out;
  memory::desc src_plain, wei_plain, dst_plain, bias_desc;
  memory::desc src_blocked, wei_blocked, dst_blocked, scratch, reorder_scratch[3];
  std::size_t scratch_bytes = 0;  // the most any of the four needs (they run one by one)
};

// A geometry's three tensors, x [N, C, H, W], w [Co, C, 3, 3] and y [N, Co, H', W'], in
// ember's plain layouts or in "any" (the kernel picks).
struct Layouts {
  memory::desc x, w, y;
};
Layouts layouts_of(const Key& k, bool plain) {
  const auto f32 = memory::data_type::f32;
  return {memory::desc({k.N, k.C, k.H, k.W}, f32, plain ? Tag::nchw : Tag::any),
          memory::desc({k.Co, k.C, 3, 3}, f32, plain ? Tag::oihw : Tag::any),
          memory::desc({k.N, k.Co, out_size(k.H, k.ph), out_size(k.W, k.pw)}, f32, plain ? Tag::nchw : Tag::any)};
}

std::shared_ptr<const Plan> make_plan(const Key& k) {
  auto plan = std::make_shared<Plan>();
  const Layouts plain = layouts_of(k, true), any = layouts_of(k, false);
  plan->src_plain = plain.x;
  plan->wei_plain = plain.w;
  plan->dst_plain = plain.y;
  plan->bias_desc = memory::desc({k.Co}, memory::data_type::f32, Tag::a);
  const memory::dims strides{1, 1}, padding{k.ph, k.pw};
  try {
    const auto desc = k.bias ? dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference,
                                                               dnnl::algorithm::convolution_winograd, any.x, any.w,
                                                               plan->bias_desc, any.y, strides, padding, padding)
                             : dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference,
                                                               dnnl::algorithm::convolution_winograd, any.x, any.w,
                                                               any.y, strides, padding, padding);
    const dnnl::convolution_forward::primitive_desc pd(desc, user_scratchpad(), cpu());
    plan->conv = dnnl::convolution_forward(pd);
    plan->src_blocked = pd.src_desc();
    plan->wei_blocked = pd.weights_desc();
    plan->dst_blocked = pd.dst_desc();
    plan->scratch = pd.scratchpad_desc();
    plan->scratch_bytes = plan->scratch.get_size();
    plan->src_in = make_reorder(plan->src_plain, plan->src_blocked, &plan->reorder_scratch[0], &plan->scratch_bytes);
    plan->wei_in = make_reorder(plan->wei_plain, plan->wei_blocked, &plan->reorder_scratch[1], &plan->scratch_bytes);
    plan->dst_out = make_reorder(plan->dst_blocked, plan->dst_plain, &plan->reorder_scratch[2], &plan->scratch_bytes);
  } catch (const dnnl::error&) {
    return nullptr;  // no Winograd kernel here (an instruction set below AVX-512)
  }
  return plan;
}

std::shared_ptr<const Plan> plan_for(const Key& k) { return cached_plan<Plan>(k, make_plan); }

// The weight gradient's primitives for one geometry: the kernel, and the reorders of
// x and gy into its layouts and of its result back to OIHW.
struct WeightGradPlan {
  dnnl::convolution_backward_weights kernel;
  dnnl::reorder src_in, grad_in, grad_w_out;
  memory::desc src_plain, grad_plain, grad_w_plain;
  memory::desc src_blocked, grad_blocked, grad_w_blocked, scratch, reorder_scratch[3];
  std::size_t scratch_bytes = 0;
};

std::shared_ptr<const WeightGradPlan> make_weight_grad_plan(const Key& k) {
  auto plan = std::make_shared<WeightGradPlan>();
  const Layouts plain = layouts_of(k, true), any = layouts_of(k, false);
  plan->src_plain = plain.x;
  plan->grad_w_plain = plain.w;
  plan->grad_plain = plain.y;
  const memory::dims strides{1, 1}, padding{k.ph, k.pw};
  try {
    // The backward primitive is described against a forward one (its hint).
    const dnnl::convolution_forward::primitive_desc hint(
        dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_winograd,
                                        any.x, any.w, any.y, strides, padding, padding),
        cpu());
    const dnnl::convolution_backward_weights::primitive_desc pd(
        dnnl::convolution_backward_weights::desc(dnnl::algorithm::convolution_winograd, any.x, any.w, any.y, strides,
                                                 padding, padding),
        user_scratchpad(), cpu(), hint);
    plan->kernel = dnnl::convolution_backward_weights(pd);
    plan->src_blocked = pd.src_desc();
    plan->grad_blocked = pd.diff_dst_desc();
    plan->grad_w_blocked = pd.diff_weights_desc();
    plan->scratch = pd.scratchpad_desc();
    plan->scratch_bytes = plan->scratch.get_size();
    plan->src_in = make_reorder(plan->src_plain, plan->src_blocked, &plan->reorder_scratch[0], &plan->scratch_bytes);
    plan->grad_in = make_reorder(plan->grad_plain, plan->grad_blocked, &plan->reorder_scratch[1], &plan->scratch_bytes);
    plan->grad_w_out =
        make_reorder(plan->grad_w_blocked, plan->grad_w_plain, &plan->reorder_scratch[2], &plan->scratch_bytes);
  } catch (const dnnl::error&) {
    return nullptr;
  }
  return plan;
}

std::shared_ptr<const WeightGradPlan> weight_grad_plan_for(const Key& k) {
  return cached_plan<WeightGradPlan>(k, make_weight_grad_plan);
}

// Whether oneDNN has its Winograd kernel in this process (the instruction set cap is
// set by blas::onednn::usable(), which must run first).
bool onednn_available() {
  static const bool yes = blas::onednn::usable() && plan_for(Key{1, 16, 14, 14, 16, 1, 1, false}) != nullptr;
  return yes;
}

// A buffer of at least `bytes` (one float at least) from ember's caching allocator.
Tensor bytes_buffer(std::size_t bytes) {
  const int64_t floats = static_cast<int64_t>((bytes + sizeof(float) - 1) / sizeof(float));
  return detail::empty_tensor({std::max<int64_t>(floats, 1)}, kFloat32);
}
Tensor buffer_for(const memory::desc& desc) { return bytes_buffer(desc.get_size()); }


// The weights in the kernel's layout, which for this kernel is also their Winograd
// transform: oneDNN's reorder for it is plain C++ and took 200-500 us for a 64x32x3x3
// weight, as long as the whole convolution of 4 images.
Tensor transform_weights(const Plan& plan, const float* w) {
  OneOmpThread one;
  const dnnl::engine& e = cpu();
  dnnl::stream s(e);
  Tensor out = buffer_for(plan.wei_blocked);
  const Tensor scratch = buffer_for(plan.reorder_scratch[1]);
  memory from(plan.wei_plain, e, const_cast<float*>(w)), to(plan.wei_blocked, e, out.data_ptr());
  plan.wei_in.execute(s, {{DNNL_ARG_FROM, from},
                          {DNNL_ARG_TO, to},
                          {DNNL_ARG_SCRATCHPAD, memory(plan.reorder_scratch[1], e, scratch.data_ptr())}});
  s.wait();
  return out;
}

// Transformed weights, kept with a copy of the plain weights they came from and reused
// while the weights a call brings are equal to that copy, byte for byte (a comparison
// of 72 KiB for a 64x32x3x3 weight, against a transform of 200-500 us). An inference
// loop transforms each layer's weights once; a training step, which changes them,
// finds the first bytes different and transforms again. Keyed by where the weights
// are, so that layers of one shape keep their own. Bounded: past 64 entries or 256 MiB
// of copies and transforms (a transform is 4x its weights), the cache starts over.
struct KeptWeights {
  std::vector<float> plain;
  memory::desc layout;
  Tensor transformed;
};

Tensor transformed_weights(const Plan& plan, const float* w, int64_t C, int64_t Co) {
  static std::mutex mutex;
  static std::map<std::tuple<const float*, int64_t, int64_t>, KeptWeights> kept;
  static std::size_t kept_bytes = 0;
  constexpr std::size_t kMaxKeptBytes = std::size_t(256) << 20;
  const std::size_t count = static_cast<std::size_t>(Co * C * 9);
  const auto key = std::make_tuple(w, C, Co);
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = kept.find(key);
    if (it != kept.end() && it->second.layout == plan.wei_blocked &&
        std::memcmp(it->second.plain.data(), w, count * sizeof(float)) == 0)
      return it->second.transformed;
  }
  Tensor transformed = transform_weights(plan, w);
  const std::size_t bytes = count * sizeof(float) + plan.wei_blocked.get_size();
  std::lock_guard<std::mutex> lock(mutex);
  auto it = kept.find(key);
  if (it != kept.end()) {
    kept_bytes -= it->second.plain.size() * sizeof(float) + it->second.layout.get_size();
    kept.erase(it);
  }
  if (kept.size() >= 64 || kept_bytes + bytes > kMaxKeptBytes) {
    kept.clear();
    kept_bytes = 0;
  }
  if (bytes > kMaxKeptBytes) return transformed;
  KeptWeights& k = kept[key];
  k.plain.assign(w, w + count);
  k.layout = plan.wei_blocked;
  k.transformed = transformed;
  kept_bytes += bytes;
  return transformed;
}

// One chunk of images: into the kernel's layout, the convolution, and back.
void run_chunk(const Plan& plan, const float* x, const Tensor& weights, const float* bias, float* y) {
  OneOmpThread one;
  const dnnl::engine& e = cpu();
  dnnl::stream s(e);
  const Tensor src_buf = buffer_for(plan.src_blocked), dst_buf = buffer_for(plan.dst_blocked);
  const Tensor scratch_buf = bytes_buffer(plan.scratch_bytes);
  // oneDNN's memory objects take non-const handles; it only reads the inputs.
  memory src(plan.src_plain, e, const_cast<float*>(x)), dst(plan.dst_plain, e, y);
  memory src_b(plan.src_blocked, e, src_buf.data_ptr()), dst_b(plan.dst_blocked, e, dst_buf.data_ptr());
  memory wei_b(plan.wei_blocked, e, weights.data_ptr());
  auto scratch_of = [&](const memory::desc& d) { return memory(d, e, scratch_buf.data_ptr()); };
  plan.src_in.execute(
      s, {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, src_b}, {DNNL_ARG_SCRATCHPAD, scratch_of(plan.reorder_scratch[0])}});
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, src_b},
                                       {DNNL_ARG_WEIGHTS, wei_b},
                                       {DNNL_ARG_DST, dst_b},
                                       {DNNL_ARG_SCRATCHPAD, scratch_of(plan.scratch)}};
  if (bias) args.emplace(DNNL_ARG_BIAS, memory(plan.bias_desc, e, const_cast<float*>(bias)));
  plan.conv.execute(s, args);
  plan.dst_out.execute(
      s, {{DNNL_ARG_FROM, dst_b}, {DNNL_ARG_TO, dst}, {DNNL_ARG_SCRATCHPAD, scratch_of(plan.reorder_scratch[2])}});
  s.wait();
}

// One chunk's weight gradient, written to gw [Co, C, 3, 3].
void run_weight_grad_chunk(const WeightGradPlan& plan, const float* x, const float* gy, float* gw) {
  OneOmpThread one;
  const dnnl::engine& e = cpu();
  dnnl::stream s(e);
  const Tensor src_buf = buffer_for(plan.src_blocked), grad_buf = buffer_for(plan.grad_blocked),
               grad_w_buf = buffer_for(plan.grad_w_blocked);
  const Tensor scratch_buf = bytes_buffer(plan.scratch_bytes);
  memory src(plan.src_plain, e, const_cast<float*>(x)), grad(plan.grad_plain, e, const_cast<float*>(gy)),
      grad_w(plan.grad_w_plain, e, gw);
  memory src_b(plan.src_blocked, e, src_buf.data_ptr()), grad_b(plan.grad_blocked, e, grad_buf.data_ptr()),
      grad_w_b(plan.grad_w_blocked, e, grad_w_buf.data_ptr());
  auto scratch_of = [&](const memory::desc& d) { return memory(d, e, scratch_buf.data_ptr()); };
  plan.src_in.execute(
      s, {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, src_b}, {DNNL_ARG_SCRATCHPAD, scratch_of(plan.reorder_scratch[0])}});
  plan.grad_in.execute(
      s, {{DNNL_ARG_FROM, grad}, {DNNL_ARG_TO, grad_b}, {DNNL_ARG_SCRATCHPAD, scratch_of(plan.reorder_scratch[1])}});
  plan.kernel.execute(s, {{DNNL_ARG_SRC, src_b},
                          {DNNL_ARG_DIFF_DST, grad_b},
                          {DNNL_ARG_DIFF_WEIGHTS, grad_w_b},
                          {DNNL_ARG_SCRATCHPAD, scratch_of(plan.scratch)}});
  plan.grad_w_out.execute(
      s, {{DNNL_ARG_FROM, grad_w_b}, {DNNL_ARG_TO, grad_w}, {DNNL_ARG_SCRATCHPAD, scratch_of(plan.reorder_scratch[2])}});
  s.wait();
}

void onednn_forward(const float* x, const float* w, const float* bias, float* y, int64_t N, int64_t C, int64_t H,
                    int64_t W, int64_t Co, const Conv2dParams& p) {
  // One chunk of the batch per thread; each image's result is the same in any chunk.
  const int64_t Ho = out_size(H, p.padding[0]), Wo = out_size(W, p.padding[1]);
  const BatchChunks chunks(N, Ho * Wo);
  std::vector<std::shared_ptr<const Plan>> plans(static_cast<std::size_t>(chunks.count));
  for (int64_t c = 0; c < chunks.count; ++c) {
    plans[static_cast<std::size_t>(c)] =
        plan_for(Key{chunks.size(c), C, H, W, Co, p.padding[0], p.padding[1], bias != nullptr});
    EMBER_CHECK(plans[static_cast<std::size_t>(c)] != nullptr,
                "conv2d: oneDNN gave no Winograd kernel for [{}, {}, {}, {}] to {} channels", chunks.size(c), C, H, W,
                Co);
  }
  const Tensor weights = transformed_weights(*plans[0], w, C, Co);
  parallel_for(0, chunks.count, 1, [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; ++c) {
      const Plan& plan = *plans[static_cast<std::size_t>(c)];
      // A chunk whose kernel wants another weight layout transforms them itself.
      const Tensor own = plan.wei_blocked == plans[0]->wei_blocked ? weights : transform_weights(plan, w);
      run_chunk(plan, x + chunks.first(c) * C * H * W, own, bias, y + chunks.first(c) * Co * Ho * Wo);
    }
  });
}

bool onednn_weight_grad(const float* x, const float* gy, float* gw, int64_t N, int64_t C, int64_t H, int64_t W,
                        int64_t Co, const Conv2dParams& p) {
  const int64_t Ho = out_size(H, p.padding[0]), Wo = out_size(W, p.padding[1]);
  const BatchChunks chunks(N, Ho * Wo);
  std::vector<std::shared_ptr<const WeightGradPlan>> plans(static_cast<std::size_t>(chunks.count));
  for (int64_t c = 0; c < chunks.count; ++c) {
    plans[static_cast<std::size_t>(c)] =
        weight_grad_plan_for(Key{chunks.size(c), C, H, W, Co, p.padding[0], p.padding[1], false});
    if (!plans[static_cast<std::size_t>(c)]) return false;
  }
  // Chunk 0 writes gw, the others their own sums, added in chunk order afterwards.
  const int64_t size = Co * C * 9;
  const Tensor partial = detail::empty_tensor({std::max<int64_t>(1, (chunks.count - 1) * size)}, kFloat32);
  float* rest = partial.data_ptr<float>();
  parallel_for(0, chunks.count, 1, [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; ++c)
      run_weight_grad_chunk(*plans[static_cast<std::size_t>(c)], x + chunks.first(c) * C * H * W,
                            gy + chunks.first(c) * Co * Ho * Wo, c == 0 ? gw : rest + (c - 1) * size);
  });
  for (int64_t c = 1; c < chunks.count; ++c)
    for (int64_t i = 0; i < size; ++i) gw[i] += rest[(c - 1) * size + i];
  return true;
}

}  // namespace
#endif

namespace {

#ifndef EMBER_HAVE_DNNL
bool onednn_available() { return false; }
#endif

// Whether ember's own F(4x4, 3x3) loops can run here: ember's instruction set is AVX2 or
// AVX-512 (both have AVX2 and FMA).
bool f43_available() {
  static const bool yes = [] {
    const std::string isa = simd_instruction_set();
    return isa == "avx2" || isa == "avx512";
  }();
  return yes;
}

enum class Kernel { none, onednn, f43 };

Kernel kernel_for(int64_t C, int64_t Co) {
  if (!switched_on()) return Kernel::none;
  if (onednn_available()) return Kernel::onednn;
  if (f43_available() && f43::takes(C, Co)) return Kernel::f43;
  return Kernel::none;
}

void f43_forward(const float* x, const float* w, const float* bias, float* y, int64_t N, int64_t C, int64_t H,
                 int64_t W, int64_t Co, const Conv2dParams& p) {
  const f43::Shape shape{C, H, W, Co, p.padding[0], p.padding[1]};
  const int64_t Ho = out_size(H, p.padding[0]), Wo = out_size(W, p.padding[1]);
  const Tensor u = detail::empty_tensor({f43::weight_floats(C, Co)}, kFloat32);
  f43::transform_weights(w, C, Co, u.data_ptr<float>());
  const BatchChunks chunks(N, Ho * Wo, kF43MinPositions);
  const int64_t scratch = f43::scratch_floats(shape);
  parallel_for(0, chunks.count, 1, [&](int64_t begin, int64_t end) {
    const Tensor buffer = detail::empty_tensor({scratch}, kFloat32);
    for (int64_t c = begin; c < end; ++c)
      f43::run_images(x + chunks.first(c) * C * H * W, u.data_ptr<float>(), bias, y + chunks.first(c) * Co * Ho * Wo,
                      chunks.size(c), shape, buffer.data_ptr<float>());
  });
}

}  // namespace

bool applies(int64_t N, int64_t C, int64_t H, int64_t W, int64_t Co, int64_t kh, int64_t kw, const Conv2dParams& p) {
  if (kh != 3 || kw != 3 || p.groups != 1 || p.stride[0] != 1 || p.stride[1] != 1 || p.dilation[0] != 1 ||
      p.dilation[1] != 1 || p.padding[0] < 0 || p.padding[0] > 1 || p.padding[1] < 0 || p.padding[1] > 1)
    return false;
  const int64_t Ho = out_size(H, p.padding[0]), Wo = out_size(W, p.padding[1]);
  if (C < 8 || Co < 8) return false;
  const Kernel kernel = kernel_for(C, Co);
  if (kernel == Kernel::none) return false;
  return N * Ho * Wo >= (kernel == Kernel::f43 ? kF43MinPositions : kMinPositions);
}

void forward(const float* x, const float* w, const float* bias, float* y, int64_t N, int64_t C, int64_t H, int64_t W,
             int64_t Co, const Conv2dParams& p) {
  switch (kernel_for(C, Co)) {
#ifdef EMBER_HAVE_DNNL
    case Kernel::onednn: return onednn_forward(x, w, bias, y, N, C, H, W, Co, p);
#endif
    case Kernel::f43: return f43_forward(x, w, bias, y, N, C, H, W, Co, p);
    default: break;
  }
  EMBER_CHECK(false, "conv2d: no Winograd kernel for [{}, {}, {}, {}] to {} channels", N, C, H, W, Co);
}

bool weight_grad(const float* x, const float* gy, float* gw, int64_t N, int64_t C, int64_t H, int64_t W, int64_t Co,
                 const Conv2dParams& p) {
  // ember's F(4x4, 3x3) loops have no weight gradient: there im2col + GEMM computes it.
#ifdef EMBER_HAVE_DNNL
  if (kernel_for(C, Co) == Kernel::onednn) return onednn_weight_grad(x, gy, gw, N, C, H, W, Co, p);
#else
  (void)x, (void)gy, (void)gw, (void)N, (void)C, (void)H, (void)W, (void)Co, (void)p;
#endif
  return false;
}

}  // namespace winograd
}  // namespace kernels
}  // namespace ember
