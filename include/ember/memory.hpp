// Memory statistics and control of ember's caching allocator (the CPU counterparts of
// torch.cuda.memory_stats, empty_cache and reset_peak_memory_stats).
//
//   ember::MemoryStats s = ember::memory_stats();
//   std::printf("%zu bytes in tensors, %zu cached\n", s.allocated_bytes, s.cached_bytes);
//   ember::empty_cache();  // give the cached blocks back to the system
//
// Tensor data, tensor handles and autograd records come from size-classed blocks.
// A freed block is kept for reuse: first in a small cache of the thread that frees it,
// then in a pool shared by all threads (so a block freed on another thread is reused
// too), and past the pool's limit it goes back to the system. A big block (1 MiB or
// more) that the pool cannot serve, when the pool holds 64 MiB or more with it, first
// gives the pool's big blocks of other sizes back to the system, so a change of sizes
// (evaluating at another batch size) does not keep the old sizes' blocks beside the
// new ones; a loop of the same sizes reuses its blocks and never gets there. Big blocks are mapped and unmapped directly, so what
// goes back leaves the process's resident memory at once.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "ember/error.hpp"

namespace ember {

// Byte counts are in whole blocks (a request is rounded up to its size class, and a
// tensor's block holds a small header too).
struct MemoryStats {
  std::size_t allocated_bytes = 0;       // held by live tensors and autograd records
  std::size_t cached_bytes = 0;          // freed and kept for reuse (thread caches and shared pool)
  std::size_t reserved_bytes = 0;        // taken from the system: allocated + cached
  std::size_t peak_allocated_bytes = 0;  // since the start or reset_peak_memory_stats (to within 64 KiB a thread)
  std::size_t peak_reserved_bytes = 0;
  std::uint64_t allocations = 0;        // blocks in use now
  std::uint64_t num_system_allocs = 0;  // blocks the system had to provide (malloc), since the start
  std::uint64_t num_system_frees = 0;   // blocks returned to the system (free), since the start
  std::size_t cache_limit = 0;          // the shared pool's bound; see set_cache_limit
};

// A snapshot of the allocator's counters. Taken while other threads allocate, the
// fields are each current but not from one instant.
MemoryStats memory_stats();

// Returns the cached blocks of the shared pool and of the calling thread to the system.
// Other running threads keep their small caches (at most a few MiB each); a thread's
// cache goes to the shared pool when the thread ends.
void empty_cache();

// Restarts the peaks at the present values.
void reset_peak_memory_stats();

// The most bytes the shared pool keeps; a block freed beyond it goes back to the
// system. Default 1 GiB. Lowering it releases the excess at once.
void set_cache_limit(std::size_t bytes);

// Thrown when the system cannot provide memory (torch.OutOfMemoryError). The message
// gives the bytes asked for and, where known, the tensor's dtype and shape and the
// backward step that needed it.
class OutOfMemoryError : public Error {
 public:
  explicit OutOfMemoryError(const std::string& what) : Error(what) {}
};

}  // namespace ember
