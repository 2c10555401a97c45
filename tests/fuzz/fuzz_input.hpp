// Shared by the fuzz targets and by the regression replay in the test suite: each
// parser as a function of raw bytes. A parser may accept the bytes or throw
// ember::Error; anything else (a crash, a sanitizer report, another exception
// escaping) is a bug.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace ember {
namespace fuzz {

// The parser behind ember::load for safetensors files.
void parse_safetensors(const uint8_t* data, std::size_t size);
// The torch.save zip archive (zip reader, pickle reader and tensor rebuilding).
void parse_torch(const uint8_t* data, std::size_t size);
// The bytes as the data.pkl of an otherwise valid torch.save archive, so that the
// pickle reader and the tensor rebuilding see every input (a mutated archive
// mostly fails its CRC check before the pickle is read).
void parse_pickle(const uint8_t* data, std::size_t size);
// data::read_idx on the bytes (plain or gzip-compressed).
void parse_idx(const uint8_t* data, std::size_t size);
// data::WordList on the bytes, then encode/decode of every word.
void parse_wordlist(const uint8_t* data, std::size_t size);

// The parser named by a fuzz target's name ("safetensors", "torch", ...), or null.
using Parser = void (*)(const uint8_t*, std::size_t);
Parser parser_named(const std::string& target);

}  // namespace fuzz
}  // namespace ember
