// affine_grid and grid_sample, composed from public ops. The coordinate formulas are
// PyTorch's (aten/src/ATen/native/GridSampler.h): unnormalise from [-1, 1] to pixel
// positions, then apply the padding mode, then read the input at the 2^k corners
// around each position (bilinear) or at the nearest one.
#include <cmath>
#include <vector>

#include "ember/creation.hpp"
#include "ember/functions.hpp"
#include "ember/nn/functional_vision.hpp"
#include "src/core/check.hpp"

namespace ember {
namespace nn {
namespace functional {

namespace {

// linspace(-1, 1, steps), shrunk by (steps - 1) / steps when the corners are not
// aligned (pixel centres); 0 for a single step.
Tensor base_coordinates(int64_t steps, bool align_corners, Dtype dtype) {
  if (steps <= 1) return zeros({std::max<int64_t>(steps, 1)}, dtype);
  Tensor r = linspace(-1.0, 1.0, steps, dtype);
  return align_corners ? r : r * (static_cast<double>(steps - 1) / static_cast<double>(steps));
}

// From [-1, 1] to a pixel position in [0, size - 1] (align_corners) or [-0.5, size - 0.5].
Tensor unnormalize(const Tensor& coord, int64_t size, bool align_corners) {
  const double s = static_cast<double>(size);
  return align_corners ? (coord + 1) / 2 * (s - 1) : ((coord + 1) * s - 1) / 2;  // PyTorch's order
}

// Reflects positions into [twice_low / 2, twice_high / 2] (PyTorch's reflect_coordinates).
Tensor reflect(const Tensor& coord, double twice_low, double twice_high) {
  if (twice_low == twice_high) return zeros_like(coord);
  const double low = twice_low / 2, span = (twice_high - twice_low) / 2;
  Tensor in = abs(coord - low);
  Tensor flips = floor(in / span);  // no gradient
  Tensor extra = in - flips * span;
  Tensor even = remainder(flips, 2) == 0;
  return where(even, extra + low, span - extra + low);
}

Tensor apply_padding(Tensor coord, int64_t size, const std::string& padding, bool align_corners) {
  const double high = static_cast<double>(size - 1);
  if (padding == "border") return clamp(coord, 0.0, high);
  if (padding == "reflection") {
    coord = align_corners ? reflect(coord, 0, 2 * high) : reflect(coord, -1, 2 * static_cast<double>(size) - 1);
    return clamp(coord, 0.0, high);
  }
  return coord;  // zeros: out-of-range corners read 0
}

}  // namespace

Tensor affine_grid(const Tensor& theta, IntArrayRef size, bool align_corners) {
  EMBER_CHECK(theta.defined(), "affine_grid: theta is undefined");
  // LibTorch's checks, in its order and words: theta's dtype, the size's rank with
  // theta's matrix shape, then positive sizes; ember also matches the batch sizes.
  EMBER_CHECK(is_floating_point(theta.dtype()),
              "affine_grid: Expected theta to have floating point type, but got {}", theta.dtype());
  EMBER_CHECK(size.size() == 4 || size.size() == 5,
              "affine_grid: affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
              "respectively. Got size {}",
              size);
  const int64_t k = static_cast<int64_t>(size.size()) - 2;  // spatial dims
  EMBER_CHECK(theta.dim() == 3 && theta.size(1) == k && theta.size(2) == k + 1,
              "affine_grid: Expected a batch of {}D affine matrices of shape Nx{}x{} for size {}. Got {}. "
              "(expected [{}, {}, {}])",
              k, k, k + 1, size, theta.sizes(), size[0], k, k + 1);
  for (int64_t s : size) EMBER_CHECK(s > 0, "affine_grid: Expected non-zero, positive output size. Got {}", size);
  EMBER_CHECK(theta.size(0) == size[0], "affine_grid: theta holds {} matrices (shape {}) but size {} asks for {}",
              theta.size(0), theta.sizes(), size, size[0]);
  const Dtype dt = theta.dtype();
  // base[..., j] is the j-th coordinate (x along the last dim, then y, then z), plus a 1.
  std::vector<int64_t> spatial(size.begin() + 2, size.end());  // D?, H, W
  std::vector<Tensor> columns;
  for (int64_t j = 0; j < k; ++j) {
    const int64_t along = k - 1 - j;  // x runs along the last spatial dim
    std::vector<int64_t> view(static_cast<std::size_t>(k), 1);
    view[static_cast<std::size_t>(along)] = spatial[static_cast<std::size_t>(along)];
    columns.push_back(base_coordinates(spatial[static_cast<std::size_t>(along)], align_corners, dt).view(view).expand(spatial));
  }
  columns.push_back(ones(spatial, dt));
  int64_t points = 1;
  for (int64_t s : spatial) points *= s;
  Tensor base = stack(columns, -1).reshape({1, points, k + 1}).expand({size[0], points, k + 1});
  std::vector<int64_t> out_shape{size[0]};
  out_shape.insert(out_shape.end(), spatial.begin(), spatial.end());
  out_shape.push_back(k);
  return bmm(base, theta.transpose(1, 2)).view(out_shape);
}

Tensor grid_sample(const Tensor& input, const Tensor& grid, const GridSampleFuncOptions& options) {
  EMBER_CHECK(input.defined() && grid.defined(), "grid_sample: input and grid must be defined");
  const std::string& mode = options.mode();
  const std::string& padding = options.padding_mode();
  const bool align = options.align_corners().value_or(false);
  EMBER_CHECK(mode == "bilinear" || mode == "nearest",
              "grid_sample: mode must be \"bilinear\" or \"nearest\", got \"{}\" (input shape {})", mode,
              input.sizes());
  EMBER_CHECK(padding == "zeros" || padding == "border" || padding == "reflection",
              "grid_sample: padding_mode must be \"zeros\", \"border\" or \"reflection\", got \"{}\"", padding);
  EMBER_CHECK(input.dim() == 4 || input.dim() == 5,
              "grid_sample: expected a 4-D or 5-D input, got input of shape {} and grid of shape {}", input.sizes(),
              grid.sizes());
  const int64_t k = input.dim() - 2;
  EMBER_CHECK(grid.dim() == input.dim() && grid.size(0) == input.size(0) && grid.size(-1) == k,
              "grid_sample: expected a grid of shape [{}, ..., {}] with {} dims for input of shape {}, got {}",
              input.size(0), k, input.dim(), input.sizes(), grid.sizes());
  EMBER_CHECK(is_floating_point(input.dtype()) && grid.dtype() == input.dtype(),
              "grid_sample: input and grid must have the same floating dtype, got {} and {}", input.dtype(),
              grid.dtype());
  for (int64_t d = 2; d < input.dim(); ++d)
    EMBER_CHECK(input.size(d) > 0, "grid_sample: input of shape {} has an empty spatial dim", input.sizes());

  const int64_t n = input.size(0), c = input.size(1);
  int64_t in_points = 1, out_points = 1;
  for (int64_t d = 2; d < input.dim(); ++d) in_points *= input.size(d);
  for (int64_t d = 1; d < grid.dim() - 1; ++d) out_points *= grid.size(d);
  Tensor flat_input = input.reshape({n, c, in_points});
  Tensor flat_grid = grid.reshape({n, out_points, k});

  // Per spatial coordinate j (x, y, z): the input size along it, its stride in the
  // flattened input, and the padded pixel position of every output point.
  std::vector<int64_t> sizes(static_cast<std::size_t>(k)), strides(static_cast<std::size_t>(k));
  std::vector<Tensor> pos(static_cast<std::size_t>(k));
  int64_t stride = 1;
  for (int64_t j = 0; j < k; ++j) {
    const int64_t dim = input.dim() - 1 - j;
    sizes[static_cast<std::size_t>(j)] = input.size(dim);
    strides[static_cast<std::size_t>(j)] = stride;
    stride *= input.size(dim);
    pos[static_cast<std::size_t>(j)] =
        apply_padding(unnormalize(flat_grid.select(2, j), input.size(dim), align), input.size(dim), padding, align);
  }

  // Reads the input at integer positions corner[j] (float tensors [N, P]), 0 outside.
  auto read = [&](const std::vector<Tensor>& corner) {
    Tensor inside = ones({n, out_points}, kBool);
    Tensor index = zeros({n, out_points}, kInt64);
    for (int64_t j = 0; j < k; ++j) {
      const Tensor& cj = corner[static_cast<std::size_t>(j)];
      const double high = static_cast<double>(sizes[static_cast<std::size_t>(j)] - 1);
      inside = logical_and(inside, logical_and(cj >= 0, cj <= high));
      index = index + clamp(cj, 0.0, high).to(kInt64) * strides[static_cast<std::size_t>(j)];
    }
    Tensor values = gather(flat_input, 2, index.unsqueeze(1).expand({n, c, out_points}));
    return values * inside.to(input.dtype()).unsqueeze(1);
  };

  Tensor out;
  if (mode == "nearest") {
    // Ties as PyTorch 1.13 breaks them: half to even on 4-D inputs (nearbyint), half
    // away from zero on 5-D inputs (round).
    std::vector<Tensor> corner;
    for (const Tensor& p : pos) {
      Tensor q = p.detach();
      corner.push_back(k == 2 ? round(q) : sign(q) * floor(abs(q) + 0.5));
    }
    out = read(corner);
    // The grid's gradient is zero, as PyTorch's (not undefined): a term that is 0 and
    // keeps the grid in the graph (where, so that an inf or NaN in the grid stays out).
    if (grid.requires_grad())
      out = out + where(zeros({n, 1, out_points}, kBool), flat_grid.select(2, 0).unsqueeze(1), Scalar(0.0));
  } else {
    std::vector<Tensor> low;
    for (const Tensor& p : pos) low.push_back(floor(p).detach());
    for (int64_t bits = 0; bits < (int64_t(1) << k); ++bits) {
      std::vector<Tensor> corner;
      Tensor weight;
      for (int64_t j = 0; j < k; ++j) {
        const bool up = (bits >> j) & 1;
        const Tensor& p = pos[static_cast<std::size_t>(j)];
        const Tensor& l = low[static_cast<std::size_t>(j)];
        corner.push_back(up ? l + 1 : l);
        Tensor w = up ? p - l : (l + 1) - p;  // the weight of this corner along j
        weight = weight.defined() ? weight * w : w;
      }
      Tensor term = read(corner) * weight.unsqueeze(1);
      out = out.defined() ? out + term : term;
    }
  }
  std::vector<int64_t> out_shape{n, c};
  for (int64_t d = 1; d < grid.dim() - 1; ++d) out_shape.push_back(grid.size(d));
  return out.view(out_shape);
}

}  // namespace functional
}  // namespace nn
}  // namespace ember
