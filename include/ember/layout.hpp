// Tensor layouts, as LibTorch names them. ember's tensors are all strided (dense);
// kSparse exists so that code asking about it compiles, and asking ember to make a
// sparse tensor is an ember::Error.
#pragma once
#include <cstdint>
#include <iosfwd>

namespace ember {

enum class Layout : int8_t { Strided = 0, Sparse = 1 };
constexpr Layout kStrided = Layout::Strided;
constexpr Layout kSparse = Layout::Sparse;

// "Strided" / "Sparse", as LibTorch prints them.
std::ostream& operator<<(std::ostream& os, Layout layout);

}  // namespace ember
