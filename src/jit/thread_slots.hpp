// ThreadSlots: a small array of values, one preferred by each thread, each on its own
// cache line. Serving threads that replay the same graph would otherwise meet at one
// mutex (or one reference count) per call, and that cache line's trips between cores
// cost more than the bookkeeping itself: with a slot per thread, the only atomic write
// of a call lands on a line that stays in the calling core's cache.
//
// A thread takes its slot for the length of a call and gives it back after; a second
// thread that maps to the same slot (or the same thread re-entering) finds it taken and
// takes the caller's slower shared path instead.
#pragma once
#include <array>
#include <atomic>
#include <cstddef>

namespace ember {
namespace jit {
namespace internal {

// A small number per thread, given out in the order threads first ask.
inline std::size_t thread_slot_index() {
  static std::atomic<std::size_t> next{0};
  thread_local const std::size_t index = next.fetch_add(1, std::memory_order_relaxed);
  return index;
}

template <class T, std::size_t N = 16>
class ThreadSlots {
  struct alignas(64) Slot {
    std::atomic<bool> busy{false};
    T value{};
  };

 public:
  // This thread's slot, taken while the Taken lives; get() is null when it was taken
  // already.
  class Taken {
   public:
    explicit Taken(ThreadSlots& slots) : slot_(&slots.slots_[thread_slot_index() % N]) {
      if (slot_->busy.load(std::memory_order_relaxed) || slot_->busy.exchange(true, std::memory_order_acquire))
        slot_ = nullptr;
    }
    ~Taken() {
      if (slot_) slot_->busy.store(false, std::memory_order_release);
    }
    Taken(const Taken&) = delete;
    Taken& operator=(const Taken&) = delete;
    T* get() const { return slot_ ? &slot_->value : nullptr; }

   private:
    Slot* slot_;
  };

 private:
  std::array<Slot, N> slots_;
};

}  // namespace internal
}  // namespace jit
}  // namespace ember
