// ember's random generator: one per process, seeded by manual_seed, reproducing the
// stream of PyTorch 1.13's CPU generator (a 32-bit Mersenne Twister) and the way its
// CPU kernels turn that stream into values, so the same seed and calls give the same
// numbers in both. Where PyTorch's own bits depend on the machine (its AVX2 kernels fuse
// multiply-adds and use their own float log/sin/cos), the AVX2 variant is reproduced,
// which is what its x86 builds run on any machine with AVX2.
#pragma once
#include <cstdint>
#include <mutex>

#include "ember/tensor.hpp"

namespace ember {
namespace detail {

// The 32-bit Mersenne Twister, its state kept as PyTorch keeps it (the 624 words, the
// draws left before the next twist, the index of the next word) so that state can be
// exchanged with PyTorch's get_rng_state/set_rng_state.
struct Mt19937 {
  static constexpr int kWords = 624;
  uint64_t seed = 0;
  uint32_t state[kWords] = {};
  int32_t left = 1;
  uint64_t next = 0;

  explicit Mt19937(uint64_t s) { reseed(s); }
  // Knuth's initialisation from the low 32 bits of s.
  void reseed(uint64_t s);
  // Inline: the fills call it once per element.
  uint32_t operator()() {
    if (--left <= 0) twist();
    uint32_t y = state[next++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
  }

 private:
  void twist();
};

// The engine and the cached second Box-Muller value of the scalar normal sampler.
struct CpuGenerator {
  Mt19937 engine{67280421310721ull};  // PyTorch's default seed
  bool has_next_double_normal = false;
  double next_double_normal = 0;
  // Kept only to round-trip PyTorch's state layout; no kernel here draws float normals.
  bool has_next_float_normal = false;
  float next_float_normal = 0;

  uint32_t random() { return engine(); }
  // Two draws, the first giving the high 32 bits.
  uint64_t random64() {
    uint64_t hi = random();
    uint64_t lo = random();
    return (hi << 32) | lo;
  }
  // Uniform in [0, 1): float from 24 bits of one draw, double from 53 bits of random64.
  float uniform_float() { return static_cast<float>(random() & ((1u << 24) - 1)) * (1.0f / (1u << 24)); }
  double uniform_double() {
    return static_cast<double>(random64() & ((1ull << 53) - 1)) * (1.0 / static_cast<double>(1ull << 53));
  }
  // One standard normal from the scalar sampler (Box-Muller on two doubles; the sine
  // half is kept for the next call).
  double standard_normal();
};

// The global generator; hold generator_mutex() while drawing from it.
std::mutex& generator_mutex();
CpuGenerator& generator();

void fill_uniform(Tensor& t, double from, double to);
void fill_normal(Tensor& t, double mean, double std);
void fill_randint(Tensor& t, int64_t low, int64_t high);
// Each element becomes 1 with probability p (a double uniform below p), as bernoulli_(p).
void fill_bernoulli(Tensor& t, double p);
// out[i] = uniform of probs' dtype < probs[i] (both contiguous, same floating dtype), as
// torch.bernoulli(probs).
void fill_bernoulli_from(Tensor& out, const Tensor& probs);
}  // namespace detail
}  // namespace ember
