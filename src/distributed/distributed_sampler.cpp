// DistributedSampler: PyTorch's index formula; the rank defaults from the process group.
#include "ember/data/distributed_sampler.hpp"

#include "ember/creation.hpp"
#include "ember/distributed.hpp"
#include "src/core/check.hpp"

namespace ember {
namespace data {
namespace samplers {

DistributedSampler::DistributedSampler(std::size_t dataset_size, int64_t num_replicas, int64_t rank, bool shuffle,
                                       uint64_t seed, bool drop_last)
    : dataset_size_(dataset_size),
      num_replicas_(num_replicas),
      rank_(rank),
      shuffle_(shuffle),
      seed_(seed),
      drop_last_(drop_last) {
  if (num_replicas_ < 0 || rank_ < 0) {
    EMBER_CHECK(distributed::is_initialized(),
                "DistributedSampler: num_replicas ({}) or rank ({}) left to the default process group, which is "
                "not initialized",
                num_replicas, rank);
    if (num_replicas_ < 0) num_replicas_ = distributed::get_world_size();
    if (rank_ < 0) rank_ = distributed::get_rank();
  }
  EMBER_CHECK(num_replicas_ > 0, "DistributedSampler: num_replicas must be positive, got {}", num_replicas_);
  EMBER_CHECK(rank_ < num_replicas_, "DistributedSampler: invalid rank {}, rank should be in the interval [0, {}]",
              rank_, num_replicas_ - 1);
  compute_sizes();
  reset();
}

void DistributedSampler::compute_sizes() {
  std::size_t n = static_cast<std::size_t>(num_replicas_);
  num_samples_ = drop_last_ ? dataset_size_ / n : (dataset_size_ + n - 1) / n;
}

void DistributedSampler::set_epoch(uint64_t epoch) {
  epoch_ = epoch;
  reset();
}

std::vector<std::size_t> DistributedSampler::indices() const {
  std::vector<std::size_t> all(dataset_size_);
  if (shuffle_ && dataset_size_ > 0) {
    // ember's generator is PyTorch's: a randperm from manual_seed(seed + epoch) is the
    // permutation torch.Generator().manual_seed(seed + epoch) gives. The caller's
    // generator state is put back afterwards.
    Tensor saved = ember::get_rng_state();
    ember::manual_seed(seed_ + epoch_);
    Tensor perm = ember::randperm(static_cast<int64_t>(dataset_size_));
    ember::set_rng_state(saved);
    const int64_t* p = perm.data_ptr<int64_t>();
    for (std::size_t i = 0; i < dataset_size_; ++i) all[i] = static_cast<std::size_t>(p[i]);
  } else {
    for (std::size_t i = 0; i < dataset_size_; ++i) all[i] = i;
  }
  std::size_t total = total_size();
  if (all.size() > total) {
    all.resize(total);
  } else if (!all.empty()) {
    // Pad by repeating from the start (several times over when the dataset is tiny).
    std::size_t have = all.size();
    for (std::size_t i = 0; all.size() < total; ++i) all.push_back(all[i % have]);
  }
  std::vector<std::size_t> mine;
  mine.reserve(num_samples_);
  for (std::size_t i = static_cast<std::size_t>(rank_); i < all.size(); i += static_cast<std::size_t>(num_replicas_))
    mine.push_back(all[i]);
  return mine;
}

void DistributedSampler::reset(std::optional<std::size_t> new_size) {
  if (new_size) {
    dataset_size_ = *new_size;
    compute_sizes();
  }
  order_ = indices();
  index_ = 0;
}

std::optional<std::vector<std::size_t>> DistributedSampler::next(std::size_t batch_size) {
  if (index_ >= order_.size()) return std::nullopt;
  std::size_t end = std::min(order_.size(), index_ + batch_size);
  std::vector<std::size_t> batch(order_.begin() + static_cast<std::ptrdiff_t>(index_),
                                 order_.begin() + static_cast<std::ptrdiff_t>(end));
  index_ = end;
  return batch;
}

}  // namespace samplers
}  // namespace data
}  // namespace ember
