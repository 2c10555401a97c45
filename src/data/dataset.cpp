// Dataset, TensorDataset and default_collate, built on public ops only.
#include "ember/data/dataset.hpp"

#include "ember/autograd.hpp"
#include "ember/creation.hpp"
#include "ember/functions.hpp"
#include "src/core/check.hpp"

namespace ember {
namespace data {

Example default_collate(const std::vector<Example>& samples) {
  EMBER_CHECK(!samples.empty(), "default_collate: got no samples");
  const std::size_t fields = samples[0].size();
  for (std::size_t i = 1; i < samples.size(); ++i) {
    EMBER_CHECK(samples[i].size() == fields, "default_collate: sample 0 has {} fields but sample {} has {}", fields, i,
                samples[i].size());
  }
  Example batch;
  batch.reserve(fields);
  std::vector<Tensor> column(samples.size());
  for (std::size_t f = 0; f < fields; ++f) {
    for (std::size_t i = 0; i < samples.size(); ++i) {
      const Tensor& t = samples[i][f];
      EMBER_CHECK(t.defined(), "default_collate: field {} of sample {} is an undefined tensor", f, i);
      const Tensor& first = samples[0][f];
      EMBER_CHECK(t.sizes().vec() == first.sizes().vec() && t.dtype() == first.dtype(),
                  "default_collate: field {} is {} {} in sample 0 but {} {} in sample {}", f, first.dtype(),
                  first.sizes(), t.dtype(), t.sizes(), i);
      column[i] = t;
    }
    batch.push_back(stack(column, 0));
  }
  return batch;
}

Example Dataset::get_batch(const std::vector<int64_t>& indices) const {
  std::vector<Example> samples;
  samples.reserve(indices.size());
  for (int64_t i : indices) samples.push_back(get(i));
  return default_collate(samples);
}

TensorDataset::TensorDataset(std::vector<Tensor> tensors) { set_tensors(std::move(tensors), "TensorDataset"); }

void TensorDataset::set_tensors(std::vector<Tensor> tensors, const char* who) {
  name_ = who;
  EMBER_CHECK(!tensors.empty(), "{}: needs at least one tensor", who);
  std::string sizes;
  bool same = true;
  for (std::size_t k = 0; k < tensors.size(); ++k) {
    EMBER_CHECK(tensors[k].defined(), "{}: tensor {} is undefined", who, k);
    EMBER_CHECK(tensors[k].dim() >= 1, "{}: tensor {} is 0-dim; every tensor needs a first dim to index", who, k);
    if (tensors[k].size(0) != tensors[0].size(0)) same = false;
    sizes += fmt::format("{}{}", k ? ", " : "", tensors[k].sizes());
  }
  EMBER_CHECK(same, "{}: size mismatch between tensors: first dims differ in {}", who, sizes);
  size_ = tensors[0].size(0);
  tensors_ = std::move(tensors);
}

Example TensorDataset::get(int64_t index) const {
  EMBER_CHECK(index >= 0 && index < size_, "{}: index {} is out of range for a dataset of size {}", name_, index, size_);
  Example out;
  out.reserve(tensors_.size());
  for (const Tensor& t : tensors_) out.push_back(t.select(0, index));
  return out;
}

Example TensorDataset::get_batch(const std::vector<int64_t>& indices) const {
  for (int64_t i : indices) {
    EMBER_CHECK(i >= 0 && i < size_, "{}: index {} is out of range for a dataset of size {}", name_, i, size_);
  }
  NoGradGuard no_grad;
  Tensor index = tensor(indices);
  Example out;
  out.reserve(tensors_.size());
  for (const Tensor& t : tensors_) out.push_back(index_select(t, 0, index));
  return out;
}

}  // namespace data
}  // namespace ember
