#include "ops/channel_affine.hpp"

#include <algorithm>

#include "ops/elementwise.hpp"
#include "ops/functors.hpp"
#include "src/core/check.hpp"
#include "src/core/make_tensor.hpp"
#include "src/core/parallel.hpp"

namespace ember {
namespace kernels {
namespace {

template <class T>
void affine_rows(const T* x, T* y, const T* scale, const T* shift, int64_t rows, int64_t C, int64_t S) {
  // Each row is one (image, channel) plane of S values; rows go to threads whole.
  parallel_for(0, rows, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(S, 1)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const AffineOp<T> op{scale[r % C], shift[r % C]};
      const T* in = x + r * S;
      T* out = y + r * S;
      if (auto f = Contig<AffineOp<T>, T>::unary)
        f(op, in, out, S);
      else
        for (int64_t i = 0; i < S; ++i) out[i] = op(in[i]);
    }
  });
}

}  // namespace

Tensor channel_affine(const Tensor& x, const Tensor& scale, const Tensor& shift) {
  EMBER_CHECK(x.dim() >= 2 && (x.dtype() == Dtype::Float32 || x.dtype() == Dtype::Float64),
              "channel_affine: expected a float32 or float64 input of shape [N, C, ...], got {} {}", x.dtype(),
              x.sizes());
  const int64_t C = x.size(1);
  EMBER_CHECK(scale.dim() == 1 && scale.size(0) == C && shift.dim() == 1 && shift.size(0) == C &&
                  scale.dtype() == x.dtype() && shift.dtype() == x.dtype(),
              "channel_affine: expected scale and shift of shape [{}] and dtype {}, got {} {} and {} {}", C, x.dtype(),
              scale.dtype(), scale.sizes(), shift.dtype(), shift.sizes());
  Tensor y = detail::empty_tensor(x.sizes(), x.dtype());
  if (x.numel() == 0) return y;
  const Tensor xc = x.is_contiguous() ? x : contiguous_as(x, x.dtype());
  const Tensor sc = scale.is_contiguous() ? scale : contiguous_as(scale, scale.dtype());
  const Tensor sh = shift.is_contiguous() ? shift : contiguous_as(shift, shift.dtype());
  const int64_t rows = x.size(0) * C, S = x.numel() / rows;
  if (x.dtype() == Dtype::Float32)
    affine_rows<float>(xc.data_ptr<float>(), y.data_ptr<float>(), sc.data_ptr<float>(), sh.data_ptr<float>(), rows, C,
                       S);
  else
    affine_rows<double>(xc.data_ptr<double>(), y.data_ptr<double>(), sc.data_ptr<double>(), sh.data_ptr<double>(),
                        rows, C, S);
  return y;
}

}  // namespace kernels
}  // namespace ember
