// L-BFGS as torch.optim.LBFGS (PyTorch 1.13): the two-loop recursion over the kept
// curvature pairs, a first step scaled by the gradient's size, and either a fixed step
// of lr or the strong-Wolfe line search with cubic interpolation.
#include "ember/optim/lbfgs.hpp"

#include <algorithm>
#include <cmath>

#include "ember/autograd.hpp"
#include "ember/creation.hpp"
#include "ember/functions.hpp"
#include "src/optim/common.hpp"

namespace ember {
namespace optim {

using internal::format_double;

LBFGSOptions::LBFGSOptions(double lr) : OptimizerOptions(lr) {}

int64_t LBFGSOptions::max_eval() const {
  double v = max_eval_.get();
  return v < 0 ? max_iter() * 5 / 4 : static_cast<int64_t>(v);
}

void LBFGSOptions::visit(OptionVisitor& v) {
  v("lr", lr_);
  v("max_iter", max_iter_);
  v("max_eval", max_eval_);
  v("tolerance_grad", tolerance_grad_);
  v("tolerance_change", tolerance_change_);
  v("history_size", history_size_);
}

void LBFGSOptions::validate() const {
  if (lr() <= 0) throw Error("LBFGS: invalid learning rate: " + format_double(lr()));
  if (max_iter() < 1) throw Error("LBFGS: max_iter must be at least 1, got " + std::to_string(max_iter()));
  if (history_size() < 1) throw Error("LBFGS: history_size must be at least 1, got " + std::to_string(history_size()));
  if (line_search_fn_ && *line_search_fn_ != "strong_wolfe")
    throw Error("LBFGS: only 'strong_wolfe' is supported as line_search_fn, got '" + *line_search_fn_ + "'");
}

LBFGS::LBFGS(std::vector<Tensor> params, const LBFGSOptions& defaults)
    : LBFGS(std::vector<ParamGroup>{ParamGroup(std::move(params))}, defaults) {}

LBFGS::LBFGS(std::vector<ParamGroup> groups, const LBFGSOptions& defaults)
    : Optimizer(std::move(groups), defaults.clone()) {
  if (param_groups().size() != 1)
    throw Error("LBFGS doesn't support per-parameter options (parameter groups), got " +
                std::to_string(param_groups().size()) + " groups");
  if (param_groups()[0].params().empty()) throw Error("LBFGS: got an empty parameter list");
}

void LBFGS::update(ParamGroup&) { throw Error("LBFGS: step needs a closure"); }

std::unique_ptr<ParamState> LBFGS::make_state(const Tensor&, const OptimizerOptions&) const {
  return std::make_unique<LBFGSParamState>();
}

Tensor LBFGS::gather_flat_grad() {
  std::vector<Tensor> views;
  for (const Tensor& p : param_groups()[0].params())
    views.push_back(p.grad().defined() ? p.grad().reshape({-1}) : zeros({p.numel()}, p.options()));
  return cat(views, 0);
}

void LBFGS::add_to_params(double step_size, const Tensor& direction) {
  int64_t offset = 0;
  for (Tensor& p : param_groups()[0].params()) {
    int64_t n = p.numel();
    p.add_(direction.narrow(0, offset, n).view(p.sizes()), step_size);
    offset += n;
  }
}

namespace {
double max_abs(const Tensor& t) { return t.abs().max().item<double>(); }
double dot_value(const Tensor& a, const Tensor& b) { return dot(a, b).item<double>(); }

// The minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), kept within the
// bounds (by default the interval between x1 and x2).
double cubic_interpolate(double x1, double f1, double g1, double x2, double f2, double g2,
                         std::optional<std::pair<double, double>> bounds = std::nullopt) {
  double lo = bounds ? bounds->first : std::min(x1, x2);
  double hi = bounds ? bounds->second : std::max(x1, x2);
  double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
  double d2_square = d1 * d1 - g1 * g2;
  if (d2_square < 0) return (lo + hi) / 2.;
  double d2 = std::sqrt(d2_square);
  double min_pos = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
                            : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
  return std::min(std::max(min_pos, lo), hi);
}
}  // namespace

double LBFGS::loss_and_grad_at(const LossClosure& closure, const std::vector<Tensor>& start, double t,
                               const Tensor& d, Tensor& grad) {
  add_to_params(t, d);
  double loss;
  {
    EnableGradGuard grad_on;
    loss = closure().item<double>();
  }
  grad = gather_flat_grad();
  std::vector<Tensor>& params = param_groups()[0].params();
  for (std::size_t i = 0; i < params.size(); ++i) params[i].copy_(start[i]);
  return loss;
}

std::tuple<double, Tensor, double, int64_t> LBFGS::strong_wolfe(const LossClosure& closure, double f,
                                                                const Tensor& g_in, double t, const Tensor& d,
                                                                double gtd, double tolerance_change, int64_t max_ls) {
  const double c1 = 1e-4, c2 = 0.9;
  std::vector<Tensor> x;
  for (const Tensor& p : param_groups()[0].params()) x.push_back(p.clone());
  double d_norm = max_abs(d);
  Tensor g = g_in.clone();
  Tensor g_new;
  double f_new = loss_and_grad_at(closure, x, t, d, g_new);
  int64_t evals = 1;
  double gtd_new = dot_value(g_new, d);
  double t_prev = 0, f_prev = f, gtd_prev = gtd;
  Tensor g_prev = g;
  bool done = false;
  int64_t ls_iter = 0;
  std::vector<double> bracket, bracket_f, bracket_gtd;
  std::vector<Tensor> bracket_g;
  while (ls_iter < max_ls) {
    if (f_new > f + c1 * t * gtd || (ls_iter > 1 && f_new >= f_prev)) {
      bracket = {t_prev, t}, bracket_f = {f_prev, f_new}, bracket_g = {g_prev, g_new.clone()};
      bracket_gtd = {gtd_prev, gtd_new};
      break;
    }
    if (std::abs(gtd_new) <= -c2 * gtd) {
      bracket = {t}, bracket_f = {f_new}, bracket_g = {g_new};
      done = true;
      break;
    }
    if (gtd_new >= 0) {
      bracket = {t_prev, t}, bracket_f = {f_prev, f_new}, bracket_g = {g_prev, g_new.clone()};
      bracket_gtd = {gtd_prev, gtd_new};
      break;
    }
    double min_step = t + 0.01 * (t - t_prev), max_step = t * 10, previous = t;
    t = cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, std::make_pair(min_step, max_step));
    t_prev = previous, f_prev = f_new, g_prev = g_new.clone(), gtd_prev = gtd_new;
    f_new = loss_and_grad_at(closure, x, t, d, g_new);
    ++evals;
    gtd_new = dot_value(g_new, d);
    ++ls_iter;
  }
  if (ls_iter == max_ls) bracket = {0, t}, bracket_f = {f, f_new}, bracket_g = {g, g_new};

