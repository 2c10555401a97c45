// The caching allocator: memory_stats, empty_cache and the cache limit; blocks freed on
// another thread; out-of-memory errors (in forward, in backward, in a background thread
// and under a real address-space limit); graph nodes freed after backward.
//
// Expected values here are byte counts the test itself arranges (a tensor of a known
// size, a pool limit it sets); none come from elsewhere.
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "autograd/node.hpp"
#include "helpers.hpp"
#include "memory_helpers.hpp"

extern char** environ;

using Catch::Matchers::Contains;
using ember::Tensor;

namespace {

constexpr std::size_t kMiB = std::size_t(1) << 20;

// A float32 tensor of `bytes` bytes.
Tensor tensor_of_bytes(std::size_t bytes) { return ember::empty({static_cast<int64_t>(bytes / 4)}); }

// A dataset whose batches cannot fit in any machine: 2^48 floats (2^50 bytes).
struct HugeBatches : ember::data::Dataset {
  int64_t size() const override { return 4; }
  ember::data::Example get(int64_t) const override { return {ember::empty({int64_t(1) << 48})}; }
};

// A dataset whose batches each need `floats` floats.
struct BigBatches : ember::data::Dataset {
  int64_t floats;
  explicit BigBatches(int64_t n) : floats(n) {}
  int64_t size() const override { return 2; }
  ember::data::Example get(int64_t) const override { return {ember::ones({floats})}; }
};

}  // namespace

TEST_CASE("memory_stats counts a tensor's block while it lives", "[memory]") {
  ember::MemoryStats before = ember::memory_stats();
  Tensor t = tensor_of_bytes(3 * kMiB);
  ember::MemoryStats during = ember::memory_stats();
  // The storage block (data plus header, rounded to its class: at most 25 % more) and
  // the tensor's handle.
  CHECK(during.allocated_bytes >= before.allocated_bytes + 3 * kMiB);
  CHECK(during.allocated_bytes <= before.allocated_bytes + 3 * kMiB * 5 / 4 + 4096);
  CHECK(during.allocations == before.allocations + 2);
  t = Tensor();
  ember::MemoryStats after = ember::memory_stats();
  CHECK(after.allocated_bytes == before.allocated_bytes);
  CHECK(after.allocations == before.allocations);
  // Every block the allocator holds is either in use or cached.
  CHECK(after.reserved_bytes == after.allocated_bytes + after.cached_bytes);
  CHECK(during.reserved_bytes == during.allocated_bytes + during.cached_bytes);
}

TEST_CASE("memory_stats keeps the peak until reset_peak_memory_stats", "[memory]") {
  ember::reset_peak_memory_stats();
  ember::MemoryStats start = ember::memory_stats();
  CHECK(start.peak_allocated_bytes == start.allocated_bytes);
  CHECK(start.peak_reserved_bytes == start.reserved_bytes);
  { Tensor t = tensor_of_bytes(16 * kMiB); }
  ember::MemoryStats after = ember::memory_stats();
  CHECK(after.allocated_bytes == start.allocated_bytes);
  CHECK(after.peak_allocated_bytes >= start.allocated_bytes + 16 * kMiB);
  CHECK(after.peak_reserved_bytes >= after.reserved_bytes);
  ember::reset_peak_memory_stats();
  CHECK(ember::memory_stats().peak_allocated_bytes < start.allocated_bytes + 16 * kMiB);
}

TEST_CASE("empty_cache gives the cached blocks back to the system", "[memory]") {
  { Tensor t = tensor_of_bytes(8 * kMiB); }
  { Tensor small = tensor_of_bytes(512); }
  ember::MemoryStats before = ember::memory_stats();
  ember::empty_cache();
  ember::MemoryStats after = ember::memory_stats();
  CHECK(after.allocated_bytes == before.allocated_bytes);
  // What is left cached sits in other threads' small caches (ember's worker threads).
  CHECK(after.cached_bytes <= static_cast<std::size_t>(ember::get_num_threads()) * 4 * kMiB);
  CHECK(after.reserved_bytes == after.allocated_bytes + after.cached_bytes);
  // Reserved memory fell by exactly what left the caches.
  CHECK(before.reserved_bytes - after.reserved_bytes == before.cached_bytes - after.cached_bytes);
  CHECK(after.cached_bytes < 8 * kMiB);
}

