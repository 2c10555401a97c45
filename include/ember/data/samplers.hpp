// Samplers: which dataset indices a DataLoader visits, in which order
// (torch::data::samplers in LibTorch, torch.utils.data's samplers in Python).
//
//   auto sampler = std::make_shared<ember::data::samplers::WeightedRandomSampler>(weights, 1000);
//   ember::data::DataLoader loader(ds, ember::data::DataLoaderOptions().batch_size(32).sampler(sampler));
//
// A sampler is reset at the start of every epoch and then asked for indices in chunks
// until it has none left. The random ones draw from ember's global generator at reset,
// so ember::manual_seed decides their order.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "ember/dtype.hpp"

namespace ember {
namespace data {
namespace samplers {

class Sampler {
 public:
  virtual ~Sampler() = default;
  // Starts a new pass over the indices; new_size, when given, is the dataset's size
  // (samplers that hold their own indices or count ignore it).
  virtual void reset(std::optional<std::size_t> new_size = std::nullopt) = 0;
  // Up to batch_size next indices, or nullopt when the pass is over.
  virtual std::optional<std::vector<std::size_t>> next(std::size_t batch_size) = 0;
  // Indices in one pass (Python's len(sampler)).
  virtual std::size_t size() const = 0;
};

// 0, 1, ..., size - 1.
class SequentialSampler : public Sampler {
 public:
  explicit SequentialSampler(std::size_t size) : size_(size) {}
  void reset(std::optional<std::size_t> new_size = std::nullopt) override;
  std::optional<std::vector<std::size_t>> next(std::size_t batch_size) override;
  std::size_t size() const override { return size_; }
  // Indices handed out so far in this pass.
  std::size_t index() const { return index_; }

 private:
  std::size_t size_;
  std::size_t index_ = 0;
};

// A permutation of 0 .. size - 1, drawn with ember::randperm at every reset (as LibTorch's
// RandomSampler; with the same seed, the same permutation as torch.randperm).
class RandomSampler : public Sampler {
 public:
  explicit RandomSampler(int64_t size, Dtype index_dtype = kInt64);
  void reset(std::optional<std::size_t> new_size = std::nullopt) override;
  std::optional<std::vector<std::size_t>> next(std::size_t batch_size) override;
  std::size_t size() const override { return order_.size(); }
  std::size_t index() const { return index_; }

 private:
  std::vector<std::size_t> order_;
  std::size_t index_ = 0;
};

// The given indices in a random order, drawn at every reset, or at the first next()
// without one (torch.utils.data's SubsetRandomSampler, indices[randperm(len(indices))],
// drawn once per epoch as PyTorch's DataLoader does, so the orders match PyTorch's for
// the same seed).
class SubsetRandomSampler : public Sampler {
 public:
  explicit SubsetRandomSampler(std::vector<std::size_t> indices);
  void reset(std::optional<std::size_t> new_size = std::nullopt) override;
  std::optional<std::vector<std::size_t>> next(std::size_t batch_size) override;
  std::size_t size() const override { return indices_.size(); }

 private:
  std::vector<std::size_t> indices_;
  std::vector<std::size_t> order_;
  std::size_t index_ = 0;
  bool drawn_ = false;
};

// num_samples indices drawn with probability proportional to weights[i]
// (torch.utils.data's WeightedRandomSampler). With replacement an index may repeat;
// without, each is drawn at most once, so num_samples may not exceed the number of
// nonzero weights. Weights need not sum to one; they must be finite and >= 0. Drawn at
// every reset, or at the first next() without one. (The draws are ember's own: the
// distribution is PyTorch's, the particular indices are not torch.multinomial's.)
class WeightedRandomSampler : public Sampler {
 public:
  WeightedRandomSampler(std::vector<double> weights, std::size_t num_samples, bool replacement = true);
  void reset(std::optional<std::size_t> new_size = std::nullopt) override;
  std::optional<std::vector<std::size_t>> next(std::size_t batch_size) override;
  std::size_t size() const override { return num_samples_; }

 private:
  std::vector<double> weights_;
  std::size_t num_samples_;
  bool replacement_;
  std::vector<std::size_t> order_;
  std::size_t index_ = 0;
  bool drawn_ = false;
};

}  // namespace samplers
}  // namespace data
}  // namespace ember
