// A list of English words for character-level models, with a 28-token vocabulary.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "ember/tensor.hpp"

namespace ember {
namespace data {

// Reads a word list (one word a line) and keeps the words made only of 'a'..'z'
// (words with capitals, apostrophes, accents or digits are skipped), in file order.
//
// Tokens: 0 = begin-of-word, 1 = end-of-word, 2..27 = 'a'..'z'. encode("ab") is
// {0, 2, 3, 1}.
//
// Split: the word positions 0..n-1 are shuffled with std::mt19937_64(seed) and
// std::shuffle; the last `held_out` of that order are the held-out words, the rest the
// training words (both in shuffled order). held_out is clamped to the word count.
class WordList {
 public:
  static constexpr int64_t kBegin = 0;
  static constexpr int64_t kEnd = 1;
  static constexpr int64_t kVocabSize = 28;
  static constexpr const char* kDefaultPath = "/usr/share/dict/words";

  explicit WordList(const std::string& path = kDefaultPath, int64_t held_out = 2000, uint64_t seed = 0);

  int64_t size() const { return static_cast<int64_t>(words_.size()); }
  const std::vector<std::string>& words() const { return words_; }
  const std::vector<std::string>& train() const { return train_; }
  const std::vector<std::string>& held_out() const { return held_out_; }
  // The longest word, in characters.
  int64_t max_length() const { return max_length_; }

  // {kBegin, tokens of the letters..., kEnd}; throws ember::Error on a character
  // outside 'a'..'z'.
  static std::vector<int64_t> encode(const std::string& word);
  // The same as a 1-D int64 tensor.
  static Tensor encode_tensor(const std::string& word);
  // Letters of the tokens; a kBegin is skipped, decoding stops at kEnd. Throws on a
  // token outside 0..27.
  static std::string decode(const std::vector<int64_t>& tokens);
  static std::string decode(const Tensor& tokens);
  static int64_t token_of(char c);
  static char char_of(int64_t token);

 private:
  std::vector<std::string> words_, train_, held_out_;
  int64_t max_length_ = 0;
};

}  // namespace data
}  // namespace ember
