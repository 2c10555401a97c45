// IDX files and the MNIST / Fashion-MNIST datasets (torchvision.datasets.MNIST).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "ember/data/dataset.hpp"

namespace ember {
namespace data {

// Reads an IDX file (gzip-compressed or not; zlib tells them apart). Integer element
// types (unsigned byte, signed byte, short, int) give int64, float gives float32,
// double float64; the shape is the file's dims. Throws ember::Error naming the file
// when the header is malformed or the data is shorter or longer than the header says.
Tensor read_idx(const std::string& path);

// MNIST-format data. The pixels are kept as the files store them, uint8 (1 byte a
// pixel, as torchvision's MNIST.data), and each sample or batch is converted when it is
// asked for: images float32 scaled to [0, 1] (x / 255, exactly torchvision's ToTensor),
// labels int64 in 0..9. A sample is {image [1, 28, 28], label (0-dim)}; get_batch (what
// a DataLoader calls) gives {images [B, 1, 28, 28], labels [B]} and converts only those
// B images, so training never holds the whole set as float (188 MB for the 60000
// training images, against 47 MB as bytes).
// Files under root: train-images-idx3-ubyte, train-labels-idx1-ubyte (train) or
// t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (test), each either with ".gz" or
// without.
class MNIST : public TensorDataset {
 public:
  explicit MNIST(const std::string& root, bool train = true);
  Example get(int64_t index) const override;
  Example get_batch(const std::vector<int64_t>& indices) const override;

  // The pixels as stored: uint8 [N, 28, 28] (torchvision's MNIST.data).
  const Tensor& data() const { return data_; }
  // The whole set as float32 [N, 1, 28, 28] in [0, 1], what LibTorch's MNIST::images()
  // returns. Made on the first call (4 bytes a pixel) and kept, shared by copies of
  // this dataset; get, get_batch and a DataLoader never make it.
  const Tensor& images() const;
  const Tensor& targets() const { return targets_; }
  // {images(), targets()}, as a TensorDataset of the converted images would hold
  // (so code written for TensorDataset sees float images); makes images() too.
  const std::vector<Tensor>& tensors() const override;

  const std::string& root() const { return root_; }
  bool train() const { return train_; }

 protected:
  MNIST(const std::string& root, bool train, const char* name);

 private:
  struct Converted;  // images() and tensors(), made once
  std::string root_;
  bool train_ = true;
  Tensor data_;     // uint8 [N, 28, 28]
  Tensor targets_;  // int64 [N]
  std::shared_ptr<Converted> converted_;
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
