// MNIST keeps its pixels as bytes and converts each sample and batch: the values are
// bit-identical to the float(b) / 255.0f conversion of the whole set ember made before
// and to torchvision's ToTensor (torch's float division by 255), and the whole-set
// float tensor exists only when images() or tensors() asks for it.
//
// Expected values: the bit patterns of torch.arange(256, dtype=torch.uint8).float()
// .div(255) from PyTorch 1.13 (their sum over the 256 values, 268502433343, and seven
// of them), and the float division the test does itself.
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "helpers.hpp"

using ember::Tensor;

namespace {

std::filesystem::path scratch_dir() {
  auto dir = std::filesystem::temp_directory_path() / ("ember_mnist_bytes_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir;
}

void write_file(const std::filesystem::path& p, const std::vector<unsigned char>& bytes) {
  std::ofstream out(p, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

std::vector<unsigned char> idx_bytes(int type, const std::vector<uint32_t>& dims, const std::vector<unsigned char>& payload) {
  std::vector<unsigned char> b = {0, 0, static_cast<unsigned char>(type), static_cast<unsigned char>(dims.size())};
  for (uint32_t d : dims) {
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<unsigned char>(d >> s));
  }
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

uint32_t bits_of(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

}  // namespace

TEST_CASE("MNIST converts each batch from bytes exactly as ToTensor does", "[data]") {
  auto dir = scratch_dir();
  // Image k holds the bytes (k * 7 + j) % 256 for pixel j: every value 0..255 occurs.
  const uint32_t n = 5;
  std::vector<unsigned char> pixels(n * 784);
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<unsigned char>(((i / 784) * 7 + i % 784) % 256);
  write_file(dir / "train-images-idx3-ubyte", idx_bytes(0x08, {n, 28, 28}, pixels));
  write_file(dir / "train-labels-idx1-ubyte", idx_bytes(0x08, {n}, {3, 1, 4, 1, 5}));
  ember::data::MNIST m(dir.string());
  REQUIRE(m.size() == 5);
  CHECK(m.data().dtype() == ember::kUInt8);
  CHECK(m.data().sizes().vec() == std::vector<int64_t>{5, 28, 28});
  CHECK(m.data().data_ptr<uint8_t>()[784 + 3] == pixels[784 + 3]);

  ember::data::Example batch = m.get_batch({4, 0, 2});
  REQUIRE(batch[0].dtype() == ember::kFloat32);
  REQUIRE(batch[0].sizes().vec() == std::vector<int64_t>{3, 1, 28, 28});
  CHECK(batch[1].dtype() == ember::kInt64);
  CHECK(std::vector<int64_t>(batch[1].data_ptr<int64_t>(), batch[1].data_ptr<int64_t>() + 3) ==
        std::vector<int64_t>{5, 3, 4});
  const float* got = batch[0].data_ptr<float>();
  const int64_t rows[3] = {4, 0, 2};
  for (int k = 0; k < 3; ++k) {
    for (int j = 0; j < 784; ++j) {
      const unsigned char b = pixels[static_cast<std::size_t>(rows[k] * 784 + j)];
      // The conversion ember did on the whole set before it kept bytes.
      REQUIRE(bits_of(got[k * 784 + j]) == bits_of(static_cast<float>(b) / 255.0f));
    }
  }
  // Image 0 holds the bytes 0..255 in order at pixels 0..255: PyTorch's values.
  const float* first = got + 784;
  uint64_t sum = 0;
  for (int j = 0; j < 256; ++j) sum += bits_of(first[j]);
  CHECK(sum == 268502433343ull);
  CHECK(bits_of(first[1]) == 0x3b808081u);
  CHECK(bits_of(first[2]) == 0x3c008081u);
  CHECK(bits_of(first[3]) == 0x3c40c0c1u);
  CHECK(bits_of(first[127]) == 0x3efefeffu);
  CHECK(bits_of(first[128]) == 0x3f008081u);
  CHECK(bits_of(first[254]) == 0x3f7efeffu);
  CHECK(bits_of(first[255]) == 0x3f800000u);

  // A sample is the batch's row; images() and tensors() give the whole set as float.
  ember::data::Example s = m.get(2);
  CHECK(s[0].sizes().vec() == std::vector<int64_t>{1, 28, 28});
  CHECK(s[1].item<int64_t>() == 4);
  CHECK(std::memcmp(s[0].contiguous().data_ptr<float>(), got + 2 * 784, 784 * 4) == 0);
  const Tensor& all = m.images();
  CHECK(all.dtype() == ember::kFloat32);
  CHECK(all.sizes().vec() == std::vector<int64_t>{5, 1, 28, 28});
  CHECK(std::memcmp(all.data_ptr<float>() + 4 * 784, got, 784 * 4) == 0);
  const ember::data::TensorDataset& as_tensors = m;
  CHECK(as_tensors.tensors()[0].dtype() == ember::kFloat32);
  CHECK(as_tensors.tensors()[1].sizes().vec() == std::vector<int64_t>{5});
  CHECK(&as_tensors.tensors()[0] == &m.images());

  REQUIRE_THROWS_WITH(m.get_batch({0, 5}), Catch::Contains("MNIST: index 5 is out of range for a dataset of size 5"));
  REQUIRE_THROWS_WITH(m.get(-1), Catch::Contains("MNIST: index -1 is out of range for a dataset of size 5"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("a DataLoader over FashionMNIST never makes the whole float set", "[data]") {
  ember::data::FashionMNIST train;
  ember::reset_peak_memory_stats();
  const std::size_t before = ember::memory_stats().allocated_bytes;
  int64_t seen = 0;
  for (auto& batch : ember::data::DataLoader(train, ember::data::DataLoaderOptions().batch_size(1000).num_workers(0))) {
    seen += batch[0].size(0);
    if (seen >= 5000) break;
  }
  CHECK(seen == 5000);
  // A batch of 1000 float images is 3 MB; the whole set as float would be 188 MB.
  CHECK(ember::memory_stats().peak_allocated_bytes < before + 32 * (std::size_t(1) << 20));
  // The bytes: 60000 * 784 (47 MB), not 4 bytes a pixel.
  CHECK(train.data().numel() * train.data().element_size() == 60000 * 784);
}
