#include "src/tensorboard/embedding.hpp"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ember/ember.hpp"
#include "ember/plot.hpp"
#include "src/core/check.hpp"

namespace ember {
namespace tensorboard {
namespace detail {
namespace {

std::string escape_tag(const std::string& tag) {
  std::string out;
  for (char c : tag) {
    if (c == '%') out += "%25";
    else if (c == '/') out += "%2f";
    else if (c == '\\') out += "%5c";
    else out += c;
  }
  return out;
}

void write_file(const std::string& path, const std::string& bytes, bool append = false) {
  std::ofstream f(path, std::ios::binary | (append ? std::ios::app : std::ios::trunc));
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  f.close();
  EMBER_CHECK(f.good(), "SummaryWriter.add_embedding: cannot write '{}'", path);
}

// PyTorch's make_sprite: the images side by side, ceil(sqrt(N)) per row, no padding,
// on a square canvas as wide as that grid, RGB, x * 255 clipped and truncated.
std::string sprite_png(const Tensor& label_img) {
  const int64_t n = label_img.size(0), c = label_img.size(1), h = label_img.size(2), w = label_img.size(3);
  const Tensor img = label_img.to(kFloat64).contiguous();
  const double* src = img.data_ptr<double>();
  const double scale = label_img.dtype() == kUInt8 ? 1.0 : 255.0;
  const auto cols = static_cast<int64_t>(std::ceil(std::sqrt(static_cast<double>(n))));
  const int64_t rows = (n + cols - 1) / cols;
  const int64_t side = std::max(cols * w, rows * h);
  Tensor canvas = zeros({side, side, 3}, kUInt8);
  uint8_t* dst = canvas.data_ptr<uint8_t>();
  for (int64_t k = 0; k < n; ++k)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x)
        for (int64_t ch = 0; ch < 3; ++ch) {
          double v = src[((k * c + (c == 1 ? 0 : ch)) * h + y) * w + x] * scale;
          v = std::isnan(v) ? 0.0 : std::min(255.0, std::max(0.0, v));
          dst[(((k / cols) * h + y) * side + (k % cols) * w + x) * 3 + ch] = static_cast<uint8_t>(v);
        }
  return plot::encode_png(canvas);
}

}  // namespace

std::string python_float(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  std::string s = fmt::format("{}", v);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

void write_embedding(const std::string& log_dir, const Tensor& mat, const std::vector<std::vector<std::string>>& metadata,
                     const std::vector<std::string>& metadata_header, const Tensor& label_img, int64_t global_step,
                     const std::string& tag) {
  EMBER_CHECK(mat.defined(), "SummaryWriter.add_embedding: mat is an undefined tensor");
  EMBER_CHECK(mat.dim() == 2, "SummaryWriter.add_embedding: expected mat of 2 dims (N x D), got shape {}", mat.sizes());
  const int64_t n = mat.size(0), d = mat.size(1);
  if (!metadata.empty()) {
    EMBER_CHECK(static_cast<int64_t>(metadata.size()) == n,
                "SummaryWriter.add_embedding: {} metadata rows for mat of shape {}: expected one per row",
                metadata.size(), mat.sizes());
    const std::size_t columns = metadata_header.empty() ? 1 : metadata_header.size();
    for (std::size_t i = 0; i < metadata.size(); ++i)
      EMBER_CHECK(metadata[i].size() == columns,
                  "SummaryWriter.add_embedding: metadata row {} has {} columns, expected {} (the header's, or 1 "
                  "without a header)",
                  i, metadata[i].size(), columns);
  }
  if (label_img.defined()) {
    EMBER_CHECK(label_img.dim() == 4 && label_img.size(0) == n && (label_img.size(1) == 1 || label_img.size(1) == 3),
                "SummaryWriter.add_embedding: expected label_img of shape [{}, 1 or 3, H, W] for mat of shape {}, "
                "got {}",
                n, mat.sizes(), label_img.sizes());
  }
  const std::string subdir = fmt::format("{:05d}/{}", global_step, escape_tag(tag));
  const std::string dir = log_dir + "/" + subdir;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  EMBER_CHECK(!ec, "SummaryWriter.add_embedding: cannot create '{}': {}", dir, ec.message());

  if (!metadata.empty()) {
    std::string tsv;
    if (!metadata_header.empty()) tsv += fmt::format("{}\n", fmt::join(metadata_header, "\t"));
    for (const auto& row : metadata) tsv += fmt::format("{}\n", fmt::join(row, "\t"));
    write_file(dir + "/metadata.tsv", tsv);
  }
  if (label_img.defined()) write_file(dir + "/sprite.png", sprite_png(label_img));

  std::string tsv;
  const bool integral = !mat.is_floating_point() && mat.dtype() != kBool;
  const Tensor m = mat.to(kFloat64).contiguous();
  const double* p = m.data_ptr<double>();
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < d; ++j) {
      if (j) tsv += '\t';
      const double v = p[i * d + j];
      tsv += integral ? fmt::format("{}", static_cast<int64_t>(v)) : python_float(v);
    }
    tsv += '\n';
  }
  write_file(dir + "/tensors.tsv", tsv);

  std::string config = "embeddings {\n";
  config += fmt::format("tensor_name: \"{}:{:05d}\"\n", tag, global_step);
  config += fmt::format("tensor_path: \"{}/tensors.tsv\"\n", subdir);
  if (!metadata.empty()) config += fmt::format("metadata_path: \"{}/metadata.tsv\"\n", subdir);
  if (label_img.defined()) {
    config += fmt::format("sprite {{\nimage_path: \"{}/sprite.png\"\n", subdir);
    config += fmt::format("single_image_dim: {}\nsingle_image_dim: {}\n}}\n", label_img.size(3), label_img.size(2));
  }
  config += "}\n";
  write_file(log_dir + "/projector_config.pbtxt", config, true);
}

}  // namespace detail
}  // namespace tensorboard
}  // namespace ember
