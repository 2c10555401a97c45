// The SIMD loops for sse2 (compiled with the matching flags, see CMakeLists.txt).
#include "ops/simd/loops.inl"

namespace ember {
namespace kernels {
namespace simd {
void register_sse2() { register_all<xsimd::sse2>(); }
}  // namespace simd
}  // namespace kernels
}  // namespace ember
