// Datasets (torch.utils.data.Dataset, TensorDataset) and default_collate.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ember/tensor.hpp"

namespace ember {
namespace data {

// One sample, or one batch: a list of tensors (image, label, ...), like the tuple
// PyTorch's TensorDataset returns.
using Example = std::vector<Tensor>;

// Turns a list of samples into a batch (torch.utils.data's collate_fn).
using CollateFn = std::function<Example(const std::vector<Example>&)>;

// Stacks field k of every sample into field k of the batch (a new first dim of size
// len(samples)); 0-dim fields (labels) become 1-D. Samples must have the same number
// of fields, and a field the same shape and dtype in every sample.
Example default_collate(const std::vector<Example>& samples);

// A map-style dataset: size() samples, get(i) for 0 <= i < size().
// The DataLoader calls get and get_batch from its worker thread, so they must not
// change shared state without locking (both are const for that reason).
class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual int64_t size() const = 0;
  virtual Example get(int64_t index) const = 0;
  // The batch of these samples, equal to default_collate of get(i) for each index.
  // The default does exactly that; datasets backed by big tensors override it to
  // gather the whole batch at once, which is what makes a DataLoader fast.
  virtual Example get_batch(const std::vector<int64_t>& indices) const;
};

// Samples are slices along the first dim of each tensor (torch.utils.data.TensorDataset);
// get(i) returns views, get_batch gathers rows with index_select.
class TensorDataset : public Dataset {
 public:
  // All tensors must have at least one dim and the same size of the first dim.
  explicit TensorDataset(std::vector<Tensor> tensors);
  int64_t size() const override { return size_; }
  Example get(int64_t index) const override;
  Example get_batch(const std::vector<int64_t>& indices) const override;
  // Virtual so that a dataset that stores its data in another form (MNIST keeps bytes)
  // can still hand out the tensors its samples are made of.
  virtual const std::vector<Tensor>& tensors() const { return tensors_; }

 protected:
  TensorDataset() = default;
  void set_tensors(std::vector<Tensor> tensors, const char* who);
  std::string name_ = "TensorDataset";

 private:
  std::vector<Tensor> tensors_;
  int64_t size_ = 0;
};

}  // namespace data
}  // namespace ember
