// gradcheck: the analytic Jacobian (one backward pass per output element) against
// central finite differences, in float64. gradgradcheck applies the same check to the
// first-order gradients built with create_graph, which tests double backward.
#include <cmath>

#include "autograd/node.hpp"
#include "ember/autograd.hpp"
#include "ember/creation.hpp"
#include "ember/functions.hpp"
#include "src/core/check.hpp"
#include "src/core/shape.hpp"

namespace ember {
namespace autograd {
namespace {

using Fn = std::function<std::vector<Tensor>(const std::vector<Tensor>&)>;

// Address of flat element k of t (row-major over its sizes), honouring strides.
double* element(const Tensor& t, int64_t k) {
  int64_t off = 0;
  for (int64_t d = t.dim() - 1; d >= 0; --d) {
    int64_t s = t.size(d);
    off += (k % s) * t.stride(d);
    k /= s;
  }
  return static_cast<double*>(t.data_ptr()) + off;
}

double value_at(const Tensor& t, int64_t k) {
  Tensor c = t.to(kFloat64).contiguous();
  return static_cast<const double*>(c.data_ptr())[k];
}

bool overlapping(const Tensor& t) {
  for (int64_t d = 0; d < t.dim(); ++d)
    if (t.size(d) > 1 && t.stride(d) == 0) return true;
  return false;
}

std::vector<Tensor> float_outputs(const std::vector<Tensor>& outs) {
  std::vector<Tensor> r;
  for (const Tensor& o : outs)
    if (o.defined() && o.is_floating_point()) r.push_back(o);
  return r;
}

bool check(const Fn& fn, const std::vector<Tensor>& raw_inputs, const GradcheckOptions& opt, const char* what) {
  // float64 copies of the inputs; non-contiguous float64 inputs are kept as they are.
  std::vector<Tensor> inputs;
  std::vector<std::size_t> diff;  // which inputs are checked
  for (std::size_t i = 0; i < raw_inputs.size(); ++i) {
    const Tensor& t = raw_inputs[i];
    if (!t.defined() || !t.is_floating_point()) {
      inputs.push_back(t);
      continue;
    }
    Tensor x = t.dtype() == kFloat64 ? t.detach() : t.detach().to(kFloat64);
    EMBER_CHECK(!overlapping(x), "{}: input {} of shape {} has overlapping memory (an expanded view); expand inside "
                                 "the function instead",
                what, i, x.sizes());
    if (t.requires_grad()) {
      x.requires_grad_(true);
      diff.push_back(i);
    }
    inputs.push_back(x);
  }
  EMBER_CHECK(!diff.empty(), "{}: no input requires grad", what);
  std::vector<Tensor> diff_inputs;
  for (std::size_t i : diff) diff_inputs.push_back(inputs[i]);

  std::vector<Tensor> outs = float_outputs(fn(inputs));
  for (std::size_t o = 0; o < outs.size(); ++o) {
    const Tensor& out = outs[o];
    int64_t n_out = out.numel();
    // Analytic rows: d out[j] / d inputs.
    std::vector<std::vector<Tensor>> rows(static_cast<std::size_t>(n_out));
    for (int64_t j = 0; j < n_out; ++j) {
      Tensor oh = zeros(out.sizes(), kFloat64);
      *element(oh, j) = 1.0;
      Tensor onehot = oh.to(out.dtype());
      if (!out.requires_grad()) {
        rows[static_cast<std::size_t>(j)] = std::vector<Tensor>(diff.size());
        continue;
      }
      rows[static_cast<std::size_t>(j)] = grad({out}, diff_inputs, {onehot}, true, false, true);
    }
    // Numerical columns.
    for (std::size_t di = 0; di < diff.size(); ++di) {
      Tensor x = inputs[diff[di]];
      for (int64_t k = 0; k < x.numel(); ++k) {
        double* p = element(x, k);
        double orig = *p;
        Tensor plus, minus;
        {
          NoGradGuard ng;
          *p = orig + opt.eps;
          plus = float_outputs(fn(inputs))[o].to(kFloat64, true);  // a copy: the output may view the input
          *p = orig - opt.eps;
          minus = float_outputs(fn(inputs))[o].to(kFloat64, true);
          *p = orig;
        }
        const double* pp = static_cast<const double*>(plus.data_ptr());
        const double* mp = static_cast<const double*>(minus.data_ptr());
        for (int64_t j = 0; j < n_out; ++j) {
          double numerical = (pp[j] - mp[j]) / (2 * opt.eps);
          const Tensor& g = rows[static_cast<std::size_t>(j)][di];
          double analytic = g.defined() ? value_at(g, k) : 0.0;
          double tol = opt.atol + opt.rtol * std::fabs(numerical);
          if (!(std::fabs(analytic - numerical) <= tol)) {
            if (!opt.raise_exception) return false;
            detail::fail(fmt::format("{}: Jacobian mismatch for output {} (shape {}) with respect to input {} (shape "
                                     "{}): element {} of the output, element {} of the input: analytic {} vs "
                                     "numerical {}",
                                     what, o, out.sizes(), diff[di], x.sizes(), j, k, analytic, numerical));
          }
        }
      }
    }
  }
  return true;
}

}  // namespace

bool gradcheck(const Fn& fn, const std::vector<Tensor>& inputs, const GradcheckOptions& options) {
  if (!check(fn, inputs, options, "gradcheck")) return false;
  if (!options.check_second_order) return true;
  // Second order: check the first-order gradients (with a fixed random upstream
  // gradient) as functions of the inputs.
  std::vector<Tensor> probe = float_outputs(fn([&] {
    std::vector<Tensor> xs;
    for (const Tensor& t : inputs) xs.push_back(t.defined() && t.is_floating_point() ? t.detach().to(kFloat64) : t);
    return xs;
  }()));
  std::vector<Tensor> upstream;
  for (const Tensor& o : probe) upstream.push_back(randn(o.sizes(), kFloat64));
  Fn first_order = [&](const std::vector<Tensor>& xs) {
    std::vector<Tensor> diff;
    for (const Tensor& x : xs)
      if (x.defined() && x.requires_grad()) diff.push_back(x);
    std::vector<Tensor> outs = float_outputs(fn(xs));
    std::vector<Tensor> used_outs, used_up;
    for (std::size_t i = 0; i < outs.size(); ++i) {
      if (!outs[i].requires_grad()) continue;
      used_outs.push_back(outs[i]);
      used_up.push_back(upstream[i].to(outs[i].dtype()));
    }
    std::vector<Tensor> gs;
    if (used_outs.empty() || !is_grad_enabled()) {
      // Under the numerical pass there is no graph: recompute with grad on.
      EnableGradGuard eg;
      std::vector<Tensor> xs2;
      for (const Tensor& x : xs) {
        if (x.defined() && x.is_floating_point() && x.requires_grad()) {
          Tensor y = x.detach();
          y.requires_grad_(true);
          xs2.push_back(y);
        } else {
          xs2.push_back(x);
        }
      }
      std::vector<Tensor> d2;
      for (const Tensor& x : xs2)
        if (x.defined() && x.requires_grad()) d2.push_back(x);
      std::vector<Tensor> o2 = float_outputs(fn(xs2));
      std::vector<Tensor> uo, uu;
      for (std::size_t i = 0; i < o2.size(); ++i) {
        if (!o2[i].requires_grad()) continue;
        uo.push_back(o2[i]);
        uu.push_back(upstream[i].to(o2[i].dtype()));
      }
      if (uo.empty()) return std::vector<Tensor>{};
      gs = grad(uo, d2, uu, true, false, true);
      for (std::size_t i = 0; i < gs.size(); ++i)
        if (!gs[i].defined()) gs[i] = zeros_like(d2[i]);
      for (Tensor& g : gs) g = g.detach();
      return gs;
    }
    gs = grad(used_outs, diff, used_up, true, true, true);
    for (std::size_t i = 0; i < gs.size(); ++i)
      if (!gs[i].defined()) gs[i] = zeros_like(diff[i]);
    return gs;
  };
  return check(first_order, inputs, options, "gradgradcheck");
}

bool gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& fn, const std::vector<Tensor>& inputs,
               const GradcheckOptions& options) {
  return gradcheck(Fn([&](const std::vector<Tensor>& xs) { return std::vector<Tensor>{fn(xs)}; }), inputs, options);
}

bool gradgradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& fn, const std::vector<Tensor>& inputs,
                   const GradcheckOptions& options) {
  GradcheckOptions o = options;
  o.check_second_order = true;
  return gradcheck(fn, inputs, o);
}

}  // namespace autograd
}  // namespace ember
