#include "bench/datasets.hpp"

#include <sys/resource.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace bench {

const char* const kFashionMnistDir = "/usr/share/datasets/fashion-mnist";
const char* const kWordsFile = "/usr/share/dict/words";

uint64_t data_seed() {
  const char* s = std::getenv("BENCH_DATA_SEED");
  return s && *s ? std::strtoull(s, nullptr, 10) : kDataSeed;
}

namespace {

// The whole decompressed content of a gzip file.
std::vector<unsigned char> gunzip(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error("cannot open " + path);
  std::vector<unsigned char> out;
  unsigned char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.insert(out.end(), buf, buf + n);
  bool failed = n < 0;
  gzclose(f);
  if (failed) throw std::runtime_error("cannot decompress " + path);
  return out;
}

uint32_t big_endian(const std::vector<unsigned char>& b, std::size_t at) {
  return uint32_t(b[at]) << 24 | uint32_t(b[at + 1]) << 16 | uint32_t(b[at + 2]) << 8 | uint32_t(b[at + 3]);
}

// IDX: a magic number 0x0000TTDD (TT 0x08 = unsigned bytes, DD the number of dims), the
// dims as big-endian 32-bit counts, then the data.
std::vector<unsigned char> read_idx(const std::string& path, std::vector<int64_t>& dims, uint32_t want_dims) {
  std::vector<unsigned char> b = gunzip(path);
  if (b.size() < 4 || big_endian(b, 0) != (0x0800u | want_dims))
    throw std::runtime_error(path + ": not an IDX file of unsigned bytes with " + std::to_string(want_dims) +
                             " dims");
  std::size_t header = 4 + 4 * want_dims, total = 1;
  if (b.size() < header) throw std::runtime_error(path + ": truncated header");
  dims.clear();
  for (uint32_t d = 0; d < want_dims; ++d) {
    dims.push_back(big_endian(b, 4 + 4 * d));
    total *= dims.back();
  }
  if (b.size() != header + total) throw std::runtime_error(path + ": size does not match its dims");
  b.erase(b.begin(), b.begin() + header);
  return b;
}

}  // namespace

ImageSet load_fashion_mnist(bool train, const std::string& dir) {
  std::string prefix = dir + (train ? "/train" : "/t10k");
  std::vector<int64_t> idims, ldims;
  std::vector<unsigned char> images = read_idx(prefix + "-images-idx3-ubyte.gz", idims, 3);
  std::vector<unsigned char> labels = read_idx(prefix + "-labels-idx1-ubyte.gz", ldims, 1);
  if (idims[0] != ldims[0]) throw std::runtime_error(prefix + ": image and label counts differ");
  ImageSet s;
  s.count = idims[0];
  s.rows = idims[1];
  s.cols = idims[2];
  s.pixels = std::move(images);
  s.labels.assign(labels.begin(), labels.end());
  return s;
}

void scale_pixels(const ImageSet& set, float* out) {
  std::transform(set.pixels.begin(), set.pixels.end(), out, [](unsigned char p) { return p / 255.0f; });
}

std::vector<int64_t> epoch_order(int64_t n, uint64_t seed) {
  std::vector<int64_t> order(n);
  for (int64_t i = 0; i < n; ++i) order[i] = i;
  std::mt19937_64 engine(seed);
  std::shuffle(order.begin(), order.end(), engine);
  return order;
}

WordSplit load_words(const std::string& path, uint64_t seed) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::vector<std::string> all;
  std::string w;
  while (std::getline(in, w)) {
    if (!w.empty() && std::all_of(w.begin(), w.end(), [](char c) { return c >= 'a' && c <= 'z'; }))
      all.push_back(w);
  }
  const int64_t n = int64_t(all.size());
  if (n < 2 * kHeldOutWords) throw std::runtime_error(path + ": too few lower-case words");
  std::vector<int64_t> order = epoch_order(n, seed);
  WordSplit s;
  for (int64_t i = 0; i < n; ++i) (i < n - kHeldOutWords ? s.train : s.held_out).push_back(all[order[i]]);
  return s;
}

std::vector<int64_t> sample_words(std::mt19937_64& engine, int64_t n, int64_t batch) {
  std::uniform_int_distribution<int64_t> pick(0, n - 1);
  std::vector<int64_t> idx(batch);
  for (auto& i : idx) i = pick(engine);
  return idx;
}

CharBatch char_batch(const std::vector<std::string>& words, const std::vector<int64_t>& indices) {
  CharBatch b;
  b.batch = int64_t(indices.size());
  for (int64_t i : indices) b.steps = std::max<int64_t>(b.steps, int64_t(words[i].size()) + 1);
  b.inputs.assign(b.steps * b.batch, kEndToken);
  b.targets.assign(b.steps * b.batch, kIgnoreTarget);
  for (int64_t j = 0; j < b.batch; ++j) {
    const std::string& w = words[indices[j]];
    const int64_t len = int64_t(w.size());
    for (int64_t t = 0; t <= len; ++t) {
      b.inputs[t * b.batch + j] = t == 0 ? kBeginToken : 2 + (w[t - 1] - 'a');
      b.targets[t * b.batch + j] = t == len ? kEndToken : 2 + (w[t] - 'a');
    }
    b.characters += len + 1;
  }
  return b;
}

CharBatch char_batch(const std::vector<std::string>& words, int64_t first, int64_t count) {
  std::vector<int64_t> idx(count);
  for (int64_t i = 0; i < count; ++i) idx[i] = first + i;
  return char_batch(words, idx);
}

double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024.0;  // KiB on Linux
}

double current_rss_mib() {
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return double(resident) * sysconf(_SC_PAGESIZE) / (1024.0 * 1024.0);
}

}  // namespace bench
