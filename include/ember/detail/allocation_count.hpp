// A count of the tensor storages the caching allocator has handed out, for tests and
// tools that check a code path allocates nothing (a compiled graph's replay, for one).
// Not part of <ember/ember.hpp>.
#pragma once
#include <cstdint>

namespace ember {
namespace detail {

// Storages made by the allocator since the start, on all threads together (each
// thread counts its own with a relaxed store; this sums them under the allocator's
// thread-list lock). Storages wrapping user memory (from_blob) are not counted.
std::uint64_t storage_allocations();

}  // namespace detail
}  // namespace ember