  // Zoom: shrink the bracket until the strong Wolfe conditions hold.
  bool insufficient_progress = false;
  std::size_t low = bracket_f.front() <= bracket_f.back() ? 0 : 1, high = 1 - low;
  while (!done && ls_iter < max_ls) {
    if (std::abs(bracket[1] - bracket[0]) * d_norm < tolerance_change) break;
    t = cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1]);
    double bmax = std::max(bracket[0], bracket[1]), bmin = std::min(bracket[0], bracket[1]);
    double eps = 0.1 * (bmax - bmin);
    if (std::min(bmax - t, t - bmin) < eps) {
      if (insufficient_progress || t >= bmax || t <= bmin) {
        t = std::abs(t - bmax) < std::abs(t - bmin) ? bmax - eps : bmin + eps;
        insufficient_progress = false;
      } else {
        insufficient_progress = true;
      }
    } else {
      insufficient_progress = false;
    }
    f_new = loss_and_grad_at(closure, x, t, d, g_new);
    ++evals;
    gtd_new = dot_value(g_new, d);
    ++ls_iter;
    if (f_new > f + c1 * t * gtd || f_new >= bracket_f[low]) {
      bracket[high] = t, bracket_f[high] = f_new, bracket_g[high] = g_new.clone(), bracket_gtd[high] = gtd_new;
      low = bracket_f[0] <= bracket_f[1] ? 0 : 1, high = 1 - low;
    } else {
      if (std::abs(gtd_new) <= -c2 * gtd) {
        done = true;
      } else if (gtd_new * (bracket[high] - bracket[low]) >= 0) {
        bracket[high] = bracket[low], bracket_f[high] = bracket_f[low], bracket_g[high] = bracket_g[low];
        bracket_gtd[high] = bracket_gtd[low];
      }
      bracket[low] = t, bracket_f[low] = f_new, bracket_g[low] = g_new.clone(), bracket_gtd[low] = gtd_new;
    }
  }
  if (bracket.size() == 1) low = 0;
  return {bracket_f[low], bracket_g[low], bracket[low], evals};
}

