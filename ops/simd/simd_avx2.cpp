// The SIMD loops for avx2 (compiled with the matching flags, see CMakeLists.txt).
#include "ops/simd/loops.inl"

namespace ember {
namespace kernels {
namespace simd {
void register_avx2() { register_all<xsimd::fma3<xsimd::avx2>>(); }
}  // namespace simd
}  // namespace kernels
}  // namespace ember
