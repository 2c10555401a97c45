// The SIMD loops for avx512 (compiled with the matching flags, see CMakeLists.txt).
#include "ops/simd/loops.inl"

namespace ember {
namespace kernels {
namespace simd {
void register_avx512() { register_all<xsimd::avx512bw>(); }
}  // namespace simd
}  // namespace kernels
}  // namespace ember
