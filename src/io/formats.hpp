// The two checkpoint formats behind ember::save / ember::load, and what they share.
#pragma once
#include <string>

#include "ember/io.hpp"

namespace ember {
namespace io {

// The tensor as contiguous bytes in memory (a copy only when it is not contiguous).
Tensor contiguous_for_save(const Tensor& t, const std::string& key, const char* what);
// A new contiguous tensor holding a copy of `data` (bools are normalized to 0/1 so a
// damaged file cannot produce invalid bool values).
Tensor tensor_from_bytes(Dtype dtype, IntArrayRef sizes, const char* data);

void save_safetensors(const StateDict& dict, const std::string& path, const Metadata* metadata);
StateDict load_safetensors(const std::string& bytes, const std::string& path, Metadata* metadata);

void save_torch(const StateDict& dict, const std::string& path, bool bare_tensor);
StateDict load_torch(const std::string& bytes, const std::string& path, bool* bare_tensor);

}  // namespace io
}  // namespace ember
