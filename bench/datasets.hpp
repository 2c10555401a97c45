// The training workloads' data, prepared the same way for ember-bench and torch-bench:
// the Fashion-MNIST files (for LibTorch, which has no reader for the gzip-compressed IDX
// files), the word list, the fixed-seed epoch order and word-batch sampling of
// BENCHMARKS.md, and the peak resident memory. Nothing here knows either library, so
// both programs see exactly the same batches in the same order.
#pragma once
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace bench {

// ---- sizes and seeds of the training workloads (BENCHMARKS.md) ----
constexpr int64_t kBatch = 64;            // mlp_fmnist, cnn_fmnist
constexpr int64_t kEvalBatch = 1000;      // test accuracy and held-out loss are evaluated in batches this big
constexpr double kLearningRate = 1e-3;    // Adam
constexpr uint64_t kDataSeed = 2024;      // std::mt19937_64 seed of the epoch order and the word batches
constexpr uint64_t kModelSeed = 0;        // each library's manual_seed before building a model
constexpr uint64_t kWordSplitSeed = 0;   // the held-out split of the word list (WordList's default)
constexpr int64_t kWordBatch = 32;        // lstm_words
constexpr int64_t kWordSteps = 300;       // batches of training
constexpr int64_t kHeldOutWords = 2000;
constexpr int64_t kTokens = 28;           // begin, end, a..z
constexpr int64_t kBeginToken = 0, kEndToken = 1;  // 'a' + k is token 2 + k
constexpr int64_t kEmbedding = 32, kHidden = 128;
constexpr int64_t kIgnoreTarget = -100;   // cross_entropy's default ignore_index: padded steps
// Training steps each training workload runs, untimed, on a model of its own before the
// timed one is built (BENCHMARKS.md: a figure is taken after a warm-up). They take each
// library's one-time costs (a GEMM library generating its kernels on the first call, an
// allocator's first pages) out of the timed epoch; the timed model, its seed and its
// batches are the same as without them, so the quality figures do not change.
constexpr int64_t kWarmUpSteps = 3;

// kDataSeed, or the environment's BENCH_DATA_SEED when set (to see how much the quality
// figures move with the order alone; the published figures use the default).
uint64_t data_seed();

extern const char* const kFashionMnistDir;  // /usr/share/datasets/fashion-mnist
extern const char* const kWordsFile;        // /usr/share/dict/words

// One split of Fashion-MNIST as stored: bytes 0..255, row-major [count, 28, 28].
struct ImageSet {
  int64_t count = 0, rows = 0, cols = 0;
  std::vector<unsigned char> pixels;
  std::vector<int64_t> labels;
};
// Writes the pixels scaled to [0, 1] into out[0, count * rows * cols), so that a library
// tensor can be filled without a second float copy.
void scale_pixels(const ImageSet& set, float* out);
// Reads `train` (60000 images) or the test split (10000) from the gzip-compressed IDX
// files; throws std::runtime_error naming the file on anything unexpected.
ImageSet load_fashion_mnist(bool train, const std::string& dir = kFashionMnistDir);

// The order of one epoch: 0..n-1 shuffled by std::shuffle with std::mt19937_64(seed).
std::vector<int64_t> epoch_order(int64_t n, uint64_t seed = data_seed());

// The words of the list made only of 'a'..'z', in file order, split as ember's
// data::WordList documents (so that ember-bench can use WordList itself): positions
// 0..n-1 shuffled by std::shuffle with std::mt19937_64(seed); the last kHeldOutWords of
// that order are held out, the rest are the training words, both in shuffled order.
struct WordSplit {
  std::vector<std::string> train, held_out;
};
WordSplit load_words(const std::string& path = kWordsFile, uint64_t seed = kWordSplitSeed);

// Draws batch indices into the training words with replacement:
// std::uniform_int_distribution<int64_t>(0, n - 1) on the given engine.
std::vector<int64_t> sample_words(std::mt19937_64& engine, int64_t n, int64_t batch = kWordBatch);

// A batch of words as token ids, time-major [steps, batch], unrolled to its own longest
// word: inputs are begin, letters...; targets are letters..., end (so the end token
// counts as a character); past a word's end the input is `end` and the target
// kIgnoreTarget, which cross_entropy leaves out of the loss.
struct CharBatch {
  int64_t steps = 0, batch = 0;
  std::vector<int64_t> inputs, targets;
  int64_t characters = 0;  // targets that count (not kIgnoreTarget)
};
CharBatch char_batch(const std::vector<std::string>& words, const std::vector<int64_t>& indices);
// Words [first, first + count) in order, as one batch.
CharBatch char_batch(const std::vector<std::string>& words, int64_t first, int64_t count);

// ---- memory ----
// Peak resident set size of this process so far (getrusage ru_maxrss), MiB.
double peak_rss_mib();
// Current resident set size (/proc/self/statm), MiB.
double current_rss_mib();

}  // namespace bench
