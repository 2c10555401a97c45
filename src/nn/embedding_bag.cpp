// EmbeddingBag, composed from public ops as PyTorch 1.13's F.embedding_bag behaves: the
// bags are worked out from the offsets on the host, the rows of every bag are picked
// with one index_select, then summed into their bag with one index_add (sum and mean)
// or reduced bag by bag (max).
#include "ember/nn/embedding_bag.hpp"

#include <vector>

#include "ember/autograd.hpp"
#include "ember/creation.hpp"
#include "ember/functions.hpp"
#include "ember/nn/functional_options.hpp"
#include "ember/nn/init.hpp"
#include "src/core/check.hpp"
#include "src/nn/repr.hpp"

namespace ember {
namespace nn {

namespace functional {

namespace {

// An int64 index tensor's values, any shape, row-major.
std::vector<int64_t> index_values(const char* op, const char* name, const Tensor& t) {
  EMBER_CHECK(t.dtype() == kInt64, "{}: expected {} of dtype int64, got {} of shape {}", op, name, t.dtype(),
              t.sizes());
  return t.contiguous().reshape({-1}).tolist<int64_t>();
}

}  // namespace

Tensor embedding_bag(const Tensor& input, const Tensor& weight, const EmbeddingBagFuncOptions& o) {
  const char* op = "embedding_bag";
  EMBER_CHECK(input.defined() && weight.defined(), "{}: input and weight must be defined", op);
  EMBER_CHECK(weight.dim() == 2, "{}: expected weight of shape [num_embeddings, embedding_dim], got {}", op,
              weight.sizes());
  EMBER_CHECK(o.mode() == "sum" || o.mode() == "mean" || o.mode() == "max",
              "{}: mode has to be one of sum, mean or max, got \"{}\"", op, o.mode());
  EMBER_CHECK(!o.sparse(), "{}: sparse gradients are not supported", op);
  EMBER_CHECK(!o.scale_grad_by_freq(), "{}: scale_grad_by_freq is not supported", op);
  const Tensor& psw = o.per_sample_weights();
  if (psw.defined()) {
    EMBER_CHECK(psw.sizes().vec() == input.sizes().vec(),
                "{}: per_sample_weights {} must have the same shape as the input {}", op, psw.sizes(), input.sizes());
    EMBER_CHECK(o.mode() == "sum", "{}: per_sample_weights is only supported for mode \"sum\", got mode \"{}\"", op,
                o.mode());
  }
  const int64_t num = weight.size(0), n = input.numel();
  std::vector<int64_t> offsets;
  if (input.dim() == 2) {
    EMBER_CHECK(!o.offsets().defined(),
                "{}: offsets must be undefined for a 2-D input {} (each row is a bag), got offsets {}", op,
                input.sizes(), o.offsets().sizes());
    for (int64_t start = 0; start < n; start += input.size(1)) offsets.push_back(start);
  } else {
    EMBER_CHECK(input.dim() == 1, "{}: input has to be a 1-D or 2-D tensor, got {}", op, input.sizes());
    EMBER_CHECK(o.offsets().defined() && o.offsets().dim() == 1,
                "{}: offsets has to be a 1-D tensor for a 1-D input {}, got {}", op, input.sizes(),
                o.offsets().defined() ? fmt::format("{}", o.offsets().sizes()) : std::string("none"));
    offsets = index_values(op, "offsets", o.offsets());
  }
  std::vector<int64_t> idx = index_values(op, "input", input);
  for (int64_t i : idx)
    EMBER_CHECK(i >= 0 && i < num, "{}: index {} is out of range for weight of shape {}", op, i, weight.sizes());
  std::optional<int64_t> pad = o.padding_idx();
  if (pad) {
    EMBER_CHECK(*pad >= -num && *pad < num, "{}: padding_idx {} must be within num_embeddings {} (weight {})", op,
                *pad, num, weight.sizes());
    if (*pad < 0) *pad += num;
  }

  // Bag b holds positions [offsets[b], end(b)): the next offset, or the input's end for
  // the last bag unless include_last_offset makes the last offset that end.
  const bool last_is_end = o.include_last_offset();
  EMBER_CHECK(!last_is_end || !offsets.empty(), "{}: include_last_offset needs at least one offset", op);
  const int64_t bags = static_cast<int64_t>(offsets.size()) - (last_is_end ? 1 : 0);
  if (!offsets.empty())
    EMBER_CHECK(offsets[0] == 0, "{}: offsets[0] has to be 0 (the first bag starts at the input's start), got {}", op,
                offsets[0]);
  std::vector<int64_t> positions, bag_of, count(static_cast<std::size_t>(bags), 0);
  for (int64_t b = 0; b < bags; ++b) {
    const int64_t start = offsets[b];
    const int64_t end = b + 1 < static_cast<int64_t>(offsets.size()) ? offsets[b + 1] : n;
    EMBER_CHECK(start <= end && end <= n,
                "{}: offsets must be non-decreasing and at most the input's length {}, got {} then {}", op, n, start,
                end);
    for (int64_t i = start; i < end; ++i) {
      if (pad && idx[i] == *pad) continue;
      positions.push_back(i);
      bag_of.push_back(b);
      ++count[b];
    }
  }

  Tensor flat = input.reshape({-1});
  if (o.max_norm())  // F::embedding renormalises the rows the input picks, in place.
    embedding(flat, weight, EmbeddingFuncOptions().max_norm(o.max_norm()).norm_type(o.norm_type()));
  const int64_t picked = static_cast<int64_t>(positions.size());
  Tensor pos = ember::tensor(positions, {picked});
  Tensor rows = weight.index_select(0, flat.index_select(0, pos));  // [picked, dim]
  const int64_t dim = weight.size(1);
  if (o.mode() == "max") {
    std::vector<Tensor> out;
    int64_t first = 0;
    for (int64_t b = 0; b < bags; ++b) {
      out.push_back(count[b] ? std::get<0>(rows.narrow(0, first, count[b]).max(0))
                             : ember::zeros({dim}, weight.dtype()));
      first += count[b];
    }
    return bags ? ember::stack(out) : ember::zeros({0, dim}, weight.dtype());
  }
  if (psw.defined()) rows = rows * psw.reshape({-1}).index_select(0, pos).unsqueeze(1);
  Tensor out = ember::zeros({bags, dim}, weight.dtype()).index_add(0, ember::tensor(bag_of, {picked}), rows);
  if (o.mode() == "mean") {
    std::vector<double> divisor(count.begin(), count.end());
    for (double& d : divisor) d = d > 0 ? d : 1;
    out = out / ember::tensor(divisor, {bags, 1}, weight.dtype());
  }
  return out;
}

}  // namespace functional

namespace F = functional;

EmbeddingBagImpl::EmbeddingBagImpl(const EmbeddingBagOptions& o) : Module("EmbeddingBag"), options(o) {
  const int64_t n = options.num_embeddings(), d = options.embedding_dim();
  EMBER_CHECK(n > 0 && d > 0, "EmbeddingBag: num_embeddings and embedding_dim must be positive, got {} and {}", n, d);
  EMBER_CHECK(options.mode() == "sum" || options.mode() == "mean" || options.mode() == "max",
              "EmbeddingBag: mode has to be one of sum, mean or max, got \"{}\"", options.mode());
  if (options.padding_idx()) {
    const int64_t p = *options.padding_idx();
    EMBER_CHECK(p >= -n && p < n, "EmbeddingBag: padding_idx must be within num_embeddings ({}), got {}", n, p);
    if (p < 0) options.padding_idx(p + n);
  }
  const Tensor& given = options._weight();
  if (given.defined()) {
    EMBER_CHECK(given.dim() == 2 && given.size(0) == n && given.size(1) == d,
                "EmbeddingBag: _weight must have shape [num_embeddings, embedding_dim] = [{}, {}], got {}", n, d,
                given.sizes());
    weight = register_parameter("weight", given.detach().clone());
  } else {
    weight = register_parameter("weight", ember::empty({n, d}));
    reset_parameters();
  }
}

void EmbeddingBagImpl::reset_parameters() {
  init::normal_(weight);
  if (options.padding_idx()) {
    NoGradGuard no_grad;
    weight[*options.padding_idx()].fill_(0);
  }
}

Tensor EmbeddingBagImpl::forward(const Tensor& input, const Tensor& offsets, const Tensor& per_sample_weights) {
  return F::embedding_bag(input, weight,
                          F::EmbeddingBagFuncOptions()
                              .offsets(offsets)
                              .max_norm(options.max_norm())
                              .norm_type(options.norm_type())
                              .scale_grad_by_freq(options.scale_grad_by_freq())
                              .mode(options.mode())
                              .sparse(options.sparse())
                              .per_sample_weights(per_sample_weights)
                              .include_last_offset(options.include_last_offset())
                              .padding_idx(options.padding_idx()));
}

// PyTorch's EmbeddingBag.extra_repr.
std::string EmbeddingBagImpl::extra_repr() const {
  std::string s = std::to_string(options.num_embeddings()) + ", " + std::to_string(options.embedding_dim());
  if (options.max_norm()) s += ", max_norm=" + repr::py_float(*options.max_norm());
  if (options.norm_type() != 2) s += ", norm_type=" + repr::py_float(options.norm_type());
  if (options.scale_grad_by_freq()) s += ", scale_grad_by_freq=True";
  s += ", mode=" + options.mode();
  if (options.padding_idx()) s += ", padding_idx=" + std::to_string(*options.padding_idx());
  return s;
}

EmbeddingBag EmbeddingBag::from_pretrained(const Tensor& embeddings, const EmbeddingBagFromPretrainedOptions& o) {
  EMBER_CHECK(embeddings.defined() && embeddings.dim() == 2,
              "EmbeddingBag::from_pretrained: embeddings must be 2-dimensional, got {}",
              embeddings.defined() ? fmt::format("{}", embeddings.sizes()) : std::string("undefined"));
  EmbeddingBag bag(EmbeddingBagOptions(embeddings.size(0), embeddings.size(1))
                       ._weight(embeddings)
                       .max_norm(o.max_norm())
                       .norm_type(o.norm_type())
                       .scale_grad_by_freq(o.scale_grad_by_freq())
                       .mode(o.mode())
                       .sparse(o.sparse())
                       .include_last_offset(o.include_last_offset())
                       .padding_idx(o.padding_idx()));
  bag->weight.requires_grad_(!o.freeze());
  return bag;
}

}  // namespace nn
}  // namespace ember
