// make_grid and save_image with torchvision.utils' semantics, and the PNG of a grid.
#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "ember/ember.hpp"
#include "ember/plot.hpp"
#include "src/core/check.hpp"
#include "src/plot/output.hpp"

namespace ember {
namespace plot {
namespace {

Tensor from_values(const std::vector<double>& values, std::vector<int64_t> shape, Dtype dtype) {
  return ember::tensor(values, shape, TensorOptions(kFloat64)).to(dtype);
}

// torchvision's norm_ip: clamp to [low, high], then map onto [0, 1].
void normalize_range(double* begin, double* end, std::optional<std::pair<double, double>> range) {
  double low, high;
  if (range) {
    low = range->first, high = range->second;
  } else {
    low = *std::min_element(begin, end), high = *std::max_element(begin, end);
  }
  const double scale = std::max(high - low, 1e-5);
  for (double* v = begin; v != end; ++v) *v = (std::clamp(*v, low, high) - low) / scale;
}

Tensor make_grid_impl(const Tensor& tensor, int64_t nrow, int64_t padding, bool normalize,
                      std::optional<std::pair<double, double>> value_range, bool scale_each, double pad_value,
                      const char* function) {
  EMBER_CHECK(tensor.defined(), "{}: the images are an undefined tensor", function);
  EMBER_CHECK(tensor.dim() >= 2 && tensor.dim() <= 4,
              "{}: expected images of shape N x C x H x W, C x H x W or H x W, got shape {}", function,
              tensor.sizes());
  EMBER_CHECK(tensor.numel() > 0, "{}: the images of shape {} hold no pixels", function, tensor.sizes());
  EMBER_CHECK(nrow >= 1, "{}: nrow must be at least 1, got {}", function, nrow);
  EMBER_CHECK(padding >= 0, "{}: padding must not be negative, got {}", function, padding);
  if (value_range)
    EMBER_CHECK(std::isfinite(value_range->first) && std::isfinite(value_range->second) &&
                    value_range->first <= value_range->second,
                "{}: value_range must be (low, high) with low <= high, got ({}, {})", function, value_range->first,
                value_range->second);

  // Shapes as torchvision: H x W -> 1 x H x W; C x H x W -> 1 x C x H x W; one channel -> three.
  const int64_t dims = tensor.dim();
  const int64_t n = dims == 4 ? tensor.size(0) : 1;
  const int64_t c_in = dims == 2 ? 1 : tensor.size(dims - 3);
  const int64_t h = tensor.size(dims - 2), w = tensor.size(dims - 1);
  const int64_t c = c_in == 1 ? 3 : c_in;
  const Dtype dtype = is_floating_point(tensor.dtype()) ? tensor.dtype() : kFloat32;

  const Tensor source = tensor.detach().to(kFloat64).contiguous();
  const double* src = source.data_ptr<double>();
  const int64_t plane = h * w;
  std::vector<double> images(static_cast<std::size_t>(n * c * plane));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < c; ++k)
      std::copy(src + (i * c_in + (c_in == 1 ? 0 : k)) * plane, src + (i * c_in + (c_in == 1 ? 0 : k) + 1) * plane,
                images.begin() + (i * c + k) * plane);
  if (normalize) {
    if (scale_each) {
      for (int64_t i = 0; i < n; ++i)
        normalize_range(images.data() + i * c * plane, images.data() + (i + 1) * c * plane, value_range);
    } else {
      normalize_range(images.data(), images.data() + images.size(), value_range);
    }
  }
  if (n == 1) return from_values(images, {c, h, w}, dtype);  // one image: no padding

  const int64_t columns = std::min(nrow, n), rows = (n + columns - 1) / columns;
  const int64_t cell_h = h + padding, cell_w = w + padding;
  const int64_t out_h = cell_h * rows + padding, out_w = cell_w * columns + padding;
  std::vector<double> grid(static_cast<std::size_t>(c * out_h * out_w), pad_value);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t top = (i / columns) * cell_h + padding, left = (i % columns) * cell_w + padding;
    for (int64_t k = 0; k < c; ++k)
      for (int64_t y = 0; y < h; ++y)
        std::copy(images.begin() + ((i * c + k) * h + y) * w, images.begin() + ((i * c + k) * h + y + 1) * w,
                  grid.begin() + (k * out_h + top + y) * out_w + left);
  }
  return from_values(grid, {c, out_h, out_w}, dtype);
}

}  // namespace

Tensor make_grid(const Tensor& tensor, int64_t nrow, int64_t padding, bool normalize,
                 std::optional<std::pair<double, double>> value_range, bool scale_each, double pad_value) {
  return make_grid_impl(tensor, nrow, padding, normalize, value_range, scale_each, pad_value, "make_grid");
}

void save_image(const Tensor& tensor, const std::string& path, int64_t nrow, int64_t padding, bool normalize,
                std::optional<std::pair<double, double>> value_range, bool scale_each, double pad_value) {
  EMBER_CHECK(format_of(path, "save_image") == Format::png, "save_image: only .png is written, got '{}'", path);
  const Tensor grid =
      make_grid_impl(tensor, nrow, padding, normalize, value_range, scale_each, pad_value, "save_image");
  const int64_t c = grid.size(0), h = grid.size(1), w = grid.size(2);
  EMBER_CHECK(c == 3 || c == 4, "save_image: a PNG holds 1, 3 or 4 channels; the grid of images of shape {} has {}",
              tensor.sizes(), c);
  // torchvision: grid.mul(255).add_(0.5).clamp_(0, 255) then a cast to uint8 (which
  // truncates), in the grid's own precision; uint8 images are written as they are.
  const bool as_is = tensor.dtype() == kUInt8 && !normalize;
  const Tensor values = grid.to(grid.dtype() == kFloat64 ? kFloat64 : kFloat32).contiguous();
  Tensor image = empty({h, w, c}, TensorOptions(kUInt8));
  uint8_t* out = image.data_ptr<uint8_t>();
  for (int64_t k = 0; k < c; ++k)
    for (int64_t i = 0; i < h * w; ++i) {
      double v;
      if (values.dtype() == kFloat64) {
        const double x = values.data_ptr<double>()[k * h * w + i];
        v = as_is ? x : x * 255 + 0.5;
      } else {
        const float x = values.data_ptr<float>()[k * h * w + i];
        v = as_is ? x : static_cast<double>(x * 255.f + 0.5f);
      }
      out[i * c + k] = static_cast<uint8_t>(std::clamp(std::isnan(v) ? 0.0 : v, 0.0, 255.0));
    }
  write_file(path, encode_png(image), "save_image");
}

}  // namespace plot
}  // namespace ember
