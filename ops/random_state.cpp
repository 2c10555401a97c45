// Saving and restoring ember's generator in PyTorch's layout: the 5056 bytes that
// torch.get_rng_state() returns on a 64-bit little-endian machine (PyTorch 1.13's
// CPUGeneratorImplState: the legacy generator record, then the cached float normal).
// ember has no uint8 dtype, so the bytes travel as an int64 tensor of values 0..255.
#include <cstring>
#include <mutex>
#include <vector>

#include "ember/creation.hpp"
#include "ops/elementwise.hpp"
#include "ops/random.hpp"
#include "src/core/check.hpp"

namespace ember {
namespace {
constexpr std::size_t kStateBytes = 5056;
// Byte offsets of the fields.
constexpr std::size_t kSeed = 0, kLeft = 8, kSeeded = 12, kNext = 16, kWords = 24;
constexpr std::size_t kNormalY = 5024, kNormalValid = 5040, kFloatNormal = 5048, kFloatValid = 5052;

template <class T>
void put(std::vector<unsigned char>& b, std::size_t at, T v) {
  std::memcpy(b.data() + at, &v, sizeof v);
}
template <class T>
T take(const std::vector<unsigned char>& b, std::size_t at) {
  T v;
  std::memcpy(&v, b.data() + at, sizeof v);
  return v;
}
}  // namespace

Tensor get_rng_state() {
  std::vector<unsigned char> b(kStateBytes, 0);
  {
    std::lock_guard<std::mutex> lock(detail::generator_mutex());
    const detail::CpuGenerator& g = detail::generator();
    put<uint64_t>(b, kSeed, g.engine.seed);
    put<int32_t>(b, kLeft, g.engine.left);
    put<int32_t>(b, kSeeded, 1);
    put<uint64_t>(b, kNext, g.engine.next);
    for (int i = 0; i < detail::Mt19937::kWords; ++i) put<uint64_t>(b, kWords + 8 * i, g.engine.state[i]);
    put<double>(b, kNormalY, g.has_next_double_normal ? g.next_double_normal : 0.0);
    put<int32_t>(b, kNormalValid, g.has_next_double_normal ? 1 : 0);
    put<float>(b, kFloatNormal, g.has_next_float_normal ? g.next_float_normal : 0.0f);
    put<bool>(b, kFloatValid, g.has_next_float_normal);
  }
  std::vector<int64_t> values(b.begin(), b.end());
  return tensor(values, {static_cast<int64_t>(kStateBytes)}, kInt64);
}

void set_rng_state(const Tensor& state) {
  EMBER_CHECK(state.defined() && state.dtype() == Dtype::Int64 && state.dim() == 1 &&
                  state.numel() == static_cast<int64_t>(kStateBytes),
              "set_rng_state: expected an int64 tensor of {} byte values (as get_rng_state returns), got {} of shape {}",
              kStateBytes, state.defined() ? state.dtype() : Dtype::Int64, state.defined() ? state.sizes() : IntArrayRef{});
  std::vector<int64_t> values = kernels::contiguous_as(state, Dtype::Int64).tolist<int64_t>();
  std::vector<unsigned char> b(kStateBytes);
  for (std::size_t i = 0; i < kStateBytes; ++i) {
    EMBER_CHECK(values[i] >= 0 && values[i] <= 255, "set_rng_state: element {} is {}, not a byte value", i, values[i]);
    b[i] = static_cast<unsigned char>(values[i]);
  }
  const int32_t left = take<int32_t>(b, kLeft);
  const uint64_t next = take<uint64_t>(b, kNext);
  EMBER_CHECK(left >= 1 && left <= detail::Mt19937::kWords && next <= static_cast<uint64_t>(detail::Mt19937::kWords) &&
                  (left == 1 || next + static_cast<uint64_t>(left) <= static_cast<uint64_t>(detail::Mt19937::kWords) + 1),
              "set_rng_state: invalid generator position (left {}, next {})", left, next);
  std::lock_guard<std::mutex> lock(detail::generator_mutex());
  detail::CpuGenerator& g = detail::generator();
  g.engine.seed = take<uint64_t>(b, kSeed);
  g.engine.left = left;
  g.engine.next = next;
  for (int i = 0; i < detail::Mt19937::kWords; ++i)
    g.engine.state[i] = static_cast<uint32_t>(take<uint64_t>(b, kWords + 8 * i));
  g.has_next_double_normal = take<int32_t>(b, kNormalValid) != 0;
  g.next_double_normal = take<double>(b, kNormalY);
  g.has_next_float_normal = take<unsigned char>(b, kFloatValid) != 0;
  g.next_float_normal = take<float>(b, kFloatNormal);
}

uint64_t initial_seed() {
  std::lock_guard<std::mutex> lock(detail::generator_mutex());
  return detail::generator().engine.seed;
}

}  // namespace ember
