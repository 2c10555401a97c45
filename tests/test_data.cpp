// torch.utils.data in C++: TensorDataset, default_collate, the DataLoader's order,
// batching, worker thread, errors; the IDX reader on files written here; real
// Fashion-MNIST; the word list.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>
#include <thread>

#include <unistd.h>

#include "helpers.hpp"

using ember::Error;
using ember::Tensor;
using ember::data::DataLoader;
using ember::data::DataLoaderOptions;
using ember::data::Example;
using Catch::Matchers::Contains;
using Catch::Matchers::Equals;

namespace {

// x = 0..n-1 (int64), y = 10 * x (float32): a sample's index is readable from it.
ember::data::TensorDataset numbered(int64_t n) {
  Tensor x = ember::arange(n);
  return ember::data::TensorDataset({x, (x * 10).to(ember::kFloat32)});
}

std::vector<int64_t> ints(const Tensor& t) { return t.tolist<int64_t>(); }

// The documented order, computed independently of the loader: one generator seeded
// once, each epoch std::shuffle of 0..n-1.
std::vector<std::vector<int64_t>> expected_orders(int64_t n, uint64_t seed, int epochs) {
  std::mt19937_64 rng(seed);
  std::vector<std::vector<int64_t>> out;
  for (int e = 0; e < epochs; ++e) {
    std::vector<int64_t> idx(static_cast<std::size_t>(n));
    std::iota(idx.begin(), idx.end(), int64_t(0));
    std::shuffle(idx.begin(), idx.end(), rng);
    out.push_back(idx);
  }
  return out;
}

// A dataset whose get throws at one index; counts live calls.
class Faulty : public ember::data::Dataset {
 public:
  Faulty(int64_t n, int64_t bad) : n_(n), bad_(bad) {}
  int64_t size() const override { return n_; }
  Example get(int64_t i) const override {
    if (i == bad_) throw Error("Faulty: sample " + std::to_string(i) + " is broken");
    return {ember::scalar_tensor(i, ember::kInt64)};
  }

 private:
  int64_t n_, bad_;
};

// A dataset that is slow to produce samples, for catching the worker mid-epoch.
class Slow : public ember::data::Dataset {
 public:
  explicit Slow(int64_t n, std::atomic<int64_t>* made) : n_(n), made_(made) {}
  int64_t size() const override { return n_; }
  Example get(int64_t i) const override {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ++*made_;
    return {ember::full({256}, static_cast<double>(i))};
  }