Tensor LBFGS::step(const LossClosure& closure) {
  if (!closure) throw Error("LBFGS.step: a closure that re-evaluates the model and returns the loss is required");
  ParamGroup& group = param_groups()[0];
  const auto& o = group.options_as<LBFGSOptions>();
  o.validate();
  const double lr = o.lr(), tolerance_grad = o.tolerance_grad(), tolerance_change = o.tolerance_change();
  const int64_t max_iter = o.max_iter(), max_eval = o.max_eval(), history_size = o.history_size();
  auto& st = state_for<LBFGSParamState>(group.params()[0], o);

  Tensor orig_loss;
  {
    EnableGradGuard grad_on;
    orig_loss = closure();
  }
  NoGradGuard no_grad;
  double loss = orig_loss.item<double>();
  int64_t current_evals = 1;
  st.func_evals += 1;
  Tensor flat_grad = gather_flat_grad();
  bool opt_cond = max_abs(flat_grad) <= tolerance_grad;
  if (opt_cond) return orig_loss;

  int64_t n_iter = 0;
  while (n_iter < max_iter) {
    ++n_iter;
    ++st.n_iter;
    // The direction: the gradient at first, then the two-loop recursion.
    if (st.n_iter == 1) {
      st.d = flat_grad.neg();
      st.old_dirs.clear(), st.old_stps.clear(), st.ro.clear();
      st.H_diag = 1;
    } else {
      Tensor y = flat_grad - st.prev_flat_grad;
      Tensor s = st.d * st.t;
      double ys = dot_value(y, s);
      if (ys > 1e-10) {
        if (static_cast<int64_t>(st.old_dirs.size()) == history_size) {
          st.old_dirs.erase(st.old_dirs.begin());
          st.old_stps.erase(st.old_stps.begin());
          st.ro.erase(st.ro.begin());
        }
        st.old_dirs.push_back(y), st.old_stps.push_back(s), st.ro.push_back(1. / ys);
        st.H_diag = ys / dot_value(y, y);
      }
      std::size_t num_old = st.old_dirs.size();
      std::vector<double> al(num_old);
      Tensor q = flat_grad.neg();
      for (std::size_t i = num_old; i-- > 0;) {
        al[i] = dot_value(st.old_stps[i], q) * st.ro[i];
        q.add_(st.old_dirs[i], -al[i]);
      }
      Tensor r = q * st.H_diag;
      for (std::size_t i = 0; i < num_old; ++i) {
        double be_i = dot_value(st.old_dirs[i], r) * st.ro[i];
        r.add_(st.old_stps[i], al[i] - be_i);
      }
      st.d = r;
    }
    st.prev_flat_grad = flat_grad.clone();
    st.prev_loss = loss;

    // The step length: scaled down on the very first iteration.
    st.t = st.n_iter == 1 ? std::min(1., 1. / flat_grad.abs().sum().item<double>()) * lr : lr;
    double gtd = dot_value(flat_grad, st.d);
    if (gtd > -tolerance_change) break;

    int64_t ls_func_evals = 0;
    if (o.line_search_fn()) {
      auto [new_loss, new_grad, t, evals] = strong_wolfe(closure, loss, flat_grad, st.t, st.d, gtd, tolerance_change, 25);
      loss = new_loss, flat_grad = new_grad, st.t = t, ls_func_evals = evals;
      add_to_params(st.t, st.d);
      opt_cond = max_abs(flat_grad) <= tolerance_grad;
    } else {
      add_to_params(st.t, st.d);
      if (n_iter != max_iter) {
        {
          EnableGradGuard grad_on;
          loss = closure().item<double>();
        }
        flat_grad = gather_flat_grad();
        opt_cond = max_abs(flat_grad) <= tolerance_grad;
        ls_func_evals = 1;
      }
    }
    current_evals += ls_func_evals;
    st.func_evals += ls_func_evals;

    if (n_iter == max_iter) break;
    if (current_evals >= max_eval) break;
    if (opt_cond) break;
    if (max_abs(st.d * st.t) <= tolerance_change) break;
    if (std::abs(loss - st.prev_loss) < tolerance_change) break;
  }
  return orig_loss;
}

}  // namespace optim
}  // namespace ember
