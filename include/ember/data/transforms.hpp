// Transforms of samples (torch::data::transforms in LibTorch): a MapDataset applies one
// to every sample its dataset gives.
//
//   auto train = ember::data::map(ember::data::MNIST(root), ember::data::transforms::Normalize({0.1307}, {0.3081}));
//   ember::data::DataLoader loader(train, ember::data::DataLoaderOptions().batch_size(64));
//
// Field 0 of an Example is its data (the image), as LibTorch's Example::data.
#pragma once
#include <functional>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/data/dataset.hpp"

namespace ember {
namespace data {
namespace transforms {

class Transform {
 public:
  virtual ~Transform() = default;
  // The transformed sample.
  virtual Example apply(Example sample) const = 0;
  // Whether apply on a batch (fields stacked along a new first dim) gives the stack of
  // apply on each sample; a MapDataset then transforms whole batches at once.
  virtual bool batchable() const { return false; }
  Example operator()(Example sample) const { return apply(std::move(sample)); }
};

// Any function of a whole sample.
class Lambda : public Transform {
 public:
  explicit Lambda(std::function<Example(Example)> fn);
  Example apply(Example sample) const override;

 private:
  std::function<Example(Example)> fn_;
};

// A function of field 0 (the data); the other fields pass through.
class TensorLambda : public Transform {
 public:
  explicit TensorLambda(std::function<Tensor(Tensor)> fn);
  Example apply(Example sample) const override;

 private:
  std::function<Tensor(Tensor)> fn_;
};

// (data - mean[c]) / stddev[c] for each channel c of field 0, channels being the first
// dim of a sample ([C, H, W]); one value applies to every channel. As LibTorch's
// Normalize, the data is converted to float32 first when it is not a float.
class Normalize : public Transform {
 public:
  Normalize(std::vector<double> mean, std::vector<double> stddev);
  Example apply(Example sample) const override;
  bool batchable() const override { return true; }

 private:
  Tensor mean_, stddev_;  // [C, 1, 1]
};

// Collates samples into a batch (LibTorch's Stack<>): default_collate, usable as a
// DataLoader's collate function.
struct Stack {
  Example operator()(const std::vector<Example>& samples) const { return default_collate(samples); }
};

}  // namespace transforms

// A dataset whose samples are another dataset's, transformed.
class MapDataset : public Dataset {
 public:
  MapDataset(std::shared_ptr<const Dataset> dataset, std::shared_ptr<const transforms::Transform> transform);
  int64_t size() const override { return dataset_->size(); }
  Example get(int64_t index) const override;
  Example get_batch(const std::vector<int64_t>& indices) const override;
  const Dataset& dataset() const { return *dataset_; }

 private:
  std::shared_ptr<const Dataset> dataset_;
  std::shared_ptr<const transforms::Transform> transform_;
};

// dataset.map(transform) in LibTorch: copies both (the built-in datasets hold tensor
// handles, so the copy is cheap).
template <class D, class T,
          class = std::enable_if_t<std::is_base_of<Dataset, std::decay_t<D>>::value &&
                                   std::is_base_of<transforms::Transform, std::decay_t<T>>::value>>
MapDataset map(D&& dataset, T&& transform) {
  return MapDataset(std::make_shared<std::decay_t<D>>(std::forward<D>(dataset)),
                    std::make_shared<std::decay_t<T>>(std::forward<T>(transform)));
}

}  // namespace data
}  // namespace ember
