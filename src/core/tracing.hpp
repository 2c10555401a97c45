// The library's own fast check for an installed tracer (ember/detail/tracing.hpp).
#pragma once
#include "ember/detail/tracing.hpp"

namespace ember {
namespace detail {
// initial-exec: read by every primitive op; see src/core/allocator.cpp for why.
extern __attribute__((tls_model("initial-exec"))) thread_local OpTracer* t_tracer;
inline OpTracer* tracer() { return t_tracer; }
}  // namespace detail
}  // namespace ember