 private:
  int64_t n_;
  std::atomic<int64_t>* made_;
};

std::filesystem::path scratch_dir() {
  auto dir = std::filesystem::temp_directory_path() /
             ("ember-test-data-" + std::to_string(static_cast<long long>(::getpid())));
  std::filesystem::create_directories(dir);
  return dir;
}

void write_file(const std::filesystem::path& p, const std::vector<unsigned char>& bytes) {
  std::ofstream out(p, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// An IDX file: magic 0x0000TTDD, big-endian dims, then the payload as given.
std::vector<unsigned char> idx_bytes(int type, const std::vector<uint32_t>& dims, const std::vector<unsigned char>& payload) {
  std::vector<unsigned char> b = {0, 0, static_cast<unsigned char>(type), static_cast<unsigned char>(dims.size())};
  for (uint32_t d : dims) {
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<unsigned char>(d >> s));
  }
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

// A gzip file holding `data` in stored (uncompressed) deflate blocks, written by hand
// from RFC 1951/1952 so that the reader's zlib path is checked against an independent
// writer.
std::vector<unsigned char> gzip_stored(const std::vector<unsigned char>& data) {
  std::vector<unsigned char> g = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
  std::size_t pos = 0;
  do {
    std::size_t len = std::min<std::size_t>(data.size() - pos, 65535);
    bool last = pos + len == data.size();
    g.push_back(last ? 1 : 0);
    g.push_back(static_cast<unsigned char>(len & 0xff));
    g.push_back(static_cast<unsigned char>(len >> 8));
    g.push_back(static_cast<unsigned char>(~len & 0xff));
    g.push_back(static_cast<unsigned char>((~len >> 8) & 0xff));
    g.insert(g.end(), data.begin() + static_cast<std::ptrdiff_t>(pos), data.begin() + static_cast<std::ptrdiff_t>(pos + len));
    pos += len;
  } while (pos < data.size());
  uint32_t crc = 0xffffffffu;
  for (unsigned char c : data) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  crc = ~crc;
  uint32_t size = static_cast<uint32_t>(data.size());
  for (uint32_t v : {crc, size}) {
    for (int s = 0; s < 32; s += 8) g.push_back(static_cast<unsigned char>(v >> s));
  }
  return g;
}

}  // namespace

// ---------------------------------------------------------------- datasets

TEST_CASE("TensorDataset: samples are rows, batches gather rows", "[data]") {
  auto ds = numbered(5);
  REQUIRE(ds.size() == 5);
  Example s = ds.get(3);
  REQUIRE(s.size() == 2);
  CHECK(s[0].dim() == 0);
  CHECK(s[0].item<int64_t>() == 3);
  CHECK(s[1].item<float>() == 30.0f);
  Example b = ds.get_batch({4, 0, 2});
  CHECK(ints(b[0]) == std::vector<int64_t>{4, 0, 2});
  CHECK(testing::values(b[1]) == std::vector<double>{40, 0, 20});
  CHECK(b[1].dtype() == ember::kFloat32);

  // Rows of a 3-D tensor keep their shape.
  Tensor img = ember::arange(24, ember::kFloat32).reshape({4, 2, 3});
  ember::data::TensorDataset ds2({img});
  CHECK(ds2.get(1)[0].sizes().vec() == std::vector<int64_t>{2, 3});
  CHECK(ds2.get_batch({1, 3})[0].sizes().vec() == std::vector<int64_t>{2, 2, 3});
  CHECK(testing::values(ds2.get_batch({3})[0]) == testing::values(img.select(0, 3)));
}

TEST_CASE("TensorDataset: errors", "[data]") {
  REQUIRE_THROWS_WITH(ember::data::TensorDataset({ember::zeros({3, 2}), ember::zeros({4})}),
                      Equals("TensorDataset: size mismatch between tensors: first dims differ in [3, 2], [4]"));
  REQUIRE_THROWS_WITH(ember::data::TensorDataset({ember::scalar_tensor(1.0)}), Contains("tensor 0 is 0-dim"));
  REQUIRE_THROWS_WITH(ember::data::TensorDataset(std::vector<Tensor>{}), Contains("needs at least one tensor"));
  auto ds = numbered(3);
  REQUIRE_THROWS_WITH(ds.get(3), Equals("TensorDataset: index 3 is out of range for a dataset of size 3"));
  REQUIRE_THROWS_WITH(ds.get(-1), Contains("index -1 is out of range"));
  REQUIRE_THROWS_WITH(ds.get_batch({0, 7}), Contains("index 7 is out of range for a dataset of size 3"));
}

TEST_CASE("default_collate stacks fields, the base get_batch uses it", "[data]") {
  std::vector<Example> samples = {{ember::tensor({1.0, 2.0}), ember::scalar_tensor(int64_t(7))},
                                  {ember::tensor({3.0, 4.0}), ember::scalar_tensor(int64_t(8))}};
  Example b = ember::data::default_collate(samples);
  REQUIRE(b.size() == 2);
  CHECK(b[0].sizes().vec() == std::vector<int64_t>{2, 2});
  CHECK(testing::values(b[0]) == std::vector<double>{1, 2, 3, 4});
  CHECK(b[1].sizes().vec() == std::vector<int64_t>{2});
  CHECK(ints(b[1]) == std::vector<int64_t>{7, 8});

  Faulty f(4, -1);  // no override of get_batch: default_collate of get
  Example fb = f.get_batch({2, 1});
  CHECK(ints(fb[0]) == std::vector<int64_t>{2, 1});

  REQUIRE_THROWS_WITH(ember::data::default_collate({}), Contains("got no samples"));
  REQUIRE_THROWS_WITH(ember::data::default_collate({{ember::zeros({2})}, {ember::zeros({2}), ember::zeros({1})}}),
                      Equals("default_collate: sample 0 has 1 fields but sample 1 has 2"));
  REQUIRE_THROWS_WITH(ember::data::default_collate({{ember::zeros({2})}, {ember::zeros({3})}}),
                      Equals("default_collate: field 0 is float32 [2] in sample 0 but float32 [3] in sample 1"));
  REQUIRE_THROWS_WITH(ember::data::default_collate({{ember::zeros({2})}, {ember::zeros({2}, ember::kInt64)}}),
                      Contains("field 0 is float32 [2] in sample 0 but int64 [2] in sample 1"));
}

// ---------------------------------------------------------------- DataLoader

TEST_CASE("DataLoader: shuffled order is std::shuffle with one mt19937_64 per loader", "[data]") {
  const int64_t n = 103, bs = 10;
  const uint64_t seed = 42;
  auto expected = expected_orders(n, seed, 3);
  for (int workers : {0, 1}) {
    DataLoader loader(numbered(n), DataLoaderOptions().batch_size(bs).shuffle(true).seed(seed).num_workers(workers));
    REQUIRE(loader.size() == 11);
    for (int epoch = 0; epoch < 3; ++epoch) {
      std::vector<int64_t> seen;
      int64_t batches = 0;
      for (auto& batch : loader) {
        REQUIRE(batch.size() == 2);
        std::vector<int64_t> x = ints(batch[0]);
        CHECK(static_cast<int64_t>(x.size()) == (batches == 10 ? 3 : bs));  // last batch partial
        std::vector<double> y = testing::values(batch[1]);
        for (std::size_t i = 0; i < x.size(); ++i) CHECK(y[i] == 10.0 * static_cast<double>(x[i]));
        seen.insert(seen.end(), x.begin(), x.end());
        ++batches;
      }
      CHECK(batches == 11);
      CHECK(seen == expected[static_cast<std::size_t>(epoch)]);
    }
  }
  // Epochs differ from each other (the generator is not reseeded).
  CHECK(expected[0] != expected[1]);
}

TEST_CASE("DataLoader: sequential order, drop_last, batch counts", "[data]") {
  for (int workers : {0, 1}) {
    DataLoader keep(numbered(10), DataLoaderOptions().batch_size(4).num_workers(workers));
    CHECK(keep.size() == 3);
    std::vector<std::vector<int64_t>> got;
    for (auto& b : keep) got.push_back(ints(b[0]));
    CHECK(got == std::vector<std::vector<int64_t>>{{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9}});

    DataLoader drop(numbered(10), DataLoaderOptions().batch_size(4).drop_last(true).num_workers(workers));
    CHECK(drop.size() == 2);
    got.clear();
    for (auto& b : drop) got.push_back(ints(b[0]));
    CHECK(got == std::vector<std::vector<int64_t>>{{0, 1, 2, 3}, {4, 5, 6, 7}});

    DataLoader exact(numbered(8), DataLoaderOptions().batch_size(4).drop_last(true).num_workers(workers));
    CHECK(exact.size() == 2);
    DataLoader tiny(numbered(3), DataLoaderOptions().batch_size(4).drop_last(true).num_workers(workers));
    CHECK(tiny.size() == 0);
    int count = 0;
    for (auto& b : tiny) count += static_cast<int>(b.size());
    CHECK(count == 0);

    DataLoader ones(numbered(3), DataLoaderOptions().num_workers(workers));  // PyTorch's default batch_size 1
    CHECK(ones.size() == 3);
    for (auto& b : ones) CHECK(b[0].sizes().vec() == std::vector<int64_t>{1});
  }
}

TEST_CASE("DataLoader: a user collate gets the samples of each batch", "[data]") {
  for (int workers : {0, 1}) {
    std::atomic<int> calls{0};
    auto collate = [&calls](const std::vector<Example>& samples) {
      ++calls;
      // Sum of the x field, and the count.
      int64_t sum = 0;
      for (const Example& s : samples) sum += s[0].item<int64_t>();
      return Example{ember::tensor({sum, static_cast<int64_t>(samples.size())})};
    };
    DataLoader loader(numbered(7), DataLoaderOptions().batch_size(3).collate(collate).num_workers(workers));
    std::vector<std::vector<int64_t>> got;
    for (auto& b : loader) got.push_back(ints(b[0]));
    CHECK(got == std::vector<std::vector<int64_t>>{{3, 3}, {12, 3}, {6, 1}});
    CHECK(calls == 3);
  }
}

TEST_CASE("DataLoader: an exception while making a batch reaches the consumer in order", "[data]") {
  for (int workers : {0, 1}) {
    DataLoader loader(Faulty(10, 5), DataLoaderOptions().batch_size(2).num_workers(workers));
    std::vector<int64_t> seen;
    auto run = [&] {
      for (auto& b : loader) {
        auto x = ints(b[0]);
        seen.insert(seen.end(), x.begin(), x.end());
      }
    };
    REQUIRE_THROWS_WITH(run(), Equals("Faulty: sample 5 is broken"));
    CHECK(seen == std::vector<int64_t>{0, 1, 2, 3});  // the batches before the broken one
    // The loader is usable again: the next epoch fails at the same place.
    seen.clear();
    REQUIRE_THROWS_AS(run(), Error);
    CHECK(seen == std::vector<int64_t>{0, 1, 2, 3});
  }
  // The first batch failing surfaces from begin().
  DataLoader first(Faulty(4, 0), DataLoaderOptions().batch_size(2));
  REQUIRE_THROWS_WITH(first.begin(), Contains("sample 0 is broken"));
}

TEST_CASE("DataLoader: leaving an epoch early and destroying the loader are clean", "[data]") {
  std::atomic<int64_t> made{0};
  {
    DataLoader loader(Slow(1000, &made), DataLoaderOptions().batch_size(4).prefetch(2));
    int taken = 0;
    for (auto& b : loader) {
      CHECK(b[0].sizes().vec() == std::vector<int64_t>{4, 256});
      if (++taken == 2) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    // The worker stopped at the queue bound: 2 taken, 2 queued, at most 1 in hand.
    CHECK(made.load() <= 4 * 5);
    // A new epoch after a broken one starts from the beginning.
    auto it = loader.begin();
    CHECK(testing::values((*it)[0].select(1, 0)) == std::vector<double>{0, 1, 2, 3});
  }  // destroyed with the worker waiting on a full queue
  {
    DataLoader loader(Slow(1000, &made), DataLoaderOptions().batch_size(4).prefetch(3));
    auto it = loader.begin();  // destroyed while the worker is busy
    CHECK(it != loader.end());
  }
  // Moving a loader keeps it working.
  DataLoader a(numbered(6), DataLoaderOptions().batch_size(4));
  DataLoader b = std::move(a);
  int64_t rows = 0;
  for (auto& batch : b) rows += batch[0].size(0);
  CHECK(rows == 6);
}

TEST_CASE("DataLoader: many epochs see every sample once each", "[data]") {
  const int64_t n = 500;
  DataLoader loader(numbered(n), DataLoaderOptions().batch_size(32).shuffle(true).seed(7).prefetch(3));
  for (int epoch = 0; epoch < 50; ++epoch) {
    std::vector<int64_t> seen;
    for (auto& b : loader) {
      auto x = ints(b[0]);
      seen.insert(seen.end(), x.begin(), x.end());
    }
    std::sort(seen.begin(), seen.end());
    std::vector<int64_t> all(static_cast<std::size_t>(n));
    std::iota(all.begin(), all.end(), int64_t(0));
    REQUIRE(seen == all);
  }
}

TEST_CASE("DataLoader: without a seed, ember::manual_seed decides the order", "[data]") {
  auto order = [] {
    DataLoader loader(numbered(50), DataLoaderOptions().batch_size(50).shuffle(true));
    return ints((*loader.begin())[0]);
  };
  ember::manual_seed(3);
  auto a = order();
  ember::manual_seed(3);
  auto b = order();
  CHECK(a == b);
  std::vector<int64_t> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  CHECK(sorted != a);
  // A sequential loader does not touch the global generator.
  ember::manual_seed(5);
  double r1 = ember::rand({1}).item<double>();
  ember::manual_seed(5);
  DataLoader sequential(numbered(5), DataLoaderOptions().batch_size(2));
  CHECK(ember::rand({1}).item<double>() == r1);
}

TEST_CASE("DataLoader: option errors", "[data]") {
  REQUIRE_THROWS_WITH(DataLoader(numbered(3), DataLoaderOptions().batch_size(0)),
                      Equals("DataLoader: batch_size must be at least 1, got 0"));
  REQUIRE_THROWS_WITH(DataLoader(numbered(3), DataLoaderOptions().num_workers(-2)),
                      Equals("DataLoader: num_workers must be >= 0, got -2"));
  REQUIRE_THROWS_WITH(DataLoader(numbered(3), DataLoaderOptions().prefetch(0)),
                      Equals("DataLoader: prefetch must be at least 1, got 0"));
  REQUIRE_THROWS_WITH(DataLoader(std::shared_ptr<const ember::data::Dataset>(), DataLoaderOptions()),
                      Equals("DataLoader: dataset is null"));
}

// ---------------------------------------------------------------- IDX files

TEST_CASE("read_idx: raw and gzip files of each element type", "[data]") {
  auto dir = scratch_dir();
  // Unsigned bytes, [2, 3].
  std::vector<unsigned char> u8 = {0, 1, 2, 127, 128, 255};
  auto raw = idx_bytes(0x08, {2, 3}, u8);
  write_file(dir / "u8.idx", raw);
  write_file(dir / "u8.idx.gz", gzip_stored(raw));
  for (const char* name : {"u8.idx", "u8.idx.gz"}) {
    Tensor t = ember::data::read_idx((dir / name).string());
    CHECK(t.dtype() == ember::kInt64);
    CHECK(t.sizes().vec() == std::vector<int64_t>{2, 3});
    CHECK(ints(t) == std::vector<int64_t>{0, 1, 2, 127, 128, 255});
  }
  // Signed bytes, big-endian shorts and ints.
  write_file(dir / "i8.idx", idx_bytes(0x09, {2}, {0x7f, 0x80}));
  CHECK(ints(ember::data::read_idx((dir / "i8.idx").string())) == std::vector<int64_t>{127, -128});
  write_file(dir / "i16.idx", idx_bytes(0x0B, {2}, {0x01, 0x02, 0xff, 0xfe}));
  CHECK(ints(ember::data::read_idx((dir / "i16.idx").string())) == std::vector<int64_t>{258, -2});
  write_file(dir / "i32.idx", idx_bytes(0x0C, {1, 1}, {0x00, 0x01, 0x00, 0x00}));
  CHECK(ints(ember::data::read_idx((dir / "i32.idx").string())) == std::vector<int64_t>{65536});
  // float 1.5 is 0x3fc00000, double -2 is 0xc000000000000000.
  write_file(dir / "f32.idx", idx_bytes(0x0D, {1}, {0x3f, 0xc0, 0, 0}));
  Tensor f = ember::data::read_idx((dir / "f32.idx").string());
  CHECK(f.dtype() == ember::kFloat32);
  CHECK(f.item<float>() == 1.5f);
  write_file(dir / "f64.idx", idx_bytes(0x0E, {1}, {0xc0, 0, 0, 0, 0, 0, 0, 0}));
  CHECK(ember::data::read_idx((dir / "f64.idx").string()).item<double>() == -2.0);
  // A gzip of more than one stored block (70000 bytes) and an empty tensor.
  std::vector<unsigned char> big(70000);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<unsigned char>(i * 7);
  write_file(dir / "big.idx.gz", gzip_stored(idx_bytes(0x08, {70000}, big)));
  auto bigv = ints(ember::data::read_idx((dir / "big.idx.gz").string()));
  REQUIRE(bigv.size() == 70000);
  CHECK(bigv[69999] == static_cast<unsigned char>(69999 * 7));
  write_file(dir / "empty.idx", idx_bytes(0x08, {0, 28}, {}));
  CHECK(ember::data::read_idx((dir / "empty.idx").string()).sizes().vec() == std::vector<int64_t>{0, 28});
  std::filesystem::remove_all(dir);
}

TEST_CASE("read_idx: truncated, corrupt and hostile files are errors naming the file", "[data]") {
  auto dir = scratch_dir();
  auto path = [&](const char* name) { return (dir / name).string(); };
  std::vector<unsigned char> payload(12, 9);
  auto good = idx_bytes(0x08, {3, 4}, payload);

  auto data_short = good;
  data_short.resize(data_short.size() - 1);
  write_file(dir / "short.idx", data_short);
  REQUIRE_THROWS_WITH(ember::data::read_idx(path("short.idx")),
                      Equals("read_idx: " + path("short.idx") +
                             ": file is truncated: dims [3, 4] need 12 bytes of data, got 11"));
  write_file(dir / "short.idx.gz", gzip_stored(data_short));
  REQUIRE_THROWS_WITH(ember::data::read_idx(path("short.idx.gz")), Contains("need 12 bytes of data, got 11"));

  write_file(dir / "head.idx", std::vector<unsigned char>(good.begin(), good.begin() + 6));
  REQUIRE_THROWS_WITH(ember::data::read_idx(path("head.idx")),
                      Contains(path("head.idx") + ": file is truncated inside the header (2 dims need 8 bytes, got 2)"));
  write_file(dir / "tiny.idx", {0, 0});
  REQUIRE_THROWS_WITH(ember::data::read_idx(path("tiny.idx")), Contains("shorter than the 4-byte magic number"));

  auto long_ = good;
  long_.push_back(0);
  write_file(dir / "long.idx", long_);
  REQUIRE_THROWS_WITH(ember::data::read_idx(path("long.idx")), Contains("has bytes after the data"));

  // Bit flips in the magic number: a nonzero leading byte, an unknown type, zero dims.
  for (auto [at, value] : {std::pair<int, int>{0, 0x80}, {2, 0x0a}, {2, 0x18}, {3, 0x00}}) {
    auto bad = good;
    bad[static_cast<std::size_t>(at)] = static_cast<unsigned char>(value);
    write_file(dir / "bad.idx", bad);
    REQUIRE_THROWS_WITH(ember::data::read_idx(path("bad.idx")), Contains(path("bad.idx")));
  }
  auto flipped = good;
  flipped[2] ^= 0x10;  // 0x08 -> 0x18
  write_file(dir / "flip.idx", flipped);
  REQUIRE_THROWS_WITH(ember::data::read_idx(path("flip.idx")), Contains("bad magic number 0x00001802"));

  // A dim with its top bit flipped claims 2^31 + 3 rows: no allocation of that size,
  // just a truncation error once the 12 real bytes run out.
  auto huge = good;
  huge[4] ^= 0x80;
  write_file(dir / "huge.idx", huge);
  REQUIRE_THROWS_WITH(ember::data::read_idx(path("huge.idx")),
                      Contains("dims [2147483651, 4] need 8589934604 bytes of data, got 12"));
  // Dims whose product overflows.
  write_file(dir / "overflow.idx", idx_bytes(0x0E, {0xffffffffu, 0xffffffffu, 0xffffffffu}, {}));
  REQUIRE_THROWS_WITH(ember::data::read_idx(path("overflow.idx")), Contains("give an impossibly large tensor"));

  // A corrupt gzip stream (a flipped bit in the stored block's length check).
  auto gz = gzip_stored(good);
  gz[13] ^= 0x01;
  write_file(dir / "corrupt.idx.gz", gz);
  REQUIRE_THROWS_WITH(ember::data::read_idx(path("corrupt.idx.gz")), Contains(path("corrupt.idx.gz")));

  REQUIRE_THROWS_WITH(ember::data::read_idx(path("missing.idx")), Contains("read_idx: cannot open " + path("missing.idx")));
  std::filesystem::remove_all(dir);
}

TEST_CASE("MNIST: reads the four files of a root, gzip or not", "[data]") {
  auto dir = scratch_dir();
  const uint32_t n = 3;
  std::vector<unsigned char> pixels(n * 28 * 28);
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<unsigned char>((i * 31) % 256);
  write_file(dir / "train-images-idx3-ubyte.gz", gzip_stored(idx_bytes(0x08, {n, 28, 28}, pixels)));
  write_file(dir / "train-labels-idx1-ubyte", idx_bytes(0x08, {n}, {7, 0, 9}));
  ember::data::MNIST m(dir.string());
  REQUIRE(m.size() == 3);
  CHECK(m.images().sizes().vec() == std::vector<int64_t>{3, 1, 28, 28});
  CHECK(m.images().dtype() == ember::kFloat32);
  CHECK(ints(m.targets()) == std::vector<int64_t>{7, 0, 9});
  std::vector<double> px = testing::values(m.images());
  for (std::size_t i : {std::size_t(0), std::size_t(1), std::size_t(100), pixels.size() - 1}) {
    CHECK(px[i] == static_cast<double>(static_cast<float>(pixels[i]) / 255.0f));
  }
  Example s = m.get(2);
  CHECK(s[0].sizes().vec() == std::vector<int64_t>{1, 28, 28});
  CHECK(s[1].item<int64_t>() == 9);

  REQUIRE_THROWS_WITH(ember::data::MNIST(dir.string(), false),
                      Equals("MNIST: cannot find " + dir.string() + "/t10k-images-idx3-ubyte.gz or " + dir.string() +
                             "/t10k-images-idx3-ubyte"));
  write_file(dir / "t10k-images-idx3-ubyte", idx_bytes(0x08, {n, 28, 28}, pixels));
  write_file(dir / "t10k-labels-idx1-ubyte", idx_bytes(0x08, {2}, {1, 2}));
  REQUIRE_THROWS_WITH(ember::data::MNIST(dir.string(), false), Contains("has 3 images but"));
  write_file(dir / "t10k-labels-idx1-ubyte", idx_bytes(0x08, {3}, {1, 12, 2}));
  REQUIRE_THROWS_WITH(ember::data::MNIST(dir.string(), false), Contains("label 12 of sample 1 is outside 0..9"));
  write_file(dir / "t10k-images-idx3-ubyte", idx_bytes(0x08, {1, 28, 27}, std::vector<unsigned char>(28 * 27)));
  REQUIRE_THROWS_WITH(ember::data::MNIST(dir.string(), false),
                      Contains("expected unsigned bytes of dims [N, 28, 28], got type 0x08 dims [1, 28, 27]"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("FashionMNIST: the installed dataset", "[data]") {
  ember::data::FashionMNIST train;
  ember::data::FashionMNIST test(ember::data::FashionMNIST::kDefaultRoot, false);
  REQUIRE(train.size() == 60000);
  REQUIRE(test.size() == 10000);
  CHECK(train.images().sizes().vec() == std::vector<int64_t>{60000, 1, 28, 28});
  CHECK(train.images().min().item<float>() == 0.0f);
  CHECK(train.images().max().item<float>() == 1.0f);
  CHECK(train.targets().min().item<int64_t>() == 0);
  CHECK(train.targets().max().item<int64_t>() == 9);
  // Values from Python's gzip module reading the same files:
  //   list(gzip.open('.../train-labels-idx1-ubyte.gz').read()[8:28]) and the t10k file;
  //   sum(gzip.open('.../train-images-idx3-ubyte.gz').read()[16:16+784]) == 76247.
  CHECK(ints(train.targets().slice(0, 0, 20)) ==
        std::vector<int64_t>{9, 0, 0, 3, 0, 2, 7, 2, 5, 5, 0, 9, 5, 5, 7, 9, 1, 0, 6, 4});
  CHECK(ints(test.targets().slice(0, 0, 20)) ==
        std::vector<int64_t>{9, 2, 1, 1, 6, 1, 4, 6, 5, 7, 4, 5, 7, 3, 4, 1, 2, 4, 8, 0});
  // Each pixel is float(b) / 255, so multiplying back recovers b to within float rounding.
  std::vector<double> first = testing::values(train.get(0)[0]);
  double total = 0;
  for (double v : first) total += std::nearbyint(v * 255.0);
  CHECK(total == 76247.0);
  // Each label occurs 6000 times in the training set (the dataset's documented balance).
  for (int64_t c = 0; c < 10; ++c) CHECK((train.targets() == c).sum().item<int64_t>() == 6000);
}

// ---------------------------------------------------------------- word list

TEST_CASE("WordList: the system dictionary, tokens and split", "[data]") {
  ember::data::WordList words;
  // `grep -c '^[a-z]\+$' /usr/share/dict/words` on Debian 12's wamerican gives 63875.
  CHECK(words.size() == 63875);
  CHECK(words.words().front() == "a");
  CHECK(words.words().back() == "zygotes");
  CHECK(words.max_length() == 22);
  CHECK(words.held_out().size() == 2000);
  CHECK(words.train().size() == 63875 - 2000);
  // The split is the documented shuffle of positions.
  std::vector<std::size_t> order(words.words().size());
  std::iota(order.begin(), order.end(), std::size_t(0));
  std::mt19937_64 rng(0);
  std::shuffle(order.begin(), order.end(), rng);
  CHECK(words.held_out().front() == words.words()[order[63875 - 2000]]);
  CHECK(words.train().front() == words.words()[order[0]]);
  ember::data::WordList again(ember::data::WordList::kDefaultPath, 2000, 0);
  CHECK(again.held_out() == words.held_out());
  ember::data::WordList other(ember::data::WordList::kDefaultPath, 2000, 1);
  CHECK(other.held_out() != words.held_out());

  for (const std::string& w : words.held_out()) {
    auto tokens = ember::data::WordList::encode(w);
    REQUIRE(tokens.size() == w.size() + 2);
    REQUIRE(ember::data::WordList::decode(tokens) == w);
  }
  CHECK(ember::data::WordList::encode("abz") == std::vector<int64_t>{0, 2, 3, 27, 1});
  CHECK(ember::data::WordList::decode(ember::data::WordList::encode_tensor("hello")) == "hello");
  CHECK(ember::data::WordList::decode({0, 9, 10, 1, 2}) == "hi");  // stops at end
  REQUIRE_THROWS_WITH(ember::data::WordList::encode("don't"),
                      Equals("WordList: character ''' (code 39) is not in the vocabulary 'a'..'z'"));
  REQUIRE_THROWS_WITH(ember::data::WordList::decode({0, 28}), Contains("token 28 is outside the vocabulary 0..27"));
  REQUIRE_THROWS_WITH(ember::data::WordList("/nonexistent/words"), Contains("WordList: cannot open /nonexistent/words"));
}

TEST_CASE("WordList: skips words with other characters", "[data]") {
  auto dir = scratch_dir();
  {
    std::ofstream out(dir / "words");
    out << "apple\nBanana\ncan't\ncaf\xc3\xa9\n\ndog\r\nx2\nzebra\n";
  }
  ember::data::WordList w((dir / "words").string(), 5, 0);
  CHECK(w.words() == std::vector<std::string>{"apple", "dog", "zebra"});
  CHECK(w.held_out().size() == 3);  // clamped to the word count
  CHECK(w.train().empty());
  std::filesystem::remove_all(dir);
}
