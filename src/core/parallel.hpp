// Splitting loops across ember's threads (its own pool, see parallel.cpp). The splitter
// itself is public (<ember/threads.hpp>); this adds the grain the kernels use.
#pragma once
#include <cstdint>

#include "ember/threads.hpp"

namespace ember {

// Elements below which a loop runs on one thread.
constexpr int64_t kGrainSize = 32768;

}  // namespace ember
