// IDX files (the MNIST format) and the MNIST / Fashion-MNIST datasets.
//
// An IDX file is: two zero bytes, a type byte, a dim count byte, then each dim as a
// big-endian uint32, then the elements big-endian in row-major order. zlib's gzread
// reads gzip-compressed and plain files alike. The header is never trusted for an
// allocation: data is read in fixed-size chunks as bytes arrive, and the tensor is made
// once the byte count is known to match; the chunks are copied into it and freed one
// by one, so reading never holds much more than the data once (a buffer grown by
// doubling would hold up to three times as much while it is copied).
//
// MNIST keeps the pixels as bytes and converts a batch when it is asked for, each
// pixel float(b) / 255.0f: the same float division torchvision's ToTensor (and ember
// before it kept bytes) does, so the values are bit-identical.
#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <type_traits>

#include "ember/creation.hpp"
#include "ember/data/mnist.hpp"
#include "src/core/check.hpp"
#include "src/io/bytes.hpp"

namespace ember {
namespace data {
namespace {

struct GzFile {
  gzFile f = nullptr;
  ~GzFile() {
    if (f) gzclose(f);
  }
};

// A multiple of every element size, so no element straddles two chunks.
constexpr std::size_t kChunkBytes = std::size_t(1) << 20;

struct IdxData {
  int type = 0;                  // the IDX type byte
  std::vector<int64_t> dims;
  std::size_t size = 0;          // bytes of element data
  std::vector<std::vector<unsigned char>> chunks;  // the elements, as in the file, kChunkBytes each but the last
};

int element_bytes(int type) {
  switch (type) {
    case 0x08: case 0x09: return 1;  // unsigned / signed byte
    case 0x0B: return 2;             // short
    case 0x0C: case 0x0D: return 4;  // int, float
    case 0x0E: return 8;             // double
    default: return 0;
  }
}

// Reads up to n bytes; returns how many were read, throwing on a decompression error.
std::size_t read_some(GzFile& gz, const std::string& path, unsigned char* out, std::size_t n) {
  std::size_t got = 0;
  while (got < n) {
    unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(n - got, std::size_t(1) << 24));
    int r = gzread(gz.f, out + got, chunk);
    if (r < 0) {
      int code = 0;
      const char* msg = gzerror(gz.f, &code);
      detail::fail(fmt::format("read_idx: {}: cannot decompress: {}", path, msg ? msg : "zlib error"));
    }
    if (r == 0) break;
    got += static_cast<std::size_t>(r);
  }
  return got;
}

IdxData read_idx_data(const std::string& path) {
  GzFile gz;
  gz.f = gzopen(path.c_str(), "rb");
  EMBER_CHECK(gz.f != nullptr, "read_idx: cannot open {}: {}", path, std::strerror(errno));
  unsigned char head[4];
  std::size_t got = read_some(gz, path, head, 4);
  EMBER_CHECK(got == 4, "read_idx: {}: file is truncated: {} bytes, shorter than the 4-byte magic number", path, got);
  IdxData d;
  d.type = head[2];
  const int ndim = head[3];
  EMBER_CHECK(head[0] == 0 && head[1] == 0 && element_bytes(d.type) != 0,
              "read_idx: {}: bad magic number 0x{:02x}{:02x}{:02x}{:02x} (expected 0x0000TTDD with type TT one of "
              "08, 09, 0B, 0C, 0D, 0E)",
              path, head[0], head[1], head[2], head[3]);
  EMBER_CHECK(ndim >= 1, "read_idx: {}: the header says 0 dims", path);
  std::vector<unsigned char> dimbytes(static_cast<std::size_t>(4 * ndim));
  got = read_some(gz, path, dimbytes.data(), dimbytes.size());
  EMBER_CHECK(got == dimbytes.size(), "read_idx: {}: file is truncated inside the header ({} dims need {} bytes, got {})",
              path, ndim, dimbytes.size(), got);
  for (int k = 0; k < ndim; ++k) {
    const unsigned char* p = &dimbytes[static_cast<std::size_t>(4 * k)];
    uint64_t v = (uint64_t(p[0]) << 24) | (uint64_t(p[1]) << 16) | (uint64_t(p[2]) << 8) | uint64_t(p[3]);
    d.dims.push_back(static_cast<int64_t>(v));
  }
  // Checked before any allocation: the strides and the byte count must fit in int64
  // (a zero dim does not make huge other dims harmless), and the byte count must be
  // one memory could hold; the bytes must then actually be in the file.
  const uint64_t esize = static_cast<uint64_t>(element_bytes(d.type));
  EMBER_CHECK(io::extent_fits(d.dims, esize),
              "read_idx: {}: IDX dims {} give an impossibly large tensor: with {}-byte elements the strides or "
              "byte count overflow int64",
              path, IntArrayRef(d.dims), esize);
  const uint64_t limit = uint64_t(1) << 46;
  uint64_t count = 1, want = 0;
  for (int64_t v : d.dims) count *= static_cast<uint64_t>(v);  // cannot overflow: extent_fits
  EMBER_CHECK(io::mul_within(count, esize, limit, &want),
              "read_idx: {}: IDX dims {} give an impossibly large tensor: {}-byte elements need {} bytes, over "
              "the {} byte limit",
              path,
              IntArrayRef(d.dims), esize, static_cast<double>(count) * static_cast<double>(esize), limit);
  // Chunks as data arrives; read one byte past the end to detect trailing bytes.
  std::size_t have = 0;
  while (true) {
    const std::size_t room = std::min<std::size_t>(static_cast<std::size_t>(want) + 1 - have, kChunkBytes);
    std::vector<unsigned char> chunk(room);
    const std::size_t r = read_some(gz, path, chunk.data(), room);
    if (r == 0) break;
    have += r;
    chunk.resize(r);
    d.chunks.push_back(std::move(chunk));
    if (r < room || have == want + 1) break;
  }
  EMBER_CHECK(have >= want, "read_idx: {}: file is truncated: dims {} need {} bytes of data, got {}", path,
              IntArrayRef(d.dims), want, have);
  EMBER_CHECK(have == want, "read_idx: {}: file has bytes after the data the header describes (dims {}, {} bytes)",
              path, IntArrayRef(d.dims), want);
  d.size = static_cast<std::size_t>(want);
  return d;
}

// Hands each chunk to f(bytes, count, offset) in order and frees it.
template <class F>
void consume_chunks(IdxData& d, F f) {
  std::size_t offset = 0;
  for (std::vector<unsigned char>& c : d.chunks) {
    f(c.data(), c.size(), offset);
    offset += c.size();
    std::vector<unsigned char>().swap(c);
  }
  d.chunks.clear();
}

template <class T, class U>
void decode_be(const unsigned char* in, std::size_t count, T* out) {
  for (std::size_t i = 0; i < count; ++i, in += sizeof(U)) {
    unsigned char b[sizeof(U)];
    for (std::size_t k = 0; k < sizeof(U); ++k) b[k] = in[sizeof(U) - 1 - k];
    U v;
    std::memcpy(&v, b, sizeof(U));
    out[i] = static_cast<T>(v);
  }
}

std::string find_file(const std::string& root, const std::string& name, const char* who) {
  for (const std::string& p : {root + "/" + name + ".gz", root + "/" + name}) {
    if (std::FILE* f = std::fopen(p.c_str(), "rb")) {
      std::fclose(f);
      return p;
    }
  }
  detail::fail(fmt::format("{}: cannot find {}/{}.gz or {}/{}", who, root, name, root, name));
}

}  // namespace

Tensor read_idx(const std::string& path) {
  IdxData d = read_idx_data(path);
  const std::size_t esize = static_cast<std::size_t>(element_bytes(d.type));
  auto decode = [&](auto* out, auto element) {
    using U = decltype(element);
    using T = std::remove_pointer_t<decltype(out)>;
    consume_chunks(d, [&](const unsigned char* in, std::size_t n, std::size_t offset) {
      decode_be<T, U>(in, n / esize, out + offset / esize);
    });
  };
  if (d.type == 0x0D) {
    Tensor t = empty(d.dims, kFloat32);
    decode(t.data_ptr<float>(), float());
    return t;
  }
  if (d.type == 0x0E) {
    Tensor t = empty(d.dims, kFloat64);
    decode(t.data_ptr<double>(), double());
    return t;
  }
  Tensor t = empty(d.dims, kInt64);
  int64_t* out = t.data_ptr<int64_t>();
  switch (d.type) {
    case 0x08: decode(out, uint8_t()); break;
    case 0x09: decode(out, int8_t()); break;
    case 0x0B: decode(out, int16_t()); break;
    default: decode(out, int32_t()); break;
  }
  return t;
}

namespace {

constexpr int64_t kPixels = 28 * 28;

// Images `indices` of `bytes` (uint8 [N, 28, 28]) as float32 [B, 1, 28, 28] in [0, 1].
Tensor convert_images(const Tensor& bytes, const int64_t* indices, int64_t count) {
  Tensor out = empty({count, 1, 28, 28}, kFloat32);
  const uint8_t* in = bytes.data_ptr<uint8_t>();
  float* px = out.data_ptr<float>();
  for (int64_t k = 0; k < count; ++k) {
    const uint8_t* row = in + indices[k] * kPixels;
    float* dst = px + k * kPixels;
    // A shuffled batch reads its images from all over the dataset: start loading the
    // image after next while this one converts, so that its 13 cache lines are not
    // fetched one miss at a time.
    if (k + 2 < count) {
      const uint8_t* ahead = in + indices[k + 2] * kPixels;
      for (int64_t b = 0; b < kPixels; b += 64) __builtin_prefetch(ahead + b);
    }
    // An exact division per pixel (the compiler makes it a vector loop; a table of the
    // 256 values measured 4-7x slower, its loads do not vectorize).
    for (int64_t j = 0; j < kPixels; ++j) dst[j] = static_cast<float>(row[j]) / 255.0f;
  }
  return out;
}

}  // namespace

struct MNIST::Converted {
  std::once_flag once;
  std::vector<Tensor> tensors;  // {images float32 [N, 1, 28, 28], targets}
};

MNIST::MNIST(const std::string& root, bool train) : MNIST(root, train, "MNIST") {}

MNIST::MNIST(const std::string& root, bool train, const char* name) : root_(root), train_(train) {
  const std::string prefix = train ? "train" : "t10k";
  const std::string image_path = find_file(root, prefix + "-images-idx3-ubyte", name);
  const std::string label_path = find_file(root, prefix + "-labels-idx1-ubyte", name);
  IdxData im = read_idx_data(image_path);
  EMBER_CHECK(im.type == 0x08 && im.dims.size() == 3 && im.dims[1] == 28 && im.dims[2] == 28,
              "{}: {}: expected unsigned bytes of dims [N, 28, 28], got type 0x{:02x} dims {}", name, image_path,
              im.type, IntArrayRef(im.dims));
  IdxData lb = read_idx_data(label_path);
  EMBER_CHECK(lb.type == 0x08 && lb.dims.size() == 1, "{}: {}: expected unsigned bytes of dims [N], got type 0x{:02x} dims {}",
              name, label_path, lb.type, IntArrayRef(lb.dims));
  EMBER_CHECK(lb.dims[0] == im.dims[0], "{}: {} has {} images but {} has {} labels", name, image_path, im.dims[0],
              label_path, lb.dims[0]);
  const int64_t n = im.dims[0];
  Tensor labels = empty({n}, kInt64);
  int64_t* lab = labels.data_ptr<int64_t>();
  consume_chunks(lb, [&](const unsigned char* in, std::size_t count, std::size_t offset) {
    for (std::size_t i = 0; i < count; ++i) lab[offset + i] = in[i];
  });
  for (int64_t i = 0; i < n; ++i) {
    EMBER_CHECK(lab[i] <= 9, "{}: {}: label {} of sample {} is outside 0..9", name, label_path, lab[i], i);
  }
  Tensor pixels = empty({n, 28, 28}, kUInt8);
  uint8_t* px = pixels.data_ptr<uint8_t>();
  consume_chunks(im, [&](const unsigned char* in, std::size_t count, std::size_t offset) {
    std::memcpy(px + offset, in, count);
  });
  data_ = pixels;
  targets_ = labels;
  converted_ = std::make_shared<Converted>();
  // The base class holds the bytes and the labels (its size; TensorDataset::tensors()
  // itself is overridden to give the float images).
  set_tensors({pixels, labels}, name);
}

Example MNIST::get(int64_t index) const {
  EMBER_CHECK(index >= 0 && index < size(), "{}: index {} is out of range for a dataset of size {}", name_, index,
              size());
  return {convert_images(data_, &index, 1).select(0, 0), targets_.select(0, index)};
}

Example MNIST::get_batch(const std::vector<int64_t>& indices) const {
  for (int64_t i : indices) {
    EMBER_CHECK(i >= 0 && i < size(), "{}: index {} is out of range for a dataset of size {}", name_, i, size());
  }
  const int64_t count = static_cast<int64_t>(indices.size());
  Tensor labels = empty({count}, kInt64);
  const int64_t* all = targets_.data_ptr<int64_t>();
  int64_t* lab = labels.data_ptr<int64_t>();
  for (int64_t k = 0; k < count; ++k) lab[k] = all[indices[static_cast<std::size_t>(k)]];
  return {convert_images(data_, indices.data(), count), labels};
}

const Tensor& MNIST::images() const { return tensors()[0]; }

const std::vector<Tensor>& MNIST::tensors() const {
  std::call_once(converted_->once, [&] {
    std::vector<int64_t> all(static_cast<std::size_t>(size()));
    for (int64_t i = 0; i < size(); ++i) all[static_cast<std::size_t>(i)] = i;
    converted_->tensors = {convert_images(data_, all.data(), size()), targets_};
  });
  return converted_->tensors;
}

FashionMNIST::FashionMNIST(const std::string& root, bool train) : MNIST(root, train, "FashionMNIST") {}

}  // namespace data
}  // namespace ember
