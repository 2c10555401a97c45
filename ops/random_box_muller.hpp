// Box-Muller on a block of 16 float uniforms as PyTorch 1.13's AVX2 CPU kernel computes
// it (the kernel its x86 builds select on any machine with AVX2): a Cephes-style
// logarithm and sine/cosine in float, with the multiply-adds its compiler fuses.
#pragma once

namespace ember {
namespace detail {
// data[0..16) holds uniforms in [0, 1); becomes normals: data[j] from the cosine and
// data[j + 8] from the sine of the pair (data[j], data[j + 8]).
void box_muller_16_float(float* data, float mean, float std);
// The scalar loop, which the AVX2 one (chosen by box_muller_16_float where the CPU has
// AVX2 and FMA) must match bit for bit; exposed for that test.
void box_muller_16_float_scalar(float* data, float mean, float std);
}  // namespace detail
}  // namespace ember
