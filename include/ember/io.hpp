// Saving and loading tensors, state dicts and training states.
//
// Two formats:
//  - safetensors: an 8-byte little-endian header length, a JSON header naming each
//    tensor's dtype, shape and byte range, then the raw bytes;
//  - PyTorch's torch.save zip format (what torch.save writes since 1.6), readable by
//    torch.load, and read back from files torch.save wrote.
// Files are written atomically: a failed save leaves any previous file in place.
#pragma once
#include <string>

#include "ember/ordered_dict.hpp"

namespace ember {

enum class Format {
  Auto,         // from the file name: .safetensors, or .pt / .pth / .bin / .ckpt for Torch
  SafeTensors,  // https://github.com/huggingface/safetensors layout
  Torch,        // torch.save's zip archive (pickle protocol 2 + raw storages)
};

// safetensors' "__metadata__": free-form string pairs stored in the header.
using Metadata = OrderedDict<std::string>;

// Writes every tensor (contiguous, in dict order). Supported dtypes: float32, float64,
// int64, bool. Throws ember::Error on an unknown extension, an undefined tensor or an
// I/O failure; the target file is then untouched.
void save(const StateDict& dict, const std::string& path, Format format = Format::Auto);
// SafeTensors only: also stores metadata in the header's "__metadata__".
void save(const StateDict& dict, const std::string& path, const Metadata& metadata,
          Format format = Format::Auto);
// A single tensor: torch.save(tensor)'s layout, or the key "tensor" in safetensors.
void save(const Tensor& tensor, const std::string& path, Format format = Format::Auto);

// Reads either format (detected from the content, not the name). Tensors come back
// contiguous and owning their memory, in the file's order. A Torch file holding a bare
// tensor gives {"tensor": t}; nested dicts are flattened with '.' ("model.weight");
// Python ints, floats and bools become 0-dim int64, float64 and bool tensors.
// Any malformed or unsupported content throws ember::Error.
StateDict load(const std::string& path);
// A file holding one tensor (a bare torch tensor, or a one-entry dict).
Tensor load_tensor(const std::string& path);
// The "__metadata__" of a safetensors file (empty when it has none).
Metadata load_metadata(const std::string& path);

// Whole training states in one file: with_prefix(model.state_dict(), "model.") puts
// every key under "model."; strip_prefix(state, "model.") takes those entries back.
StateDict with_prefix(const StateDict& dict, const std::string& prefix);
StateDict strip_prefix(const StateDict& dict, const std::string& prefix);

}  // namespace ember
