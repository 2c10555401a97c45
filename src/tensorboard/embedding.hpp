// The embedding projector's files (add_embedding), written at once on the caller's
// thread as PyTorch does: they are plain files beside the event file, not events.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "ember/tensor.hpp"

namespace ember {
namespace tensorboard {
namespace detail {

// <log_dir>/<step, 5 digits>/<tag, '%' '/' '\' escaped as %25 %2f %5c>/ tensors.tsv,
// metadata.tsv, sprite.png, and an embeddings { } entry appended to
// <log_dir>/projector_config.pbtxt.
void write_embedding(const std::string& log_dir, const Tensor& mat, const std::vector<std::vector<std::string>>& metadata,
                     const std::vector<std::string>& metadata_header, const Tensor& label_img, int64_t global_step,
                     const std::string& tag);

// A double as Python's str() writes it (shortest round-trip digits, "1.0" not "1").
std::string python_float(double v);

}  // namespace detail
}  // namespace tensorboard
}  // namespace ember
