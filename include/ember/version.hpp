#pragma once
#define EMBER_VERSION_MAJOR 0
#define EMBER_VERSION_MINOR 1
#define EMBER_VERSION_PATCH 0
#define EMBER_VERSION "0.1.0"

namespace ember {
// The SIMD instruction set ember's elementwise loops use on this CPU: "avx512",
// "avx2" or "sse2", the widest the CPU has among those ember was compiled for. The
// environment variable EMBER_SIMD (avx2, sse2) caps it at load time, to measure or
// test the narrower loops on a wider CPU.
const char* simd_instruction_set();
// The library float32 matrix products (matmul, linear, convolutions) run on: "onednn"
// when ember was built with oneDNN and the CPU has AVX2 within EMBER_SIMD's cap,
// "openblas" otherwise. float64 products always run on OpenBLAS.
const char* matmul_backend();
}  // namespace ember
