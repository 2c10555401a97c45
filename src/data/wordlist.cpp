// WordList: lower-case words from a word list file, tokenized per character.
#include "ember/data/wordlist.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <numeric>
#include <random>

#include "ember/creation.hpp"
#include "src/core/check.hpp"

namespace ember {
namespace data {

WordList::WordList(const std::string& path, int64_t held_out, uint64_t seed) {
  EMBER_CHECK(held_out >= 0, "WordList: held_out must be non-negative, got {}", held_out);
  std::ifstream in(path);
  EMBER_CHECK(in.is_open(), "WordList: cannot open {}: {}", path, std::strerror(errno));
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    bool letters = std::all_of(line.begin(), line.end(), [](char c) { return c >= 'a' && c <= 'z'; });
    if (!letters) continue;
    max_length_ = std::max<int64_t>(max_length_, static_cast<int64_t>(line.size()));
    words_.push_back(line);
  }
  EMBER_CHECK(!in.bad(), "WordList: error while reading {}", path);
  std::vector<std::size_t> order(words_.size());
  std::iota(order.begin(), order.end(), std::size_t(0));
  std::mt19937_64 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  const std::size_t keep = order.size() - std::min<std::size_t>(order.size(), static_cast<std::size_t>(held_out));
  for (std::size_t i = 0; i < order.size(); ++i) (i < keep ? train_ : held_out_).push_back(words_[order[i]]);
}

int64_t WordList::token_of(char c) {
  EMBER_CHECK(c >= 'a' && c <= 'z', "WordList: character '{}' (code {}) is not in the vocabulary 'a'..'z'", c,
              static_cast<int>(static_cast<unsigned char>(c)));
  return 2 + (c - 'a');
}

char WordList::char_of(int64_t token) {
  EMBER_CHECK(token >= 2 && token < kVocabSize, "WordList: token {} is not a letter (letters are 2..27)", token);
  return static_cast<char>('a' + (token - 2));
}

std::vector<int64_t> WordList::encode(const std::string& word) {
  std::vector<int64_t> out;
  out.reserve(word.size() + 2);
  out.push_back(kBegin);
  for (char c : word) out.push_back(token_of(c));
  out.push_back(kEnd);
  return out;
}

Tensor WordList::encode_tensor(const std::string& word) { return tensor(encode(word)); }

std::string WordList::decode(const std::vector<int64_t>& tokens) {
  std::string out;
  for (int64_t t : tokens) {
    EMBER_CHECK(t >= 0 && t < kVocabSize, "WordList: token {} is outside the vocabulary 0..{}", t, kVocabSize - 1);
    if (t == kEnd) break;
    if (t == kBegin) continue;
    out.push_back(char_of(t));
  }
  return out;
}

std::string WordList::decode(const Tensor& tokens) {
  EMBER_CHECK(tokens.dim() == 1 && tokens.dtype() == kInt64, "WordList: decode expects a 1-D int64 tensor, got {} {}",
              tokens.dtype(), tokens.sizes());
  return decode(tokens.tolist<int64_t>());
}

}  // namespace data
}  // namespace ember
