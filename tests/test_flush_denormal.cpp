// set_flush_denormal (torch.set_flush_denormal): subnormal results become zero and
// subnormal inputs count as zero while it is on, on the calling thread and on ember's
// workers running that thread's loops; off again, IEEE arithmetic is back. The expected
// values are IEEE facts (the smallest normal float is 2^-126; 2^-140 is subnormal),
// checked with std::fpclassify.
#include <catch2/catch.hpp>
#include <ember/ember.hpp>

#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>
#include <thread>

namespace {
using ember::Tensor;

// Turns flushing on for the scope and restores IEEE arithmetic after, so that no other
// test runs with it.
struct Flushing {
  bool supported;
  Flushing() : supported(ember::set_flush_denormal(true)) {}
  ~Flushing() { ember::set_flush_denormal(false); }
};

const float kSubnormal = std::ldexp(1.0f, -140);

}  // namespace

TEST_CASE("set_flush_denormal flushes subnormal results and inputs to zero", "[denormal]") {
  REQUIRE(std::fpclassify(kSubnormal) == FP_SUBNORMAL);
  Tensor tiny = ember::full({4}, kSubnormal);
  Tensor small = ember::full({4}, std::ldexp(1.0f, -100));
  {
    Flushing on;
#if defined(__x86_64__) || defined(__aarch64__)
    REQUIRE(on.supported);
#endif
    if (on.supported) {
      // 2^-100 * 2^-40 = 2^-140 is subnormal: flushed to zero.
      CHECK(ember::equal(small * std::ldexp(1.0f, -40), ember::zeros({4})));
      // A subnormal input reads as zero (on x86; aarch64's FZ flushes inputs too).
      CHECK(ember::equal(tiny * 2.0f, ember::zeros({4})));
      CHECK(ember::equal(tiny + tiny, ember::zeros({4})));
    }
  }
  // Off again: gradual underflow.
  CHECK(ember::allclose(small * std::ldexp(1.0f, -40), tiny, 0, 0));
  Tensor doubled = tiny * 2.0f;
  CHECK(doubled[0].item<float>() == std::ldexp(1.0f, -139));
}

// Runs a parallel_for whose pieces each compute 2^-140 * 2 and note whether it came out
// zero and which thread ran it. A piece on the calling thread waits (up to 5 s) until a
// worker has run one, so that the workers take part however busy the machine is.
struct PieceCounts {
  int pieces = 0, flushed = 0, elsewhere = 0;
};
PieceCounts run_pieces() {
  std::mutex mutex;
  PieceCounts counts;
  std::atomic<int> elsewhere{0};
  const std::thread::id caller = std::this_thread::get_id();
  ember::parallel_for(0, 64, 8, [&](int64_t, int64_t) {
    volatile float x = kSubnormal;
    const float twice = x * 2.0f;
    const bool mine = std::this_thread::get_id() == caller;
    {
      std::lock_guard<std::mutex> lock(mutex);
      ++counts.pieces;
      counts.flushed += twice == 0.0f;
      counts.elsewhere += !mine;
    }
    if (!mine) ++elsewhere;
    for (int i = 0; mine && i < 2500 && elsewhere.load() == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
  });
  return counts;
}

TEST_CASE("ember's worker threads run a flushing caller's loop flushed", "[denormal][threads]") {
  const int threads_before = ember::get_num_threads();
  ember::set_num_threads(2);
  run_pieces();  // the pool's workers start here, with subnormals kept
  {
    Flushing on;
    if (on.supported) {
      PieceCounts c = run_pieces();
      CHECK(c.pieces == 8);
      CHECK(c.elsewhere > 0);
      CHECK(c.flushed == c.pieces);
    }
  }
  PieceCounts c = run_pieces();
  CHECK(c.elsewhere > 0);
  CHECK(c.flushed == 0);  // the workers went back to IEEE arithmetic with the caller
  // A tensor op above the loops' grain agrees.
  Tensor twice = ember::full({int64_t(1) << 20}, kSubnormal) * 2.0f;
  CHECK(twice.min().item<float>() == std::ldexp(1.0f, -139));
  ember::set_num_threads(threads_before);
}

TEST_CASE("FlushDenormalGuard sets the mode for its scope and restores the one it found", "[denormal]") {
  Tensor tiny = ember::full({4}, kSubnormal);
  auto flushed_now = [&] { return (tiny * 2.0f)[0].item<float>() == 0.0f; };
  REQUIRE_FALSE(flushed_now());
  {
    ember::FlushDenormalGuard on(true);
    if (ember::set_flush_denormal(true)) {  // supported: the guard's mode holds
      CHECK(flushed_now());
      {
        ember::FlushDenormalGuard off(false);
        CHECK_FALSE(flushed_now());
      }
      CHECK(flushed_now());  // the outer guard's mode is back
    }
  }
  CHECK_FALSE(flushed_now());  // and IEEE arithmetic after the outer one
  // A guard inside a flushing thread's scope restores flushing, not IEEE.
  {
    Flushing on;
    if (on.supported) {
      { ember::FlushDenormalGuard off(false); }
      CHECK(flushed_now());
    }
  }
  CHECK_FALSE(flushed_now());
}
