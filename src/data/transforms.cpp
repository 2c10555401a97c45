#include "ember/data/transforms.hpp"

#include "ember/creation.hpp"
#include "src/core/check.hpp"

namespace ember {
namespace data {
namespace transforms {

Lambda::Lambda(std::function<Example(Example)> fn) : fn_(std::move(fn)) {
  EMBER_CHECK(fn_ != nullptr, "transforms::Lambda: the function is empty");
}
Example Lambda::apply(Example sample) const { return fn_(std::move(sample)); }

TensorLambda::TensorLambda(std::function<Tensor(Tensor)> fn) : fn_(std::move(fn)) {
  EMBER_CHECK(fn_ != nullptr, "transforms::TensorLambda: the function is empty");
}
Example TensorLambda::apply(Example sample) const {
  EMBER_CHECK(!sample.empty(), "transforms::TensorLambda: the sample has no fields");
  sample[0] = fn_(std::move(sample[0]));
  return sample;
}

Normalize::Normalize(std::vector<double> mean, std::vector<double> stddev) {
  EMBER_CHECK(!mean.empty() && !stddev.empty(), "transforms::Normalize: mean and stddev need at least one value each");
  for (double s : stddev) EMBER_CHECK(s != 0, "transforms::Normalize: a stddev is zero");
  const int64_t nm = static_cast<int64_t>(mean.size()), ns = static_cast<int64_t>(stddev.size());
  mean_ = tensor(mean, kFloat32).view({nm, 1, 1});
  stddev_ = tensor(stddev, kFloat32).view({ns, 1, 1});
}

Example Normalize::apply(Example sample) const {
  EMBER_CHECK(!sample.empty() && sample[0].defined(), "transforms::Normalize: the sample has no data field");
  Tensor x = sample[0];
  // Channels are dim -3 of the data ([C, H, W], or a batch [N, C, H, W]).
  const int64_t channels = x.dim() >= 3 ? x.size(-3) : 1;
  EMBER_CHECK(mean_.size(0) == 1 || mean_.size(0) == channels,
              "transforms::Normalize: {} mean values for data of shape {} ({} channels)", mean_.size(0), x.sizes(),
              channels);
  EMBER_CHECK(stddev_.size(0) == 1 || stddev_.size(0) == channels,
              "transforms::Normalize: {} stddev values for data of shape {} ({} channels)", stddev_.size(0),
              x.sizes(), channels);
  if (!is_floating_point(x.dtype())) x = x.to(kFloat32);
  sample[0] = (x - mean_.to(x.dtype())) / stddev_.to(x.dtype());
  return sample;
}

}  // namespace transforms

MapDataset::MapDataset(std::shared_ptr<const Dataset> dataset, std::shared_ptr<const transforms::Transform> transform)
    : dataset_(std::move(dataset)), transform_(std::move(transform)) {
  EMBER_CHECK(dataset_ != nullptr, "MapDataset: dataset is null");
  EMBER_CHECK(transform_ != nullptr, "MapDataset: transform is null");
}

Example MapDataset::get(int64_t index) const { return transform_->apply(dataset_->get(index)); }

Example MapDataset::get_batch(const std::vector<int64_t>& indices) const {
  if (transform_->batchable()) return transform_->apply(dataset_->get_batch(indices));
  return Dataset::get_batch(indices);
}

}  // namespace data
}  // namespace ember
