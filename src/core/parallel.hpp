// Splitting loops across ember's threads (its own pool, see parallel.cpp). Small loops run inline: threads only
// pay above a grain size.
#pragma once
#include <cstdint>

namespace ember {

constexpr int64_t kGrainSize = 32768;

int get_num_threads();
bool in_parallel_region();

namespace detail {
void parallel_run(int64_t begin, int64_t end, int64_t grain, void (*fn)(void*, int64_t, int64_t), void* ctx);
}

// f(begin, end) over chunks of [begin, end); never nests.
template <class F>
void parallel_for(int64_t begin, int64_t end, int64_t grain, F&& f) {
  if (end - begin <= grain || in_parallel_region() || get_num_threads() == 1) {
    if (begin < end) f(begin, end);
    return;
  }
  detail::parallel_run(
      begin, end, grain,
      [](void* ctx, int64_t b, int64_t e) { (*static_cast<F*>(ctx))(b, e); }, static_cast<void*>(&f));
}

}  // namespace ember
