// Same-dtype copies between layouts that the generic strided loop runs slowly: a
// transpose and short rows (see copy_layout.cpp).
#pragma once
#include <cstdint>

#include "ops/loops.hpp"

namespace ember {
namespace kernels {

// Copies the elements of L (operand 0 the destination, 1 the source, both of
// element_size bytes) when the layout is one of the two this handles and returns true;
// returns false, having done nothing, otherwise.
bool copy_layout(char* dst, const char* src, const Loop<2>& L, int64_t element_size);

}  // namespace kernels
}  // namespace ember