TEST_CASE("set_cache_limit bounds what the shared pool keeps", "[memory]") {
  const std::size_t old_limit = ember::memory_stats().cache_limit;
  CHECK(old_limit == std::size_t(1) << 30);  // the documented default
  ember::set_cache_limit(2 * kMiB);
  {
    std::vector<Tensor> ts;
    for (int i = 0; i < 8; ++i) ts.push_back(tensor_of_bytes(kMiB));
  }  // 8 MiB freed at once: at most 2 MiB of it stays
  ember::MemoryStats s = ember::memory_stats();
  CHECK(s.cache_limit == 2 * kMiB);
  CHECK(s.cached_bytes <= 2 * kMiB + static_cast<std::size_t>(ember::get_num_threads() + 1) * 4 * kMiB);
  CHECK(s.reserved_bytes == s.allocated_bytes + s.cached_bytes);
  ember::set_cache_limit(old_limit);
}

TEST_CASE("blocks freed on another thread are reused", "[memory]") {
  // A producer thread makes small tensors and the main thread frees them, round after
  // round: what the allocator holds must stop growing after the first rounds.
  auto round = [] {
    std::vector<Tensor> made;
    std::thread producer([&made] {
      for (int i = 0; i < 2000; ++i) made.push_back(ember::empty({256 + i % 385}));
    });
    producer.join();
    made.clear();  // freed here, on another thread than the one that made them
  };
  for (int r = 0; r < 3; ++r) round();
  const std::size_t settled = ember::memory_stats().reserved_bytes;
  for (int r = 0; r < 30; ++r) round();
  // 30 rounds of ~5 MiB each would add ~150 MiB if nothing came back.
  CHECK(ember::memory_stats().reserved_bytes <= settled + 8 * kMiB);
}

TEST_CASE("out of memory is an ember::Error naming the bytes, dtype and shape", "[memory]") {
  const std::size_t before = ember::memory_stats().allocated_bytes;
  // 2^48 float32 elements: 2^50 bytes, more than a process can address.
  REQUIRE_THROWS_AS(ember::empty({int64_t(1) << 48}), ember::OutOfMemoryError);
  REQUIRE_THROWS_WITH(ember::empty({int64_t(1) << 48}),
                      Contains("out of memory: could not allocate 1125899906842624 bytes") &&
                          Contains("float32 tensor of shape [281474976710656]"));
  REQUIRE_THROWS_AS(ember::zeros({int64_t(1) << 24, int64_t(1) << 24}, ember::kFloat64), ember::Error);
  REQUIRE_THROWS_WITH(ember::zeros({int64_t(1) << 24, int64_t(1) << 24}, ember::kFloat64),
                      Contains("out of memory") && Contains("float64 tensor of shape [16777216, 16777216]"));
  {
    // An op's output.
    Tensor row = ember::ones({1});
    REQUIRE_THROWS_WITH(row.expand({int64_t(1) << 48}) * 2, Contains("could not allocate 1125899906842624 bytes"));
  }
  CHECK(ember::memory_stats().allocated_bytes == before);
}

TEST_CASE("out of memory in backward names the op and frees the graph", "[memory]") {
  const int64_t nodes = ember::autograd::live_nodes();
  const std::size_t before = ember::memory_stats().allocated_bytes;
  {
    Tensor x = ember::ones({1}, ember::requires_grad());
    // The forward is a view of one element; select's backward pads the gradient out
    // to the full 2^48 elements.
    Tensor y = x.expand({int64_t(1) << 48}).select(0, 3);
    REQUIRE_THROWS_AS(y.backward(), ember::OutOfMemoryError);
    REQUIRE_THROWS_WITH(y.backward(), Contains("out of memory: could not allocate 1125899906842624 bytes") &&
                                          Contains("in the backward of select"));
    CHECK_FALSE(x.grad().defined());
    // The session goes on: a backward that fits still works.
    Tensor z = (x * 3).sum();
    z.backward();
    CHECK(x.grad().item<float>() == 3.0f);
  }
  CHECK(ember::autograd::live_nodes() == nodes);
  CHECK(ember::memory_stats().allocated_bytes == before);
}

TEST_CASE("out of memory in a DataLoader worker reaches the consumer", "[memory]") {
  ember::data::DataLoader loader(HugeBatches(), ember::data::DataLoaderOptions().batch_size(2).num_workers(1));
  std::string message;
  try {
    for (auto& batch : loader) (void)batch;
  } catch (const ember::OutOfMemoryError& e) {
    message = e.what();
  }
  CHECK_THAT(message, Contains("out of memory: could not allocate 1125899906842624 bytes"));
}

