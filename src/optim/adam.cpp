// Adam and AdamW share one update; AdamW only decouples the weight decay.
#include "ember/optim/adam.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>

#include "ember/creation.hpp"
#include "ember/functions.hpp"
#include "ember/threads.hpp"
#include "ember/version.hpp"
#include "ember/detail/tracing.hpp"
#include "ember/autograd.hpp"
#include "src/core/check.hpp"
#include "src/optim/common.hpp"

namespace ember {
namespace optim {

using internal::format_double;

template <class Self>
void AdamFamilyOptions<Self>::validate() const {
  const std::string who = this->optimizer_name();
  if (!(lr() >= 0)) throw Error(who + ": invalid learning rate: " + format_double(lr()));
  if (!(eps() >= 0)) throw Error(who + ": invalid epsilon value: " + format_double(eps()));
  double b0 = std::get<0>(betas()), b1 = std::get<1>(betas());
  if (!(b0 >= 0 && b0 < 1)) throw Error(who + ": invalid beta parameter at index 0: " + format_double(b0));
  if (!(b1 >= 0 && b1 < 1)) throw Error(who + ": invalid beta parameter at index 1: " + format_double(b1));
  if (!(weight_decay() >= 0)) throw Error(who + ": invalid weight_decay value: " + format_double(weight_decay()));
}
template class AdamFamilyOptions<AdamOptions>;
template class AdamFamilyOptions<AdamWOptions>;

namespace {
// Takes the thread's tracer (ember::jit) away for a scope: the count is read, and the
// update computed, without the trace seeing the inner work.
struct TracerPause {
  ember::detail::OpTracer* saved = ember::detail::current_tracer();
  TracerPause() { ember::detail::set_current_tracer(nullptr); }
  ~TracerPause() { ember::detail::set_current_tracer(saved); }
  TracerPause(const TracerPause&) = delete;
  TracerPause& operator=(const TracerPause&) = delete;
};

// Elements per chunk when the update is split across threads (the kernels' grain).
constexpr int64_t kAdamGrain = 32768;

// The scalars of one step of one parameter, computed once in double.
struct AdamStep {
  double beta1, beta2, eps, weight_decay;
  double decay;        // AdamW: param *= decay (1 - lr * weight_decay)
  double step_size;    // lr / (1 - beta1^step)
  double bc2_sqrt;     // sqrt(1 - beta2^step)
  bool decoupled, amsgrad, maximize;
  // Multiply by 1 / bc2_sqrt instead of dividing by bc2_sqrt: one division per element
  // fewer, results within an ulp of the division's (a compiled step's choice, see
  // adam_update_).
  bool reciprocal = false;
};

// The whole update in one pass over contiguous memory instead of the ten or so that the
// composed form below makes (Adam is memory-bound). The flags are template parameters so
// that the loop is branch-free, and the library is built with -fno-math-errno so that
// std::sqrt vectorizes.
// Restrict-qualified parameters (GCC ignores __restrict on local copies) and constants
// passed by value, so that the loop vectorizes.
//
// The loop is compiled three times: for the baseline instruction set and, as clones,
// for AVX2 and AVX-512, chosen by the instruction set ember's kernels run with (so
// EMBER_SIMD caps it too). The update is bound by its division and square root, which
// wider vectors do more of per cycle; they are exact in every width, and this file is
// compiled without contracting a * b + c into one rounding (-ffp-contract=off, see
// CMakeLists.txt), so every instruction set gives the same bits.
//
// kReciprocal: bc2 holds 1 / sqrt(1 - beta2^step), and the loop multiplies by it.
template <class T, bool kWeightDecay, bool kAmsgrad, bool kReciprocal>
__attribute__((always_inline)) inline void adam_range(T* __restrict p, const T* __restrict g, T* __restrict m, T* __restrict v, T* __restrict vmax,
                int64_t n, T sign, T wd, T b1, T b2, T c1, T c2, T bc2, T eps, T neg_step) {
  for (int64_t i = 0; i < n; ++i) {
    T grad = sign * g[i];
    if (kWeightDecay) grad += wd * p[i];
    const T mi = m[i] * b1 + c1 * grad;
    const T vi = v[i] * b2 + c2 * grad * grad;
    m[i] = mi;
    v[i] = vi;
    T vhat = vi;
    if (kAmsgrad) {
      vhat = vmax[i] < vi ? vi : vmax[i];
      vmax[i] = vhat;
    }
    const T root = std::sqrt(vhat);
    p[i] += neg_step * (mi / ((kReciprocal ? root * bc2 : root / bc2) + eps));
  }
}

#define EMBER_ADAM_RANGE_PARAMS                                                                                \
  T *__restrict p, const T *__restrict g, T *__restrict m, T *__restrict v, T *__restrict vmax, int64_t n, T sign, \
      T wd, T b1, T b2, T c1, T c2, T bc2, T eps, T neg_step
#define EMBER_ADAM_RANGE_ARGS p, g, m, v, vmax, n, sign, wd, b1, b2, c1, c2, bc2, eps, neg_step
template <class T, bool kWeightDecay, bool kAmsgrad, bool kReciprocal>
void adam_range_sse2(EMBER_ADAM_RANGE_PARAMS) {
  adam_range<T, kWeightDecay, kAmsgrad, kReciprocal>(EMBER_ADAM_RANGE_ARGS);
}
template <class T, bool kWeightDecay, bool kAmsgrad, bool kReciprocal>
__attribute__((target("avx2"))) void adam_range_avx2(EMBER_ADAM_RANGE_PARAMS) {
  adam_range<T, kWeightDecay, kAmsgrad, kReciprocal>(EMBER_ADAM_RANGE_ARGS);
}
template <class T, bool kWeightDecay, bool kAmsgrad, bool kReciprocal>
__attribute__((target("avx512f,prefer-vector-width=512"))) void adam_range_avx512(EMBER_ADAM_RANGE_PARAMS) {
  adam_range<T, kWeightDecay, kAmsgrad, kReciprocal>(EMBER_ADAM_RANGE_ARGS);
}
#undef EMBER_ADAM_RANGE_PARAMS
#undef EMBER_ADAM_RANGE_ARGS

enum class AdamIsa { sse2, avx2, avx512 };
AdamIsa adam_isa() {
  static const AdamIsa isa = [] {
    const std::string name = ember::simd_instruction_set();
    return name == "avx512" ? AdamIsa::avx512 : name == "avx2" ? AdamIsa::avx2 : AdamIsa::sse2;
  }();
  return isa;
}

template <class T, bool kWeightDecay, bool kAmsgrad, bool kReciprocal>
void adam_loop(T* p, const T* g, T* m, T* v, T* vmax, int64_t n, const AdamStep& a) {
  const T sign = a.maximize ? T(-1) : T(1), wd = T(a.weight_decay);
  const T b1 = T(a.beta1), b2 = T(a.beta2), c1 = T(1 - a.beta1), c2 = T(1 - a.beta2);
  const T bc2 = T(kReciprocal ? 1 / a.bc2_sqrt : a.bc2_sqrt), eps = T(a.eps), neg_step = T(-a.step_size);
  auto range = adam_range_sse2<T, kWeightDecay, kAmsgrad, kReciprocal>;
  if (adam_isa() == AdamIsa::avx512) range = adam_range_avx512<T, kWeightDecay, kAmsgrad, kReciprocal>;
  if (adam_isa() == AdamIsa::avx2) range = adam_range_avx2<T, kWeightDecay, kAmsgrad, kReciprocal>;
  parallel_for(0, n, kAdamGrain, [=](int64_t begin, int64_t end) {
    range(p + begin, g + begin, m + begin, v + begin, vmax ? vmax + begin : nullptr, end - begin, sign, wd, b1, b2, c1,
          c2, bc2, eps, neg_step);
  });
}

template <class T, bool kReciprocal>
void adam_loop_for(bool wd, bool amsgrad, T* p, const T* g, T* m, T* v, T* vmax, int64_t n, const AdamStep& a) {
  if (wd && amsgrad) adam_loop<T, true, true, kReciprocal>(p, g, m, v, vmax, n, a);
  if (wd && !amsgrad) adam_loop<T, true, false, kReciprocal>(p, g, m, v, vmax, n, a);
  if (!wd && amsgrad) adam_loop<T, false, true, kReciprocal>(p, g, m, v, vmax, n, a);
  if (!wd && !amsgrad) adam_loop<T, false, false, kReciprocal>(p, g, m, v, vmax, n, a);
}

template <class T>
void adam_fused(Tensor& p, const Tensor& grad, AdamParamState& s, const AdamStep& a) {
  if (a.decoupled) p.mul_(a.decay);
  const bool wd = !a.decoupled && a.weight_decay != 0;
  T* pp = p.data_ptr<T>();
  const T* g = grad.data_ptr<T>();
  T* m = s.exp_avg.data_ptr<T>();
  T* v = s.exp_avg_sq.data_ptr<T>();
  T* vmax = a.amsgrad ? s.max_exp_avg_sq.data_ptr<T>() : nullptr;
  const int64_t n = p.numel();
  if (a.reciprocal)
    adam_loop_for<T, true>(wd, a.amsgrad, pp, g, m, v, vmax, n, a);
  else
    adam_loop_for<T, false>(wd, a.amsgrad, pp, g, m, v, vmax, n, a);
  internal::bump_version(s.exp_avg);
  internal::bump_version(s.exp_avg_sq);
  if (a.amsgrad) internal::bump_version(s.max_exp_avg_sq);
  internal::bump_version(p);
}

// The same with ember's in-place ops, for non-contiguous parameters.
void adam_composed(Tensor& p, const Tensor& grad_in, AdamParamState& s, const AdamStep& a) {
  Tensor grad = a.maximize ? grad_in.neg() : grad_in;
  if (a.decoupled)
    p.mul_(a.decay);
  else if (a.weight_decay != 0)
    grad = grad.add(p, a.weight_decay);
  s.exp_avg.mul_(a.beta1).add_(grad, 1 - a.beta1);
  s.exp_avg_sq.mul_(a.beta2).add_(grad * grad, 1 - a.beta2);
  const Tensor* vhat = &s.exp_avg_sq;
  if (a.amsgrad) {
    s.max_exp_avg_sq.copy_(maximum(s.max_exp_avg_sq, s.exp_avg_sq));
    vhat = &s.max_exp_avg_sq;
  }
  Tensor denom = a.reciprocal ? vhat->sqrt().mul_(1 / a.bc2_sqrt).add_(a.eps) : vhat->sqrt().div_(a.bc2_sqrt).add_(a.eps);
  p.add_(s.exp_avg / denom, -a.step_size);
}

// The scalars of one step, from the options and the count after this step.
template <class O>
AdamStep adam_scalars(const O& o, bool decoupled, int64_t count) {
  const double step = static_cast<double>(count);
  AdamStep a;
  a.beta1 = std::get<0>(o.betas());
  a.beta2 = std::get<1>(o.betas());
  a.eps = o.eps();
  a.weight_decay = o.weight_decay();
  a.decay = 1 - o.lr() * o.weight_decay();
  a.step_size = o.lr() / (1 - std::pow(a.beta1, step));
  a.bc2_sqrt = std::sqrt(1 - std::pow(a.beta2, step));
  a.decoupled = decoupled;
  a.amsgrad = o.amsgrad();
  a.maximize = o.maximize();
  return a;
}

// One parameter's update, as eager runs it.
void adam_apply(Tensor& p, const Tensor& grad_in, AdamParamState& s, const AdamStep& a) {
  Tensor grad = grad_in.contiguous();
  const Tensor* vmax = a.amsgrad ? &s.max_exp_avg_sq : &s.exp_avg;
  if (internal::fusable(p, {&grad, &s.exp_avg, &s.exp_avg_sq, vmax})) {
    if (p.dtype() == kFloat32)
      adam_fused<float>(p, grad, s, a);
    else
      adam_fused<double>(p, grad, s, a);
  } else {
    adam_composed(p, grad, s, a);
  }
}

template <class O>
void adam_update(ParamGroup& group, const O& o, bool decoupled,
                 const std::function<AdamParamState&(const Tensor&)>& state_of) {
  for (Tensor& p : group.params()) {
    if (!p.grad().defined()) continue;
    AdamParamState& s = state_of(p);
    if (o.amsgrad() && !s.max_exp_avg_sq.defined()) s.max_exp_avg_sq = zeros_like(p);  // amsgrad switched on later
    if (ember::detail::current_tracer() != nullptr) {
      // A traced step (ember::jit) records the update as one op on the count as a
      // tensor, so that replays compute every later step's bias corrections.
      if (!s.step_tensor.defined()) {
        TracerPause pause;
        s.step_tensor = ember::scalar_tensor(static_cast<double>(s.step), kFloat64);
        s.step_tensor_seen = s.step;
      }
      {
        TracerPause pause;
        s.sync_step();
      }
      auto b = o.betas();
      adam_update_(p, p.grad(), s.exp_avg, s.exp_avg_sq, s.max_exp_avg_sq, s.step_tensor, o.lr(), std::get<0>(b),
                   std::get<1>(b), o.eps(), o.weight_decay(), o.amsgrad(), o.maximize(), decoupled);
      s.step += 1;
      s.step_tensor_seen = s.step;
      continue;
    }
    if (s.step_tensor.defined()) s.sync_step();
    s.step += 1;
    adam_apply(p, p.grad(), s, adam_scalars(o, decoupled, s.step));
    if (s.step_tensor.defined()) {
      s.step_tensor.fill_(static_cast<double>(s.step));
      s.step_tensor_seen = s.step;
    }
  }
}

std::unique_ptr<ParamState> make_adam_state(const Tensor& p, bool amsgrad) {
  auto s = std::make_unique<AdamParamState>();
  s->exp_avg = zeros_like(p);
  s->exp_avg_sq = zeros_like(p);
  if (amsgrad) s->max_exp_avg_sq = zeros_like(p);
  return s;
}

}  // namespace

void adam_update_(Tensor& param, const Tensor& grad, Tensor& exp_avg, Tensor& exp_avg_sq, Tensor& max_exp_avg_sq,
                  Tensor& step, double lr, double beta1, double beta2, double eps, double weight_decay, bool amsgrad,
                  bool maximize, bool decoupled, bool reciprocal_bias_correction) {
  EMBER_CHECK(step.defined() && step.dim() == 0, "adam_update_: step must be a 0-dim tensor holding the count");
  {
    TracerPause pause;
    NoGradGuard no_grad;
    AdamOptions o(lr);
    o.betas(std::make_tuple(beta1, beta2)).eps(eps).weight_decay(weight_decay).amsgrad(amsgrad).maximize(maximize);
    const auto count = static_cast<int64_t>(step.item<double>()) + 1;
    AdamParamState s;
    s.exp_avg = exp_avg;
    s.exp_avg_sq = exp_avg_sq;
    s.max_exp_avg_sq = max_exp_avg_sq;
    AdamStep a = adam_scalars(o, decoupled, count);
    a.reciprocal = reciprocal_bias_correction;
    adam_apply(param, grad, s, a);
    step.fill_(static_cast<double>(count));
  }
  std::vector<Tensor> outs{param, exp_avg, exp_avg_sq, step};
  if (amsgrad) outs.push_back(max_exp_avg_sq);
  if (ember::detail::OpTracer* tracer = ember::detail::current_tracer())
    tracer->record_list("adam_update_", {param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step}, outs,
                        {{"lr", lr}, {"beta1", beta1}, {"beta2", beta2}, {"eps", eps}, {"weight_decay", weight_decay},
                         {"amsgrad", amsgrad}, {"maximize", maximize}, {"decoupled", decoupled},
                         {"reciprocal_bias_correction", reciprocal_bias_correction}});
}

void AdamParamState::sync_step() {
  if (!step_tensor.defined()) return;
  const auto now = static_cast<int64_t>(step_tensor.item<double>());
  if (now != step_tensor_seen) step = now;
  step_tensor_seen = now;
}

Adam::Adam(std::vector<Tensor> params, const AdamOptions& defaults)
    : Optimizer({ParamGroup(std::move(params))}, defaults.clone()) {}
Adam::Adam(std::vector<ParamGroup> groups, const AdamOptions& defaults)
    : Optimizer(std::move(groups), defaults.clone()) {}

std::unique_ptr<ParamState> Adam::make_state(const Tensor& p, const OptimizerOptions& options) const {
  return make_adam_state(p, static_cast<const AdamOptions&>(options).amsgrad());
}

void Adam::update(ParamGroup& group) {
  const auto& o = static_cast<const AdamOptions&>(group.options());
  adam_update(group, o, false, [&](const Tensor& p) -> AdamParamState& { return state_for<AdamParamState>(p, o); });
}

AdamW::AdamW(std::vector<Tensor> params, const AdamWOptions& defaults)
    : Optimizer({ParamGroup(std::move(params))}, defaults.clone()) {}
AdamW::AdamW(std::vector<ParamGroup> groups, const AdamWOptions& defaults)
    : Optimizer(std::move(groups), defaults.clone()) {}

std::unique_ptr<ParamState> AdamW::make_state(const Tensor& p, const OptimizerOptions& options) const {
  return make_adam_state(p, static_cast<const AdamWOptions&>(options).amsgrad());
}

void AdamW::update(ParamGroup& group) {
  const auto& o = static_cast<const AdamWOptions&>(group.options());
  adam_update(group, o, true, [&](const Tensor& p) -> AdamParamState& { return state_for<AdamParamState>(p, o); });
}

}  // namespace optim
}  // namespace ember
