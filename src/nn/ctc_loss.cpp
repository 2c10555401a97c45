// ctc_loss: the forward (alpha) recursion of connectionist temporal classification in
// log space, composed of differentiable ops, one step per time frame for the whole batch.
//
// Each target l_1..l_S is extended with blanks, b l_1 b l_2 ... l_S b (2S + 1 states).
// alpha_0 starts in the first two states; a step may stay, move one state, or skip a
// blank between two different labels: alpha_t(s) = logsumexp(alpha_{t-1}(s),
// alpha_{t-1}(s-1), alpha_{t-1}(s-2) where allowed) + log_probs[t, ext(s)]. The
// likelihood ends in the last two states at the sample's last frame.
//
// Unreachable states hold a large finite negative number instead of -inf, so that
// logsumexp's gradient stays finite (exp of it is 0 in any float); a likelihood that low
// means no alignment exists, and the loss is then inf, as in PyTorch.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "ember/creation.hpp"
#include "ember/error.hpp"
#include "ember/functions.hpp"
#include "ember/nn/functional.hpp"
#include "src/nn/repr.hpp"

namespace ember {
namespace nn {
namespace functional {

namespace {

const double kUnreachable = -1e30;

[[noreturn]] void fail(const std::string& what) { throw Error("ctc_loss: " + what); }

std::vector<int64_t> lengths_of(const char* what, const Tensor& t, int64_t N, bool unbatched) {
  if (!t.defined()) fail(std::string("expected a tensor for ") + what + ", got an undefined one");
  if (t.is_floating_point() || t.dtype() == Dtype::Bool)
    fail(std::string("expected integer ") + what + ", got " + dtype_name(t.dtype()) + " of shape " +
         repr::shape_str(t.sizes()));
  bool shape_ok = unbatched ? t.numel() == 1 && t.dim() <= 1 : t.dim() == 1 && t.size(0) == N;
  if (!shape_ok)
    fail(std::string(what) + " must have shape " + (unbatched ? "[]" : "[" + std::to_string(N) + "]") +
         ", got " + repr::shape_str(t.sizes()));
  return t.to(Dtype::Int64).contiguous().tolist<int64_t>();
}

}  // namespace

Tensor ctc_loss(const Tensor& log_probs, const Tensor& targets, const Tensor& input_lengths,
                const Tensor& target_lengths, int64_t blank, const std::string& reduction, bool zero_infinity) {
  if (reduction != "mean" && reduction != "sum" && reduction != "none")
    fail("reduction must be 'none', 'mean' or 'sum', got '" + reduction + "'");
  if (!log_probs.defined() || !log_probs.is_floating_point())
    fail("expected floating-point log_probs [T, N, C] or [T, C]");
  if (log_probs.dim() != 3 && log_probs.dim() != 2)
    fail("expected log_probs of shape [T, N, C] or [T, C], got " + repr::shape_str(log_probs.sizes()));
  bool unbatched = log_probs.dim() == 2;
  Tensor lp = unbatched ? log_probs.unsqueeze(1) : log_probs;  // [T, N, C]
  const int64_t T = lp.size(0), N = lp.size(1), C = lp.size(2);
  if (blank < 0 || blank >= C)
    fail("blank " + std::to_string(blank) + " must be a class index in [0, " + std::to_string(C) + ")");
  std::vector<int64_t> in_len = lengths_of("input_lengths", input_lengths, N, unbatched);
  std::vector<int64_t> tg_len = lengths_of("target_lengths", target_lengths, N, unbatched);

  // Every sample's labels, from padded [N, S] targets or from their concatenation.
  if (!targets.defined() || targets.dtype() != Dtype::Int64)
    fail("expected int64 targets, got " +
         (targets.defined() ? std::string(dtype_name(targets.dtype())) + " of shape " + repr::shape_str(targets.sizes())
                            : std::string("an undefined tensor")));
  Tensor tg = targets.contiguous();
  std::vector<int64_t> flat = tg.tolist<int64_t>();
  bool padded = unbatched ? false : tg.dim() == 2;
  if (!padded && tg.dim() != 1)
    fail("expected targets of shape [N, S] or [sum(target_lengths)], got " + repr::shape_str(tg.sizes()));
  std::vector<std::vector<int64_t>> labels(static_cast<std::size_t>(N));
  int64_t offset = 0, max_s = 0;
  for (int64_t n = 0; n < N; ++n) {
    int64_t len = tg_len[static_cast<std::size_t>(n)], frames = in_len[static_cast<std::size_t>(n)];
    if (frames < 0 || frames > T)
      fail("input length " + std::to_string(frames) + " of sample " + std::to_string(n) + " is not in [0, " +
           std::to_string(T) + "] (log_probs shape " + repr::shape_str(log_probs.sizes()) + ")");
    int64_t room = padded ? tg.size(1) : static_cast<int64_t>(flat.size()) - offset;
    if (len < 0 || len > room)
      fail("target length " + std::to_string(len) + " of sample " + std::to_string(n) + " exceeds the targets (shape " +
           repr::shape_str(tg.sizes()) + ")");
    int64_t start = padded ? n * tg.size(1) : offset;
    for (int64_t i = 0; i < len; ++i) {
      int64_t k = flat[static_cast<std::size_t>(start + i)];
      if (k < 0 || k >= C || k == blank)
        fail("target " + std::to_string(k) + " of sample " + std::to_string(n) + " must be a class index in [0, " +
             std::to_string(C) + ") other than blank " + std::to_string(blank));
      labels[static_cast<std::size_t>(n)].push_back(k);
    }
    offset += padded ? 0 : len;
    max_s = std::max(max_s, len);
  }

  // The extended labels [N, L], which states may skip, where each sample starts and ends.
  const int64_t L = 2 * max_s + 1;
  std::vector<int64_t> ext(static_cast<std::size_t>(N * L), blank), last(static_cast<std::size_t>(N)),
      before_last(static_cast<std::size_t>(N));
  std::vector<char> skip(static_cast<std::size_t>(N * L), 0), start_state(static_cast<std::size_t>(N * L), 0),
      two_ends(static_cast<std::size_t>(N), 0);
  for (int64_t n = 0; n < N; ++n) {
    const std::vector<int64_t>& l = labels[static_cast<std::size_t>(n)];
    int64_t states = 2 * static_cast<int64_t>(l.size()) + 1;
    for (int64_t s = 0; s < states; ++s) {
      std::size_t at = static_cast<std::size_t>(n * L + s);
      if (s % 2) ext[at] = l[static_cast<std::size_t>(s / 2)];
      skip[at] = s >= 2 && s % 2 && ext[at] != ext[at - 2];
      start_state[at] = s < 2;
    }
    last[static_cast<std::size_t>(n)] = states - 1;
    before_last[static_cast<std::size_t>(n)] = states >= 2 ? states - 2 : 0;
    two_ends[static_cast<std::size_t>(n)] = states >= 2;
  }
  Tensor ext_t = ember::tensor(ext, {N, L});
  Tensor skip_t = ember::tensor(std::vector<int64_t>(skip.begin(), skip.end()), {N, L}).ne(0);
  Tensor start_t = ember::tensor(std::vector<int64_t>(start_state.begin(), start_state.end()), {N, L}).ne(0);
  Tensor frames_t = ember::tensor(in_len, {N, 1});

  Tensor neg1 = ember::full({N, 1}, kUnreachable, lp.dtype());
  Tensor alpha = ember::where(start_t, lp.select(0, 0).gather(1, ext_t), Scalar(kUnreachable));
  if (T == 0) alpha = ember::full({N, L}, kUnreachable, lp.dtype());
  for (int64_t t = 1; t < T; ++t) {
    Tensor stay = alpha;
    Tensor move = ember::cat({neg1, alpha}, 1).narrow(1, 0, L);
    Tensor jump = ember::where(skip_t, ember::cat({neg1, neg1, alpha}, 1).narrow(1, 0, L), Scalar(kUnreachable));
    Tensor next = ember::logsumexp(ember::stack({stay, move, jump}, 0), {0}) + lp.select(0, t).gather(1, ext_t);
    // A sample whose frames have ended keeps its alpha.
    alpha = ember::where(frames_t.gt(t), next, alpha);
  }
  Tensor end1 = alpha.gather(1, ember::tensor(last, {N, 1}));
  Tensor end2 = ember::where(ember::tensor(std::vector<int64_t>(two_ends.begin(), two_ends.end()), {N, 1}).ne(0),
                             alpha.gather(1, ember::tensor(before_last, {N, 1})), Scalar(kUnreachable));
  Tensor log_likelihood = ember::logsumexp(ember::cat({end1, end2}, 1), {1});  // [N]
  // A sample with no frames aligns only to an empty target.
  std::vector<int64_t> no_frames(static_cast<std::size_t>(N));
  for (int64_t n = 0; n < N; ++n) no_frames[static_cast<std::size_t>(n)] = in_len[static_cast<std::size_t>(n)] == 0;
  Tensor empty_input = ember::tensor(no_frames, {N}).ne(0);
  Tensor empty_target = ember::tensor(tg_len, {N}).eq(0);
  log_likelihood = ember::where(empty_input, ember::where(empty_target, Scalar(0.0), ember::full({N}, kUnreachable, lp.dtype())),
                                log_likelihood);

  Tensor impossible = log_likelihood.lt(kUnreachable / 2);
  Tensor loss = ember::where(impossible, Scalar(zero_infinity ? 0.0 : std::numeric_limits<double>::infinity()),
                             -log_likelihood);
  if (reduction == "sum") return loss.sum();
  if (reduction == "mean") {
    Tensor divisor = ember::clamp_min(ember::tensor(tg_len, {N}), 1).to(loss.dtype());
    return (loss / divisor).mean();
  }
  return unbatched ? loss.squeeze(0) : loss;
}

}  // namespace functional
}  // namespace nn
}  // namespace ember
