// F::interpolate by composition. Every mode is separable: each spatial dim is resized
// in turn by gathering source rows with index_select and, for the interpolating modes,
// blending them with per-output weights. The source indices and weights follow
// PyTorch's CPU kernels exactly (area_pixel_compute_scale / _source_index, the nearest
// kernels' float arithmetic, the cubic convolution with A = -0.75), so values match
// and gradients come from index_select's backward.
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "ember/creation.hpp"
#include "ember/error.hpp"
#include "ember/functions.hpp"
#include "ember/nn/functional.hpp"
#include "ember/nn/upsampling.hpp"
#include "src/nn/repr.hpp"

namespace ember {
namespace nn {
namespace functional {

namespace {

std::string describe(const Tensor& input, const InterpolateFuncOptions& o) {
  std::string s = "interpolate: input " + repr::shape_str(input.sizes()) + ", mode " + o.mode();
  if (o.size()) s += ", size " + repr::shape_str(*o.size());
  if (o.scale_factor()) {
    s += ", scale_factor (";
    for (std::size_t i = 0; i < o.scale_factor()->size(); ++i)
      s += (i ? ", " : "") + repr::py_float((*o.scale_factor())[i]);
    s += ")";
  }
  return s;
}

// PyTorch's compute_scales_value: 1/scale_factor when one was given, else in/out.
template <class T>
T scales_value(std::optional<double> scale, int64_t in, int64_t out) {
  return scale && *scale > 0 ? static_cast<T>(1.0 / *scale) : static_cast<T>(in) / static_cast<T>(out);
}

// PyTorch's area_pixel_compute_scale.
template <class T>
T pixel_scale(int64_t in, int64_t out, bool align_corners, std::optional<double> scale) {
  if (align_corners) return out > 1 ? static_cast<T>(in - 1) / static_cast<T>(out - 1) : T(0);
  return scales_value<T>(scale, in, out);
}

// PyTorch's area_pixel_compute_source_index.
template <class T>
T source_index(T scale, int64_t dst, bool align_corners, bool cubic) {
  if (align_corners) return scale * static_cast<T>(dst);
  T src = scale * (static_cast<T>(dst) + T(0.5)) - T(0.5);
  return (!cubic && src < 0) ? T(0) : src;
}

// Resizes dim d of x to `out` by picking one source index per output position.
Tensor pick(const Tensor& x, int64_t d, const std::vector<int64_t>& index) {
  return x.index_select(d, tensor(index));
}

// A [out] weight vector shaped to broadcast along dim d of x.
template <class T>
Tensor weight_along(const Tensor& x, int64_t d, const std::vector<T>& w) {
  std::vector<int64_t> shape(static_cast<std::size_t>(x.dim()), 1);
  shape[static_cast<std::size_t>(d)] = static_cast<int64_t>(w.size());
  return tensor(w).reshape(shape).to(x.dtype());
}

Tensor nearest_dim(const Tensor& x, int64_t d, int64_t out, std::optional<double> scale, bool exact) {
  const int64_t in = x.size(d);
  std::vector<int64_t> index(static_cast<std::size_t>(out));
  const float s = scales_value<float>(scale, in, out);
  for (int64_t o = 0; o < out; ++o) {
    int64_t src;
    if (exact) {
      src = static_cast<int64_t>(std::floor(static_cast<float>((static_cast<double>(o) + 0.5) * s)));
    } else if (out == in) {
      src = o;
    } else if (out == 2 * in) {
      src = o >> 1;
    } else {
      src = static_cast<int64_t>(std::floor(static_cast<float>(o) * s));
    }
    index[static_cast<std::size_t>(o)] = std::min(src, in - 1);
  }
  return pick(x, d, index);
}

template <class T>
Tensor linear_dim(const Tensor& x, int64_t d, int64_t out, bool align_corners, std::optional<double> scale) {
  const int64_t in = x.size(d);
  const T s = pixel_scale<T>(in, out, align_corners, scale);
  std::vector<int64_t> i0(static_cast<std::size_t>(out)), i1(static_cast<std::size_t>(out));
  std::vector<T> w0(static_cast<std::size_t>(out)), w1(static_cast<std::size_t>(out));
  for (int64_t o = 0; o < out; ++o) {
    const T real = source_index<T>(s, o, align_corners, false);
    const int64_t lo = std::min(static_cast<int64_t>(std::floor(real)), in - 1);
    const T lambda = std::min(std::max(real - static_cast<T>(lo), T(0)), T(1));
    const auto k = static_cast<std::size_t>(o);
    i0[k] = lo;
    i1[k] = lo + (lo < in - 1 ? 1 : 0);
    w0[k] = T(1) - lambda;
    w1[k] = lambda;
  }
  return pick(x, d, i0) * weight_along(x, d, w0) + pick(x, d, i1) * weight_along(x, d, w1);
}

// Keys' cubic convolution weights for the four taps at offsets -1, 0, 1, 2.
template <class T>
void cubic_weights(T t, T w[4]) {
  const T A = T(-0.75);
  auto near = [A](T u) { return ((A + 2) * u - (A + 3)) * u * u + 1; };      // |u| <= 1
  auto far = [A](T u) { return ((A * u - 5 * A) * u + 8 * A) * u - 4 * A; };  // 1 < |u| < 2
  w[0] = far(t + 1);
  w[1] = near(t);
  w[2] = near(1 - t);
  w[3] = far(2 - t);
}

template <class T>
Tensor cubic_dim(const Tensor& x, int64_t d, int64_t out, bool align_corners, std::optional<double> scale) {
  const int64_t in = x.size(d);
  const T s = pixel_scale<T>(in, out, align_corners, scale);
  std::vector<std::vector<int64_t>> index(4, std::vector<int64_t>(static_cast<std::size_t>(out)));
  std::vector<std::vector<T>> weight(4, std::vector<T>(static_cast<std::size_t>(out)));
  for (int64_t o = 0; o < out; ++o) {
    const T real = source_index<T>(s, o, align_corners, true);
    const int64_t base = static_cast<int64_t>(std::floor(real));
    T w[4];
    cubic_weights<T>(real - static_cast<T>(base), w);
    for (int k = 0; k < 4; ++k) {
      index[k][static_cast<std::size_t>(o)] = std::min(std::max(base - 1 + k, int64_t{0}), in - 1);
      weight[k][static_cast<std::size_t>(o)] = w[k];
    }
  }
  Tensor result = pick(x, d, index[0]) * weight_along(x, d, weight[0]);
  for (int k = 1; k < 4; ++k) result = result + pick(x, d, index[k]) * weight_along(x, d, weight[k]);
  return result;
}

// The number of spatial dims each mode takes (0: any of 1, 2, 3).
int64_t mode_dims(const std::string& mode) {
  if (mode == "nearest" || mode == "nearest-exact") return 0;
  if (mode == "linear") return 1;
  if (mode == "bilinear" || mode == "bicubic") return 2;
  if (mode == "trilinear") return 3;
  return -1;
}

}  // namespace

Tensor interpolate(const Tensor& input, const InterpolateFuncOptions& options) {
  const std::string& mode = options.mode();
  if (!input.defined()) throw Error("interpolate: the input is undefined");
  const std::string what = describe(input, options);
  const int64_t wanted = mode_dims(mode);
  if (mode == "area") throw Error(what + ": mode 'area' is not supported (use adaptive_avg_pool)");
  if (wanted < 0)
    throw Error(what + ": unknown mode; expected nearest, nearest-exact, linear, bilinear, bicubic or trilinear");
  if (input.dim() < 3 || input.dim() > 5)
    throw Error(what + ": expected a 3-d, 4-d or 5-d input [N, C, ...spatial]");
  const int64_t spatial = input.dim() - 2;
  if (wanted > 0 && spatial != wanted)
    throw Error(what + ": mode " + mode + " needs a " + std::to_string(wanted + 2) + "-d input, got " +
                std::to_string(input.dim()) + "-d");
  const bool interpolating = wanted > 0;
  if (!interpolating && options.align_corners())
    throw Error(what + ": align_corners can only be set with the interpolating modes: "
                       "linear | bilinear | bicubic | trilinear");
  if (options.antialias()) throw Error(what + ": antialias=true is not supported");
  if (!options.size() && !options.scale_factor())
    throw Error(what + ": either size or scale_factor should be defined");
  if (options.size() && options.scale_factor())
    throw Error(what + ": only one of size or scale_factor should be defined");
  if (interpolating && !input.is_floating_point())
    throw Error(what + ": mode " + mode + " needs a floating-point input");

  // The output size, and the scales the kernel is given (none when size was given or
  // recompute_scale_factor is set).
  std::vector<int64_t> out_size;
  std::vector<std::optional<double>> scales(static_cast<std::size_t>(spatial));
  if (options.size()) {
    out_size = *options.size();
    if (static_cast<int64_t>(out_size.size()) != spatial)
      throw Error(what + ": size needs one value per spatial dim (" + std::to_string(spatial) + ")");
  } else {
    const std::vector<double>& factors = *options.scale_factor();
    if (static_cast<int64_t>(factors.size()) != spatial)
      throw Error(what + ": scale_factor needs one value per spatial dim (" + std::to_string(spatial) + ")");
    const bool recompute = options.recompute_scale_factor().value_or(false);
    for (int64_t i = 0; i < spatial; ++i) {
      const double f = factors[static_cast<std::size_t>(i)];
      if (!(f > 0)) throw Error(what + ": scale_factor must be positive");
      out_size.push_back(static_cast<int64_t>(std::floor(static_cast<double>(input.size(i + 2)) * f)));
      if (!recompute) scales[static_cast<std::size_t>(i)] = f;
    }
  }
  for (int64_t s : out_size)
    if (s <= 0) throw Error(what + ": the output size " + repr::shape_str(out_size) + " must be positive");

  const bool align = options.align_corners().value_or(false);
  const bool dbl = input.dtype() == kFloat64;
  Tensor x = input;
  for (int64_t i = 0; i < spatial; ++i) {
    const int64_t d = i + 2;
    const int64_t out = out_size[static_cast<std::size_t>(i)];
    const std::optional<double> scale = scales[static_cast<std::size_t>(i)];
    if (!interpolating)
      x = nearest_dim(x, d, out, scale, mode == "nearest-exact");
    else if (mode == "bicubic")
      x = dbl ? cubic_dim<double>(x, d, out, align, scale) : cubic_dim<float>(x, d, out, align, scale);
    else
      x = dbl ? linear_dim<double>(x, d, out, align, scale) : linear_dim<float>(x, d, out, align, scale);
  }
  return x;
}

}  // namespace functional

// ---------------------------------------------------------------- modules
UpsampleImpl::UpsampleImpl(const UpsampleOptions& options) : UpsampleImpl("Upsample", options) {}
UpsampleImpl::UpsampleImpl(const char* type_name, const UpsampleOptions& options)
    : Module(type_name), options(options) {}

Tensor UpsampleImpl::forward(const Tensor& input) {
  return functional::interpolate(input, functional::InterpolateFuncOptions()
                                            .size(options.size())
                                            .scale_factor(options.scale_factor())
                                            .mode(options.mode())
                                            .align_corners(options.align_corners()));
}

// Python's: "scale_factor=2.0, mode=nearest" (one value printed bare, several as a
// tuple), or "size=(4, 6), mode=bilinear".
std::string UpsampleImpl::extra_repr() const {
  std::string s;
  if (options.scale_factor()) {
    const std::vector<double>& f = *options.scale_factor();
    if (f.size() == 1) {
      s = "scale_factor=" + repr::py_float(f[0]);
    } else {
      s = "scale_factor=(";
      for (std::size_t i = 0; i < f.size(); ++i) s += (i ? ", " : "") + repr::py_float(f[i]);
      s += ")";
    }
  } else if (options.size()) {
    s = "size=" + repr::py_int_or_tuple(*options.size());
  } else {
    s = "size=None";
  }
  return s + ", mode=" + options.mode();
}

UpsamplingNearest2dImpl::UpsamplingNearest2dImpl(const UpsamplingNearest2dOptions& o)
    : UpsampleImpl("UpsamplingNearest2d",
                   UpsampleOptions().size(o.size()).scale_factor(o.scale_factor()).mode("nearest")) {}

UpsamplingBilinear2dImpl::UpsamplingBilinear2dImpl(const UpsamplingBilinear2dOptions& o)
    : UpsampleImpl("UpsamplingBilinear2d", UpsampleOptions()
                                               .size(o.size())
                                               .scale_factor(o.scale_factor())
                                               .mode("bilinear")
                                               .align_corners(true)) {}

}  // namespace nn
}  // namespace ember
