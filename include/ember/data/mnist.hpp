// IDX files and the MNIST / Fashion-MNIST datasets (torchvision.datasets.MNIST).
#pragma once
#include <string>

#include "ember/data/dataset.hpp"

namespace ember {
namespace data {

// Reads an IDX file (gzip-compressed or not; zlib tells them apart). Integer element
// types (unsigned byte, signed byte, short, int) give int64, float gives float32,
// double float64; the shape is the file's dims. Throws ember::Error naming the file
// when the header is malformed or the data is shorter or longer than the header says.
Tensor read_idx(const std::string& path);

// MNIST-format data: images float32 [N, 1, 28, 28] scaled to [0, 1] (x / 255, as
// torchvision's ToTensor), labels int64 [N] in 0..9. A sample is {image [1, 28, 28],
// label (0-dim)}. Files under root: train-images-idx3-ubyte, train-labels-idx1-ubyte
// (train) or t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (test), each either with
// ".gz" or without.
class MNIST : public TensorDataset {
 public:
  explicit MNIST(const std::string& root, bool train = true);
  const Tensor& images() const { return tensors()[0]; }
  const Tensor& targets() const { return tensors()[1]; }
  const std::string& root() const { return root_; }
  bool train() const { return train_; }

 protected:
  MNIST(const std::string& root, bool train, const char* name);

 private:
  std::string root_;
  bool train_ = true;
};

// Fashion-MNIST ships in the same format; by default it is read from where Debian's
// dataset-fashion-mnist package installs it.
class FashionMNIST : public MNIST {
 public:
  static constexpr const char* kDefaultRoot = "/usr/share/datasets/fashion-mnist";
  explicit FashionMNIST(const std::string& root = kDefaultRoot, bool train = true);
};

}  // namespace data
}  // namespace ember
