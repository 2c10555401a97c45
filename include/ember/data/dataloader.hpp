// DataLoader: batches of a Dataset, shuffled, prepared ahead in a background thread
// (torch.utils.data.DataLoader with LibTorch-style options).
//
//   ember::data::TensorDataset ds({x, y});
//   ember::data::DataLoader loader(ds, ember::data::DataLoaderOptions().batch_size(64).shuffle(true).seed(0));
//   for (int epoch = 0; epoch < 10; ++epoch)
//     for (auto& batch : loader) train_step(batch[0], batch[1]);
#pragma once
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <type_traits>

#include "ember/data/dataset.hpp"
#include "ember/data/samplers.hpp"

namespace ember {
namespace data {

struct DataLoaderOptions {
  // Samples per batch (PyTorch's default 1).
  DataLoaderOptions& batch_size(int64_t v) { batch_size_ = v; return *this; }
  int64_t batch_size() const { return batch_size_; }
  // Reorder the samples every epoch.
  DataLoaderOptions& shuffle(bool v) { shuffle_ = v; return *this; }
  bool shuffle() const { return shuffle_; }
  // Seed of the shuffling generator. Without one, a shuffling loader draws a seed from
  // ember's global generator when it is made (so ember::manual_seed decides the order,
  // as in PyTorch); a sequential loader draws nothing.
  DataLoaderOptions& seed(uint64_t v) { seed_ = v; return *this; }
  std::optional<uint64_t> seed() const { return seed_; }
  // Leave out the last batch when it would be smaller than batch_size.
  DataLoaderOptions& drop_last(bool v) { drop_last_ = v; return *this; }
  bool drop_last() const { return drop_last_; }
  // 1 (default): batches are made in one background thread; N > 1: in N threads, each
  // making whole batches (the batches, and their order, are the same for every N);
  // 0: in the consumer's thread when it asks for them. (PyTorch's default is 0; ember
  // prepares ahead by default because it costs nothing and overlaps loading with
  // training.)
  DataLoaderOptions& num_workers(int64_t v) { num_workers_ = v; return *this; }
  int64_t num_workers() const { return num_workers_; }
  // LibTorch's name for num_workers.
  DataLoaderOptions& workers(int64_t v) { return num_workers(v); }
  int64_t workers() const { return num_workers_; }
  // Where the indices of each epoch come from; replaces shuffle (setting both is an
  // error, as in PyTorch). Reset with the dataset's size at the start of every epoch.
  DataLoaderOptions& sampler(std::shared_ptr<samplers::Sampler> s) { sampler_ = std::move(s); return *this; }
  const std::shared_ptr<samplers::Sampler>& sampler() const { return sampler_; }
  // How many finished batches each worker may hold ahead of the consumer.
  DataLoaderOptions& prefetch(int64_t v) { prefetch_ = v; return *this; }
  int64_t prefetch() const { return prefetch_; }
  // A collate function; when set, each batch is collate(get(i) for each index) instead
  // of dataset.get_batch(indices).
  DataLoaderOptions& collate(CollateFn fn) { collate_ = std::move(fn); return *this; }
  const CollateFn& collate() const { return collate_; }

 private:
  int64_t batch_size_ = 1;
  bool shuffle_ = false;
  std::optional<uint64_t> seed_;
  bool drop_last_ = false;
  int64_t num_workers_ = 1;
  int64_t prefetch_ = 2;
  CollateFn collate_;
  std::shared_ptr<samplers::Sampler> sampler_;
};

// Each range-for over the loader is one epoch. Shuffling follows one documented
// procedure so that other programs can reproduce the order: a std::mt19937_64 seeded
// with the seed once, when the loader is made; at the start of every epoch the indices
// 0..N-1 (as std::vector<int64_t>, in order) are shuffled with
// std::shuffle(indices.begin(), indices.end(), rng); batch b takes indices
// [b * batch_size, (b + 1) * batch_size).
//
// Batches reach the consumer in order. An exception thrown while making a batch is
// rethrown from the iterator when the consumer reaches that batch, and ends the epoch.
// Leaving a loop early is fine: the worker stops when the next epoch begins or the
// loader is destroyed. Batches are made with gradient recording off.
class DataLoader {
 public:
  class Iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Example;
    using difference_type = std::ptrdiff_t;
    using pointer = Example*;
    using reference = Example&;

    Example& operator*() { return batch_; }
    Example* operator->() { return &batch_; }
    Iterator& operator++();
    bool operator==(const Iterator& o) const { return loader_ == o.loader_; }
    bool operator!=(const Iterator& o) const { return loader_ != o.loader_; }

   private:
    friend class DataLoader;
    explicit Iterator(DataLoader* loader) : loader_(loader) {}
    DataLoader* loader_;  // null at the end
    Example batch_;
  };

  DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options = DataLoaderOptions());
  // Copies the dataset (the built-in ones hold tensor handles, so this is cheap).
  template <class D, class = std::enable_if_t<std::is_base_of<Dataset, std::decay_t<D>>::value>>
  DataLoader(D&& dataset, DataLoaderOptions options = DataLoaderOptions())
      : DataLoader(std::shared_ptr<const Dataset>(std::make_shared<std::decay_t<D>>(std::forward<D>(dataset))),
                   std::move(options)) {}
  ~DataLoader();
  DataLoader(DataLoader&&) noexcept;
  DataLoader& operator=(DataLoader&&) noexcept;
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  // Starts an epoch (ending any unfinished one).
  Iterator begin();
  Iterator end() { return Iterator(nullptr); }
  // Batches per epoch.
  int64_t size() const;
  const Dataset& dataset() const;
  const DataLoaderOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// LibTorch's torch::data::make_data_loader: a loader over a copy of the dataset whose
// order comes from a sampler of type S made for the dataset's size (RandomSampler by
// default, as in LibTorch).
template <class S = samplers::RandomSampler, class D,
          class = std::enable_if_t<std::is_base_of<Dataset, std::decay_t<D>>::value>>
std::unique_ptr<DataLoader> make_data_loader(D&& dataset, DataLoaderOptions options = DataLoaderOptions()) {
  const int64_t size = dataset.size();
  options.sampler(std::make_shared<S>(size));
  return std::make_unique<DataLoader>(std::forward<D>(dataset), std::move(options));
}
template <class S = samplers::RandomSampler, class D,
          class = std::enable_if_t<std::is_base_of<Dataset, std::decay_t<D>>::value>>
std::unique_ptr<DataLoader> make_data_loader(D&& dataset, int64_t batch_size) {
  return make_data_loader<S>(std::forward<D>(dataset), DataLoaderOptions().batch_size(batch_size));
}

}  // namespace data
}  // namespace ember
