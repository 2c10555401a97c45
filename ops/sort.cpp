#include "ops/sort.hpp"

#include <algorithm>
#include <cstring>
#include <type_traits>
#include <numeric>
#include <vector>

#include "src/core/dtype_dispatch.hpp"
#include "ops/elementwise.hpp"
#include "ops/reduction_common.hpp"
#include "src/core/check.hpp"
#include "src/core/make_tensor.hpp"
#include "src/core/parallel.hpp"
#include "src/core/shape.hpp"

namespace ember {
namespace kernels {
namespace {

using detail::empty_tensor;

std::size_t u(int64_t i) { return static_cast<std::size_t>(i); }

// Whether a comes before b: by value (NaN above every number), equal values by
// position, so that std::sort and std::partial_sort give the stable order.
template <class T>
struct Before {
  const T* row;
  int64_t stride;
  bool descending;
  bool operator()(int64_t i, int64_t j) const {
    T a = row[i * stride], b = row[j * stride];
    bool a_nan = a != a, b_nan = b != b;  // always false for int64 and bool
    if (a_nan || b_nan) {
      if (a_nan && b_nan) return i < j;
      return descending ? a_nan : b_nan;
    }
    if (a < b) return !descending;
    if (b < a) return descending;
    return i < j;
  }
};

// Order-preserving unsigned keys: sorting (key, index) pairs as integers gives Before's
// order without reading the values through the line's stride at every comparison.
// Floats: the sign flips the other bits, -0 counts as +0, every NaN is above +inf;
// signed integers: the sign bit flipped. Descending order takes the complement (NaN
// first, as Before puts it); equal keys keep their positions through the index.
template <class T, class = void>
struct OrderKey {
  static constexpr bool available = false;
};
template <class T>
struct OrderKey<T, std::enable_if_t<std::is_floating_point<T>::value>> {
  static constexpr bool available = true;
  using Key = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  static Key of(T v) {
    constexpr Key sign = Key(1) << (8 * sizeof(T) - 1);
    if (v != v) return ~Key(0);
    if (v == T(0)) v = T(0);
    Key b;
    std::memcpy(&b, &v, sizeof b);
    return (b & sign) ? ~b : (b | sign);
  }
};
template <class T>
struct OrderKey<T, std::enable_if_t<std::is_integral<T>::value>> {
  static constexpr bool available = true;
  using Key = std::make_unsigned_t<std::conditional_t<std::is_same<T, bool>::value, uint8_t, T>>;
  static Key of(T v) {
    if constexpr (std::is_signed<T>::value)
      return static_cast<Key>(static_cast<Key>(v) ^ (Key(1) << (8 * sizeof(T) - 1)));
    else
      return static_cast<Key>(v);
  }
};

template <class Key>
struct Keyed {
  Key key;
  int64_t index;
  bool operator<(const Keyed& o) const { return key < o.key || (key == o.key && index < o.index); }
};

// One line's first m in order, through keys: writes values and indices (stride inner).
template <class T>
void sort_line_keyed(const T* row, int64_t n, int64_t inner, int64_t m, bool descending,
                     std::vector<Keyed<typename OrderKey<T>::Key>>& items, T* v, int64_t* ix) {
  using Key = typename OrderKey<T>::Key;
  items.resize(u(n));
  for (int64_t j = 0; j < n; ++j) {
    const Key k = OrderKey<T>::of(row[j * inner]);
    items[u(j)] = {descending ? Key(~k) : k, j};
  }
  if (m == n)
    std::sort(items.begin(), items.end());
  else
    std::partial_sort(items.begin(), items.begin() + m, items.end());
  for (int64_t j = 0; j < m; ++j) {
    const int64_t at = items[u(j)].index;
    v[j * inner] = row[at * inner];
    ix[j * inner] = at;
  }
}

// x viewed as [outer, n, inner]; writes the first m of each sorted (outer, inner) line
// into values and indices viewed as [outer, m, inner].
std::pair<Tensor, Tensor> sort_lines(const Tensor& x_in, int64_t dim_in, int64_t m, bool descending, const char* op) {
  const int64_t nd = x_in.dim();
  const int64_t dim = detail::wrap_dim(x_in, dim_in, op);
  Tensor x = contiguous_as(x_in, x_in.dtype());
  const int64_t n = nd == 0 ? 1 : x.size(dim);
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < nd; ++d) {
    if (d < dim) outer *= x.size(d);
    if (d > dim) inner *= x.size(d);
  }
  Shape out_sizes = x.sizes().shape();
  if (nd > 0) out_sizes[u(dim)] = m;
  Tensor values = empty_tensor(out_sizes, x.dtype(), op);
  Tensor indices = empty_tensor(out_sizes, Dtype::Int64, op);
  if (values.numel() == 0) return {values, indices};
  const int64_t lines = outer * inner;
  EMBER_DISPATCH_ALL(x.dtype(), [&] {
    const T* src = x.data_ptr<T>();
    T* val = values.data_ptr<T>();
    int64_t* idx = indices.data_ptr<int64_t>();
    const int64_t grain = std::max<int64_t>(1, kGrainSize / std::max<int64_t>(n, 1));
    parallel_for(0, lines, grain, [&](int64_t begin, int64_t end) {
      if constexpr (OrderKey<T>::available) {
        std::vector<Keyed<typename OrderKey<T>::Key>> items;
        for (int64_t line = begin; line < end; ++line) {
          const int64_t o = line / inner, i = line % inner;
          sort_line_keyed(src + o * n * inner + i, n, inner, m, descending, items, val + o * m * inner + i,
                          idx + o * m * inner + i);
        }
        return;
      }
      std::vector<int64_t> order(u(n));
      for (int64_t line = begin; line < end; ++line) {
        const int64_t o = line / inner, i = line % inner;
        const T* row = src + o * n * inner + i;
        std::iota(order.begin(), order.end(), int64_t(0));
        Before<T> before{row, inner, descending};
        if (m == n)
          std::sort(order.begin(), order.end(), before);
        else
          std::partial_sort(order.begin(), order.begin() + m, order.end(), before);
        T* v = val + o * m * inner + i;
        int64_t* ix = idx + o * m * inner + i;
        for (int64_t j = 0; j < m; ++j) {
          v[j * inner] = row[order[u(j)] * inner];
          ix[j * inner] = order[u(j)];
        }
      }
    });
  });
  return {values, indices};
}

}  // namespace

std::pair<Tensor, Tensor> sort(const Tensor& x, int64_t dim, bool descending, const char* op) {
  detail::check_defined(x, op);
  const int64_t d = detail::wrap_dim(x, dim, op);
  return reduction_common::via_kernel_dtype(
      x, [&](const Tensor& c) { return sort_lines(c, d, x.dim() == 0 ? 1 : x.size(d), descending, op); });
}

std::pair<Tensor, Tensor> topk(const Tensor& x, int64_t k, int64_t dim, bool largest, const char* op) {
  detail::check_defined(x, op);
  const int64_t d = detail::wrap_dim(x, dim, op);
  const int64_t n = x.dim() == 0 ? 1 : x.size(d);
  EMBER_CHECK(k >= 0 && k <= n, "{}: k ({}) is out of range for dim {} of size {} (input shape {})", op, k, d, n,
              x.sizes());
  return reduction_common::via_kernel_dtype(x, [&](const Tensor& c) { return sort_lines(c, d, k, largest, op); });
}

}  // namespace kernels
}  // namespace ember
