// data::samplers::DistributedSampler: PyTorch's torch.utils.data.DistributedSampler, each
// rank's share of a dataset. Part of the ember::distributed library (link
// ember::distributed); it needs no communication, only the rank and the number of ranks,
// which default to the default process group's.
//
//   samplers::DistributedSampler sampler(dataset.size().value());
//   auto loader = data::make_data_loader(dataset, DataLoaderOptions(32).sampler(...));
//   for (int epoch = 0; ...) { sampler.set_epoch(epoch); for (auto& batch : *loader) ... }
//
// Indices (as PyTorch): with shuffle, a permutation of [0, dataset_size) drawn by
// randperm from a generator of its own seeded with seed + epoch (the same on every rank;
// ember's global generator is not touched), else
// 0, 1, ...; then padded by repeating its start until its length divides by
// num_replicas (or, with drop_last, cut to the largest such length); this rank takes
// indices[rank], indices[rank + num_replicas], ...
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "ember/data/samplers.hpp"

namespace ember {
namespace data {
namespace samplers {

class DistributedSampler : public Sampler {
 public:
  // num_replicas and rank of -1: the default process group's world size and rank.
  explicit DistributedSampler(std::size_t dataset_size, int64_t num_replicas = -1, int64_t rank = -1,
                              bool shuffle = true, uint64_t seed = 0, bool drop_last = false);

  // Selects the permutation of the next epochs (call before each epoch, as in PyTorch).
  void set_epoch(uint64_t epoch);
  uint64_t epoch() const { return epoch_; }
  // This rank's indices for the current epoch, in order.
  std::vector<std::size_t> indices() const;

  // Sampler: reset() starts the current epoch over (new_size replaces the dataset size).
  void reset(std::optional<std::size_t> new_size = std::nullopt) override;
  std::optional<std::vector<std::size_t>> next(std::size_t batch_size) override;
  std::size_t size() const override { return num_samples_; }  // this rank's share
  std::size_t total_size() const { return num_samples_ * static_cast<std::size_t>(num_replicas_); }
  int64_t num_replicas() const { return num_replicas_; }
  int64_t rank() const { return rank_; }

 private:
  void compute_sizes();
  std::size_t dataset_size_;
  int64_t num_replicas_;
  int64_t rank_;
  bool shuffle_;
  uint64_t seed_;
  bool drop_last_;
  uint64_t epoch_ = 0;
  std::size_t num_samples_ = 0;
  std::vector<std::size_t> order_;
  std::size_t index_ = 0;
};

}  // namespace samplers
}  // namespace data
}  // namespace ember
