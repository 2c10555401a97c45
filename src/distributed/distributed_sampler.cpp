// DistributedSampler: PyTorch's index formula; the rank defaults from the process group.
#include "ember/data/distributed_sampler.hpp"

#include <utility>

#include "ops/random.hpp"
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
  for (std::size_t i = 0; i < dataset_size_; ++i) all[i] = i;
  if (shuffle_) {
    // torch.randperm(n, generator=torch.Generator().manual_seed(seed + epoch)) on the CPU:
    // a Mersenne Twister of its own (ember's is PyTorch's), so the global generator is
    // left alone; position i swaps with i + (32-bit draw mod the n - i left).
    detail::Mt19937 engine(seed_ + epoch_);
    for (std::size_t i = 0; i + 1 < dataset_size_; ++i) {
      std::size_t z = static_cast<std::size_t>(engine() % static_cast<uint64_t>(dataset_size_ - i));
      std::swap(all[i], all[i + z]);
    }
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