// Runs under an address-space limit in a child process (the parent starts it as
// /proc/self/exe with this test's name): here the system allocator itself says no.
TEST_CASE("out of memory child: address-space limit", "[.oom_child]") {
  // ember's worker threads start before the limit: they are not what is tested here.
  CHECK(ember::ones({int64_t(1) << 22}).sum().item<float>() == static_cast<float>(int64_t(1) << 22));
  const double vm = testing::vm_bytes();
  REQUIRE(vm > 0);
  const rlim_t limit = static_cast<rlim_t>(vm) + 512 * kMiB;
  struct rlimit rl = {limit, limit};
  REQUIRE(setrlimit(RLIMIT_AS, &rl) == 0);

  // Tensors of 16 MiB until the system refuses: well before 64 of them (1 GiB).
  std::vector<Tensor> held;
  held.reserve(64);
  std::string first_error;
  try {
    for (int i = 0; i < 64; ++i) held.push_back(ember::empty({int64_t(4) << 20}));
  } catch (const ember::Error& e) {
    first_error = e.what();
  }
  const std::size_t got = held.size();
  held.clear();
  // The freed blocks sit in ember's cache, where only ember can reuse them (it does so
  // by itself when the system says no); threads' stacks and malloc need them released.
  ember::empty_cache();
  CHECK(got > 0);
  CHECK(got < 64);
  CHECK_THAT(first_error, Contains("out of memory: could not allocate 16777216 bytes for a float32 tensor of shape [4194304]"));

  // Backward: the forward is a view; select's backward needs 256 x 4 MiB = 1 GiB.
  Tensor x = ember::ones({int64_t(1) << 20}, ember::requires_grad());
  Tensor y = x.expand({256, int64_t(1) << 20}).select(0, 0).sum();
  std::string backward_error;
  try {
    y.backward();
  } catch (const ember::Error& e) {
    backward_error = e.what();
  }
  CHECK_THAT(backward_error, Contains("out of memory: could not allocate 1073741824 bytes") &&
                                 Contains("in the backward of select"));

  // A background thread: the DataLoader's worker cannot make a 1 GiB batch.
  std::string worker_error;
  try {
    ember::data::DataLoader loader(BigBatches(int64_t(1) << 28), ember::data::DataLoaderOptions().batch_size(1));
    for (auto& batch : loader) (void)batch;
  } catch (const ember::Error& e) {
    worker_error = e.what();
  }
  CHECK_THAT(worker_error, Contains("out of memory: could not allocate 1073741824 bytes"));

  // Afterwards, memory that fits is there again.
  Tensor t = ember::ones({int64_t(16) << 20});  // 64 MiB
  CHECK(t.sum().item<float>() == static_cast<float>(int64_t(16) << 20));
}

TEST_CASE("out of memory under an address-space limit is an ember::Error", "[memory]") {
  // The child runs the case above. Under AddressSanitizer, malloc must return null on
  // failure instead of aborting (allocator_may_return_null=1).
  std::string asan = "ASAN_OPTIONS=";
  if (const char* e = std::getenv("ASAN_OPTIONS")) asan += std::string(e) + ":";
  asan += "allocator_may_return_null=1";
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e)
    if (std::strncmp(*e, "ASAN_OPTIONS=", 13) != 0) env_strings.push_back(*e);
  env_strings.push_back(asan);
  std::vector<char*> envp;
  for (std::string& s : env_strings) envp.push_back(&s[0]);
  envp.push_back(nullptr);
  std::string exe = "/proc/self/exe", name = "out of memory child: address-space limit";
  char* argv[] = {&exe[0], &name[0], nullptr};
  pid_t pid = 0;
  REQUIRE(posix_spawn(&pid, exe.c_str(), nullptr, nullptr, argv, envp.data()) == 0);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));  // not killed: no crash, no abort
  CHECK(WEXITSTATUS(status) == 0);  // and its checks passed
}

TEST_CASE("backward frees every graph node", "[memory]") {
  const int64_t nodes = ember::autograd::live_nodes();
  const std::size_t bytes = ember::memory_stats().allocated_bytes;
  Tensor w = ember::randn({8, 8}, ember::requires_grad());
  Tensor b = ember::randn({8}, ember::requires_grad());
  const std::size_t with_params = ember::memory_stats().allocated_bytes;
  {
    // A recurrence unrolled over many steps: a long chain of nodes.
    Tensor h = ember::zeros({4, 8});
    Tensor x = ember::randn({4, 8});
    for (int t = 0; t < 300; ++t) h = ember::tanh(ember::matmul(h, w) + x + b);
    Tensor loss = h.pow(2).sum();
    CHECK(ember::autograd::live_nodes() > nodes + 300 * 3);
    const std::size_t recorded = ember::memory_stats().allocated_bytes;
    loss.backward();
    // backward drops what the nodes saved even while the graph is still referenced.
    CHECK(ember::memory_stats().allocated_bytes < recorded);
    h = Tensor();
  }  // the last output goes: every node with it
  CHECK(ember::autograd::live_nodes() == nodes);
  // Left: the parameters, their gradients and their accumulators' links.
  CHECK(ember::memory_stats().allocated_bytes > with_params);
  w = Tensor();
  b = Tensor();
  CHECK(ember::memory_stats().allocated_bytes == bytes);
}
