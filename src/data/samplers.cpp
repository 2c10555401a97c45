#include "ember/data/samplers.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "ember/creation.hpp"
#include "src/core/check.hpp"

namespace ember {
namespace data {
namespace samplers {

namespace {

// The next up to batch_size entries of order from index on.
std::optional<std::vector<std::size_t>> take(const std::vector<std::size_t>& order, std::size_t& index,
                                             std::size_t batch_size, const char* who) {
  EMBER_CHECK(batch_size > 0, "{}: next() needs a batch size of at least 1, got 0", who);
  if (index >= order.size()) return std::nullopt;
  const std::size_t end = std::min(order.size(), index + batch_size);
  std::vector<std::size_t> out(order.begin() + static_cast<std::ptrdiff_t>(index),
                               order.begin() + static_cast<std::ptrdiff_t>(end));
  index = end;
  return out;
}

// A random permutation of 0 .. n - 1 from ember's generator.
std::vector<std::size_t> permutation(std::size_t n) {
  std::vector<std::size_t> out;
  out.reserve(n);
  if (n == 0) return out;
  for (int64_t i : randperm(static_cast<int64_t>(n)).tolist<int64_t>()) out.push_back(static_cast<std::size_t>(i));
  return out;
}

}  // namespace

void SequentialSampler::reset(std::optional<std::size_t> new_size) {
  if (new_size) size_ = *new_size;
  index_ = 0;
}

std::optional<std::vector<std::size_t>> SequentialSampler::next(std::size_t batch_size) {
  EMBER_CHECK(batch_size > 0, "SequentialSampler: next() needs a batch size of at least 1, got 0");
  if (index_ >= size_) return std::nullopt;
  const std::size_t end = std::min(size_, index_ + batch_size);
  std::vector<std::size_t> out(end - index_);
  std::iota(out.begin(), out.end(), index_);
  index_ = end;
  return out;
}

RandomSampler::RandomSampler(int64_t size, Dtype index_dtype) {
  EMBER_CHECK(size >= 0, "RandomSampler: size must be >= 0, got {}", size);
  EMBER_CHECK(index_dtype == kInt64, "RandomSampler: index_dtype must be int64, got {}", index_dtype);
  order_ = permutation(static_cast<std::size_t>(size));
}

void RandomSampler::reset(std::optional<std::size_t> new_size) {
  order_ = permutation(new_size ? *new_size : order_.size());
  index_ = 0;
}

std::optional<std::vector<std::size_t>> RandomSampler::next(std::size_t batch_size) {
  return take(order_, index_, batch_size, "RandomSampler");
}

SubsetRandomSampler::SubsetRandomSampler(std::vector<std::size_t> indices) : indices_(std::move(indices)) {}

void SubsetRandomSampler::reset(std::optional<std::size_t>) {
  order_.clear();
  for (std::size_t i : permutation(indices_.size())) order_.push_back(indices_[i]);
  index_ = 0;
  drawn_ = true;
}

std::optional<std::vector<std::size_t>> SubsetRandomSampler::next(std::size_t batch_size) {
  if (!drawn_) reset();
  return take(order_, index_, batch_size, "SubsetRandomSampler");
}

WeightedRandomSampler::WeightedRandomSampler(std::vector<double> weights, std::size_t num_samples, bool replacement)
    : weights_(std::move(weights)), num_samples_(num_samples), replacement_(replacement) {
  EMBER_CHECK(!weights_.empty(), "WeightedRandomSampler: weights must not be empty");
  EMBER_CHECK(num_samples_ > 0, "WeightedRandomSampler: num_samples must be positive, got 0");
  std::size_t nonzero = 0;
  for (std::size_t i = 0; i < weights_.size(); ++i) {
    EMBER_CHECK(std::isfinite(weights_[i]) && weights_[i] >= 0,
                "WeightedRandomSampler: weights must be finite and >= 0, weights[{}] is {}", i, weights_[i]);
    nonzero += weights_[i] > 0;
  }
  EMBER_CHECK(nonzero > 0, "WeightedRandomSampler: the {} weights are all zero", weights_.size());
  EMBER_CHECK(replacement_ || num_samples_ <= nonzero,
              "WeightedRandomSampler: cannot draw {} samples without replacement from {} nonzero weights",
              num_samples_, nonzero);
}

void WeightedRandomSampler::reset(std::optional<std::size_t>) {
  const std::size_t n = weights_.size();
  order_.assign(num_samples_, 0);
  index_ = 0;
  drawn_ = true;
  if (replacement_) {
    // Inverse transform sampling: u uniform in [0, total), the first index whose
    // cumulative weight exceeds u.
    std::vector<double> cdf(n);
    std::partial_sum(weights_.begin(), weights_.end(), cdf.begin());
    const std::vector<double> u = rand({static_cast<int64_t>(num_samples_)}, kFloat64).tolist<double>();
    for (std::size_t s = 0; s < num_samples_; ++s) {
      auto it = std::upper_bound(cdf.begin(), cdf.end(), u[s] * cdf.back());
      std::size_t i = std::min<std::size_t>(static_cast<std::size_t>(it - cdf.begin()), n - 1);
      while (weights_[i] == 0) --i;  // u * total rounded up onto a zero-weight tail
      order_[s] = i;
    }
    return;
  }
  // Without replacement: the num_samples largest keys log(u_i) / w_i (Efraimidis and
  // Spirakis), which orders the indices as drawing one at a time, each in proportion
  // to its weight among those not yet drawn.
  const std::vector<double> u = rand({static_cast<int64_t>(n)}, kFloat64).tolist<double>();
  std::vector<double> key(n);
  for (std::size_t i = 0; i < n; ++i)
    key[i] = weights_[i] > 0 ? std::log(u[i]) / weights_[i] : -std::numeric_limits<double>::infinity();
  std::vector<std::size_t> idx(n);
  std::iota(idx.begin(), idx.end(), std::size_t(0));
  std::partial_sort(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(num_samples_), idx.end(),
                    [&](std::size_t a, std::size_t b) { return key[a] > key[b] || (key[a] == key[b] && a < b); });
  std::copy(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(num_samples_), order_.begin());
}

std::optional<std::vector<std::size_t>> WeightedRandomSampler::next(std::size_t batch_size) {
  if (!drawn_) reset();
  return take(order_, index_, batch_size, "WeightedRandomSampler");
}

}  // namespace samplers
}  // namespace data
}  // namespace ember
