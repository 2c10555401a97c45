// ember::save / ember::load: format choice, shared tensor helpers, training-state prefixes.
#include <cstring>

#include "ember/creation.hpp"
#include "src/core/check.hpp"
#include "src/io/file.hpp"
#include "src/io/formats.hpp"

namespace ember {

namespace io {

Tensor contiguous_for_save(const Tensor& t, const std::string& key, const char* what) {
  EMBER_CHECK(t.defined(), "{}: tensor '{}' is undefined", what, key);
  return t.detach().contiguous();
}

Tensor tensor_from_bytes(Dtype dtype, IntArrayRef sizes, const char* data) {
  Tensor t = empty(sizes, TensorOptions(dtype));
  std::size_t n = static_cast<std::size_t>(t.nbytes());
  if (n == 0) return t;
  if (dtype == Dtype::Bool) {
    auto* out = static_cast<unsigned char*>(t.data_ptr());
    for (std::size_t k = 0; k < n; ++k) out[k] = data[k] != 0;
  } else {
    std::memcpy(t.data_ptr(), data, n);
  }
  return t;
}

}  // namespace io

namespace {

bool ends_with(const std::string& s, const char* suffix) {
  std::size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

Format resolve(Format format, const std::string& path) {
  if (format != Format::Auto) return format;
  if (ends_with(path, ".safetensors")) return Format::SafeTensors;
  for (const char* ext : {".pt", ".pth", ".bin", ".ckpt"})
    if (ends_with(path, ext)) return Format::Torch;
  detail::fail(fmt::format("save: cannot tell the format of '{}' from its name: use .safetensors, .pt, .pth, .bin "
                           "or .ckpt, or pass Format::SafeTensors or Format::Torch",
                           path));
}

enum class Detected { SafeTensors, Torch };

Detected detect(const std::string& bytes, const std::string& path) {
  if (bytes.size() >= 4 && std::memcmp(bytes.data(), "PK\x03\x04", 4) == 0) return Detected::Torch;
  // The safetensors loader reports a bad header length itself.
  if (bytes.size() >= 9 && bytes[8] == '{') return Detected::SafeTensors;
  EMBER_CHECK(!(bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x80),
              "load: '{}' looks like a legacy torch.save file (before PyTorch 1.6, or "
              "_use_new_zipfile_serialization=False), which is not supported",
              path);
  detail::fail(fmt::format("load: '{}' ({} bytes) is neither a safetensors file nor a torch.save zip archive", path,
                           bytes.size()));
}

}  // namespace

void save(const StateDict& dict, const std::string& path, Format format) {
  if (resolve(format, path) == Format::SafeTensors) io::save_safetensors(dict, path, nullptr);
  else io::save_torch(dict, path, false);
}

void save(const StateDict& dict, const std::string& path, const Metadata& metadata, Format format) {
  EMBER_CHECK(resolve(format, path) == Format::SafeTensors,
              "save: '{}': metadata can only be stored in the safetensors format", path);
  io::save_safetensors(dict, path, &metadata);
}

void save(const Tensor& tensor, const std::string& path, Format format) {
  StateDict one;
  one.insert("tensor", tensor);
  if (resolve(format, path) == Format::SafeTensors) io::save_safetensors(one, path, nullptr);
  else io::save_torch(one, path, true);
}

StateDict load(const std::string& path) {
  std::string bytes = io::read_file(path, "load");
  bool bare = false;
  if (detect(bytes, path) == Detected::Torch) return io::load_torch(bytes, path, &bare);
  return io::load_safetensors(bytes, path, nullptr);
}

Tensor load_tensor(const std::string& path) {
  StateDict d = load(path);
  EMBER_CHECK(d.size() == 1, "load_tensor: '{}' holds {} tensors, expected one", path, d.size());
  return d.items()[0].second;
}

Metadata load_metadata(const std::string& path) {
  std::string bytes = io::read_file(path, "load_metadata");
  EMBER_CHECK(detect(bytes, path) == Detected::SafeTensors,
              "load_metadata: '{}' is a torch.save archive; only safetensors files carry metadata", path);
  Metadata meta;
  io::load_safetensors(bytes, path, &meta);
  return meta;
}

StateDict with_prefix(const StateDict& dict, const std::string& prefix) {
  StateDict out;
  for (const auto& kv : dict) out.insert(prefix + kv.first, kv.second);
  return out;
}

StateDict strip_prefix(const StateDict& dict, const std::string& prefix) {
  StateDict out;
  for (const auto& kv : dict)
    if (kv.first.size() >= prefix.size() && kv.first.compare(0, prefix.size(), prefix) == 0)
      out.insert(kv.first.substr(prefix.size()), kv.second);
  return out;
}

}  // namespace ember
