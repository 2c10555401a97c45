// Chooses the SIMD loops for the CPU at load time: the widest instruction set it has
// among those ember was compiled for.
#include <xsimd/xsimd.hpp>

#include <cstdlib>
#include <cstring>

#include "ember/version.hpp"
#include "ops/functors.hpp"

namespace ember {
namespace kernels {
namespace simd {
void register_sse2();
void register_avx2();
void register_avx512();
}  // namespace simd

namespace {
const char* g_arch = "scalar";
int choose() {
  auto avail = xsimd::available_architectures();
  const char* cap = std::getenv("EMBER_SIMD");
  const bool upto_sse2 = cap && std::strcmp(cap, "sse2") == 0;
  const bool upto_avx2 = upto_sse2 || (cap && std::strcmp(cap, "avx2") == 0);
  simd::register_sse2();
  g_arch = "sse2";
  if (avail.fma3_avx2 && !upto_sse2) {
    simd::register_avx2();
    g_arch = "avx2";
  }
  if (avail.avx512bw && !upto_avx2) {
    simd::register_avx512();
    g_arch = "avx512";
  }
  return 0;
}
const int g_chosen = choose();
}  // namespace

const char* simd_arch_name() { return g_arch; }

}  // namespace kernels

const char* simd_instruction_set() { return kernels::simd_arch_name(); }
}  // namespace ember
