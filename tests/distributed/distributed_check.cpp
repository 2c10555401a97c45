// One rank of a multi-process test of ember::distributed, started by launch.py (Gloo:
// RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT) or by mpirun (MPI).
//   distributed_check <gloo|mpi> <scenario> <timeout_ms> [init_method]
// Each rank fills its tensors from a formula of its rank; the expected results are the
// closed forms of the reductions over ranks of that formula (sums of arithmetic series,
// ratios of factorials, the smallest and largest term), worked out here, not by ember.
// It prints "PASS <scenario> rank <r>" and exits 0 when every check held.
#include <ember/distributed.hpp>
#include <ember/ember.hpp>

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "rank_checks.hpp"

namespace {

void check_all_reduce() {
  const std::vector<Dtype> dtypes = {ember::kFloat32, ember::kFloat64, ember::kFloat16, ember::kBFloat16, ember::kInt8,
                                     ember::kInt16,   ember::kInt32,   ember::kInt64,   ember::kUInt8};
  const std::vector<dist::ReduceOp> ops = {dist::ReduceOp::SUM, dist::ReduceOp::PRODUCT, dist::ReduceOp::MIN,
                                           dist::ReduceOp::MAX, dist::ReduceOp::AVG};
  const int64_t n = 10;
  for (Dtype d : dtypes)
    for (dist::ReduceOp op : ops) {
      if (op == dist::ReduceOp::AVG && !ember::is_floating_point(d)) continue;
      Tensor t = make(fill(g_rank, n), {2, 5}, d);
      dist::all_reduce(t, op);
      std::vector<double> want(n);
      for (int64_t i = 0; i < n; ++i) want[i] = closed_form(op, g_size, i);
      expect_values(t, want, std::string("all_reduce ") + dist::reduce_op_name(op) + " " + ember::dtype_name(d));
    }
  // bool: SUM and MAX are "any", MIN and PRODUCT "all". Rank r's element i is i % (r + 2) == 0.
  for (dist::ReduceOp op : {dist::ReduceOp::SUM, dist::ReduceOp::MAX, dist::ReduceOp::MIN, dist::ReduceOp::PRODUCT}) {
    std::vector<double> mine(12), want(12);
    for (int i = 0; i < 12; ++i) {
      mine[i] = i % (g_rank + 2) == 0;
      bool any = false, all = true;
      for (int r = 0; r < g_size; ++r) {
        any = any || i % (r + 2) == 0;
        all = all && i % (r + 2) == 0;
      }
      want[i] = (op == dist::ReduceOp::SUM || op == dist::ReduceOp::MAX) ? any : all;
    }
    Tensor t = make(mine, {12}, ember::kBool);
    dist::all_reduce(t, op);
    expect_values(t, want, std::string("all_reduce bool ") + dist::reduce_op_name(op));
  }
  // A large one (4 MiB of float32), through the algorithms' segmenting: (r + 1) + i % 7.
  const int64_t big = 1 << 20;
  std::vector<double> b(big), want(big);
  for (int64_t i = 0; i < big; ++i) {
    b[i] = (g_rank + 1) + static_cast<double>(i % 7);
    want[i] = g_size * (g_size + 1) / 2.0 + g_size * static_cast<double>(i % 7);
  }
  Tensor t = make(b, {big}, ember::kFloat32);
  dist::all_reduce(t);
  expect_values(t, want, "all_reduce large float32");
}

void check_async() {
  std::vector<Tensor> ts;
  std::vector<std::shared_ptr<dist::Work>> works;
  for (int j = 0; j < 3; ++j) {
    ts.push_back(make(fill(g_rank, 6), {6}, ember::kFloat64));
    works.push_back(dist::all_reduce(ts.back(), j == 1 ? dist::ReduceOp::MAX : dist::ReduceOp::SUM, true));
  }
  for (int j = 0; j < 3; ++j) {
    CHECK(works[j]->wait(), "async wait");
    CHECK(works[j]->is_completed() && works[j]->is_success(), "async op %d not completed after wait", j);
    std::vector<double> want(6);
    for (int i = 0; i < 6; ++i) want[i] = closed_form(j == 1 ? dist::ReduceOp::MAX : dist::ReduceOp::SUM, g_size, i);
    expect_values(ts[j], want, "async all_reduce");
  }
  auto w = dist::barrier(true);
  w->wait();
  CHECK(w->is_completed(), "async barrier not completed");
  auto sync = dist::all_reduce(make(fill(g_rank, 2), {2}, ember::kFloat32));
  CHECK(sync->is_completed() && sync->is_success(), "a sync call returns a completed Work");
  // The ProcessGroup itself, as LibTorch's c10d calls it.
  dist::ProcessGroup& pg = dist::default_group();
  std::vector<Tensor> one{make(fill(g_rank, 4), {4}, ember::kInt64)};
  dist::AllreduceOptions opts;
  opts.reduceOp = dist::ReduceOp::PRODUCT;
  pg.allreduce(one, opts)->wait();
  std::vector<double> want(4);
  for (int i = 0; i < 4; ++i) want[i] = closed_form(dist::ReduceOp::PRODUCT, g_size, i);
  expect_values(one[0], want, "ProcessGroup::allreduce PRODUCT int64");
  std::vector<Tensor> root{make(fill(g_rank, 3), {3}, ember::kFloat16)};
  dist::BroadcastOptions bopts;
  bopts.rootRank = g_size - 1;
  pg.broadcast(root, bopts)->wait();
  expect_values(root[0], fill(g_size - 1, 3), "ProcessGroup::broadcast");
  CHECK(pg.getBackendName() == dist::get_backend(), "getBackendName");
}

void check_broadcast() {
  for (Dtype d : {ember::kFloat32, ember::kInt64, ember::kBFloat16, ember::kUInt8})
    for (int src = 0; src < g_size; ++src) {
      Tensor t = make(fill(g_rank, 7), {7}, d);
      dist::broadcast(t, src);
      expect_values(t, fill(src, 7), std::string("broadcast from ") + std::to_string(src) + " " + ember::dtype_name(d));
    }
  Tensor flag = make({g_rank == 1 ? 1.0 : 0.0, 1.0, 0.0}, {3}, ember::kBool);
  dist::broadcast(flag, 1);
  expect_values(flag, {1, 1, 0}, "broadcast bool");
}

void check_all_gather() {
  for (Dtype d : {ember::kFloat64, ember::kInt8, ember::kFloat16, ember::kInt32}) {
    std::vector<Tensor> outs;
    for (int r = 0; r < g_size; ++r) outs.push_back(ember::zeros({2, 3}, d));
    dist::all_gather(outs, make(fill(g_rank, 6), {2, 3}, d));
    for (int r = 0; r < g_size; ++r) expect_values(outs[r], fill(r, 6), std::string("all_gather ") + ember::dtype_name(d));
  }
  Tensor flat = ember::zeros({g_size * 4}, ember::kFloat32);
  dist::all_gather_into_tensor(flat, make(fill(g_rank, 4), {4}, ember::kFloat32));
  std::vector<double> want;
  for (int r = 0; r < g_size; ++r)
    for (double x : fill(r, 4)) want.push_back(x);
  expect_values(flat, want, "all_gather_into_tensor");
}

// Rank r's input j, element i: (r + 1) + 10 j + i % 3. Rank `me` receives the reduction
// over r of its input `me`: the closed forms above shifted by 10 me per term.
void check_reduce_scatter() {
  for (Dtype d : {ember::kFloat32, ember::kInt32, ember::kBFloat16, ember::kFloat64, ember::kInt16})
    for (dist::ReduceOp op : {dist::ReduceOp::SUM, dist::ReduceOp::MAX, dist::ReduceOp::MIN, dist::ReduceOp::AVG}) {
      if (op == dist::ReduceOp::AVG && !ember::is_floating_point(d)) continue;
      std::vector<Tensor> ins;
      for (int j = 0; j < g_size; ++j) {
        std::vector<double> x = fill(g_rank, 5);
        for (double& e : x) e += 10 * j;
        ins.push_back(make(x, {5}, d));
      }
      Tensor out = ember::zeros({5}, d);
      dist::reduce_scatter(out, ins, op);
      std::vector<double> want(5);
      for (int i = 0; i < 5; ++i) {
        double shift = 10.0 * g_rank;
        switch (op) {
          case dist::ReduceOp::SUM: want[i] = closed_form(op, g_size, i) + g_size * shift; break;
          default: want[i] = closed_form(op, g_size, i) + shift; break;  // AVG, MIN, MAX shift by one term
        }
      }
      expect_values(out, want, std::string("reduce_scatter ") + dist::reduce_op_name(op) + " " + ember::dtype_name(d));
    }
}

void check_send_recv() {
  int next = (g_rank + 1) % g_size, prev = (g_rank + g_size - 1) % g_size;
  // A ring: everyone posts its sends first, then receives. Two tags, received in the
  // other order than sent.
  auto s7 = dist::isend(make(fill(g_rank, 5), {5}, ember::kFloat32), next, 7);
  std::vector<double> second = fill(g_rank, 3);
  for (double& e : second) e *= -1;
  auto s3 = dist::isend(make(second, {3}, ember::kInt64), next, 3);
  Tensor a = ember::zeros({3}, ember::kInt64), b = ember::zeros({5}, ember::kFloat32);
  dist::recv(a, prev, 3);
  dist::recv(b, prev, 7);
  s7->wait();
  s3->wait();
  std::vector<double> want = fill(prev, 3);
  for (double& e : want) e *= -1;
  expect_values(a, want, "recv tag 3");
  expect_values(b, fill(prev, 5), "recv tag 7");
  // A large message (2 MiB).
  Tensor big_in = ember::zeros({1 << 19}, ember::kFloat32);
  auto sb = dist::isend(make(fill(g_rank, 1 << 19), {1 << 19}, ember::kFloat32), next, 9);
  auto rb = dist::irecv(big_in, prev, 9);
  rb->wait();
  sb->wait();
  CHECK(rb->is_completed(), "irecv completed after wait");
  expect_values(big_in, fill(prev, 1 << 19), "recv large");
}

void check_local_errors() {
  Tensor ints = make(fill(g_rank, 4), {4}, ember::kInt32);
  expect_error([&] { dist::all_reduce(ints, dist::ReduceOp::AVG); }, {"all_reduce", "AVG", "int32"}, "AVG on int32");
  Tensor nc = ember::zeros({3, 4}).t();
  expect_error([&] { dist::all_reduce(nc); }, {"all_reduce", "contiguous"}, "non-contiguous all_reduce");
  std::vector<Tensor> one{ember::zeros({2})};
  expect_error([&] { dist::all_gather(one, ember::zeros({2})); }, {"all_gather", "world size"}, "all_gather outputs");
  expect_error([&] { dist::broadcast(ember::zeros({2}), g_size); }, {"broadcast", "src"}, "broadcast root");
  expect_error([&] { dist::send(ember::zeros({2}), g_rank); }, {"send", "dst"}, "send to self");
  expect_error([&] { dist::init_process_group("gloo"); }, {"init_process_group", "already"}, "second init");
}

int run(const std::string& backend, const std::string& scenario, int timeout_ms, const std::string& init_method) {
  dist::InitOptions o;
  o.timeout = std::chrono::milliseconds(timeout_ms);
  if (!init_method.empty()) o.init_method = init_method;
  if (scenario == "missing_rank") {
    // The last rank never joins: the others' rendezvous gives up within the timeout.
    g_rank = std::atoi(std::getenv("RANK") ? std::getenv("RANK") : "-1");
    if (g_rank == std::atoi(std::getenv("WORLD_SIZE") ? std::getenv("WORLD_SIZE") : "0") - 1) {
      std::printf("PASS %s rank %d (the faulty one)\n", scenario.c_str(), g_rank);
      return 0;
    }
    auto t0 = std::chrono::steady_clock::now();
    expect_error([&] { dist::init_process_group(backend, o); }, {"init_process_group", std::to_string(timeout_ms) + " ms"},
                 "init_process_group without the last rank");
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    CHECK(ms < timeout_ms + 1500, "the error came after %lld ms, timeout %d", static_cast<long long>(ms), timeout_ms);
    CHECK(!dist::is_initialized(), "not initialized after a failed rendezvous");
    if (g_failures == 0) std::printf("PASS %s rank %d\n", scenario.c_str(), g_rank);
    return g_failures == 0 ? 0 : 1;
  }
  dist::init_process_group(backend, o);
  g_rank = dist::get_rank();
  g_size = dist::get_world_size();
  const int last = g_size - 1;
  auto elapsed_ms = [](std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  };
  bool destroy = true;
  if (scenario == "collectives") {
    CHECK(dist::is_initialized(), "is_initialized");
    CHECK(dist::get_backend() == backend, "get_backend %s", dist::get_backend().c_str());
    CHECK(dist::default_group().getSize() == g_size && dist::default_group().getRank() == g_rank, "default_group");
    CHECK(dist::default_group().getTimeout() == std::chrono::milliseconds(timeout_ms), "getTimeout");
    CHECK(dist::InitOptions().timeout == std::chrono::minutes(30), "PyTorch's default timeout is 30 minutes");
    CHECK(dist::is_available(backend) && !dist::is_available("nccl"), "is_available");
    check_all_reduce();
    check_async();
    check_broadcast();
    check_all_gather();
    check_reduce_scatter();
    check_send_recv();
    check_local_errors();
    dist::barrier();
  } else if (scenario == "shape_mismatch" || scenario == "dtype_mismatch") {
    bool shape = scenario == "shape_mismatch";
    Tensor t = g_rank == last ? (shape ? ember::ones({3, 2}) : ember::ones({2, 3}, ember::kFloat64)) : ember::ones({2, 3});
    expect_error([&] { dist::all_reduce(t); }, {"all_reduce", shape ? "shape" : "float64"}, "mismatched all_reduce");
    std::vector<Tensor> outs;
    for (int r = 0; r < g_size; ++r) outs.push_back(ember::zeros_like(t));
    expect_error([&] { dist::all_gather(outs, t); }, {"all_gather", shape ? "shape" : "float64"}, "mismatched all_gather");
    // No payload moved: the group still works.
    Tensor ok = make(fill(g_rank, 4), {4}, ember::kFloat32);
    dist::all_reduce(ok);
    std::vector<double> want(4);
    for (int i = 0; i < 4; ++i) want[i] = closed_form(dist::ReduceOp::SUM, g_size, i);
    expect_values(ok, want, "all_reduce after a mismatch");
    // A recv into the wrong dtype / shape names both.
    // The mismatched payload is taken off the wire, so the next message is intact.
    if (g_rank == 0) {
      dist::send(ember::ones({4}), 1, 5);
      dist::send(make({2, 4, 6, 8}, {4}, ember::kFloat32), 1, 5);
    } else if (g_rank == 1) {
      Tensor into = shape ? ember::zeros({5}) : ember::zeros({4}, ember::kInt32);
      expect_error([&] { dist::recv(into, 0, 5); }, {"recv", shape ? "shape" : "int32"}, "mismatched recv");
      Tensor right = ember::zeros({4});
      dist::recv(right, 0, 5);
      expect_values(right, {2, 4, 6, 8}, "recv after a mismatched recv");
    }
    dist::barrier();
  } else if (scenario == "chunked") {
    // An all_reduce larger than one transfer chunk (the mpi backend splits at
    // EMBER_MPI_ALLREDUCE_CHUNK_BYTES, which the test sets to 4096: 1024 floats), of an
    // odd element count so that the last chunk is a short one, in several dtypes and ops.
    const char* chunk = std::getenv("EMBER_MPI_ALLREDUCE_CHUNK_BYTES");
    if (backend == "mpi")
      CHECK(chunk && std::string(chunk) == "4096", "EMBER_MPI_ALLREDUCE_CHUNK_BYTES is %s", chunk ? chunk : "unset");
    const int64_t n = 10007;
    for (Dtype d : {ember::kFloat32, ember::kFloat64, ember::kInt16, ember::kFloat16})
      for (dist::ReduceOp op : {dist::ReduceOp::SUM, dist::ReduceOp::MAX, dist::ReduceOp::MIN}) {
        Tensor t = make(fill(g_rank, n), {n}, d);
        dist::all_reduce(t, op);
        std::vector<double> want(n);
        for (int64_t i = 0; i < n; ++i) want[i] = closed_form(op, g_size, i);
        expect_values(t, want,
                      std::string("chunked all_reduce ") + dist::reduce_op_name(op) + " " + ember::dtype_name(d));
      }
    Tensor avg = make(fill(g_rank, n), {n, 1}, ember::kFloat64);
    dist::all_reduce(avg, dist::ReduceOp::AVG, true)->wait();  // the queued path
    std::vector<double> want(n);
    for (int64_t i = 0; i < n; ++i) want[i] = closed_form(dist::ReduceOp::AVG, g_size, i);
    expect_values(avg.view({n}), want, "chunked async all_reduce AVG float64");
  } else if (scenario == "mismatch_paths") {
    // A mismatch is found from the headers however the op runs: on the caller's thread (a
    // waited-for op while the group is idle), queued behind another op, or several in a
    // row (each header exchange's receives are posted ahead by the gloo backend, so the
    // exchanges must stay paired after a mismatch). No payload moves: the group works on.
    for (int round = 0; round < 3; ++round) {
      Tensor t = g_rank == last ? ember::ones({2, 4}) : ember::ones({2, 3});
      expect_error([&] { dist::all_reduce(t); }, {"all_reduce", "shape"}, "mismatched all_reduce, waited for");
      Tensor d = g_rank == last ? ember::ones({5}, ember::kInt32) : ember::ones({5});
      Tensor first = make(fill(g_rank, 5), {5}, ember::kFloat32);
      auto w1 = dist::all_reduce(first, dist::ReduceOp::SUM, true);
      auto w2 = dist::all_reduce(d, dist::ReduceOp::SUM, true);  // queued behind w1
      w1->wait();
      expect_error([&] { w2->wait(); }, {"all_reduce", "int32"}, "mismatched all_reduce, queued");
      std::vector<double> want(5);
      for (int i = 0; i < 5; ++i) want[i] = closed_form(dist::ReduceOp::SUM, g_size, i);
      expect_values(first, want, "all_reduce before a queued mismatch");
      Tensor op_differs = make(fill(g_rank, 4), {4}, ember::kFloat32);
      expect_error([&] { dist::all_reduce(op_differs, g_rank == last ? dist::ReduceOp::MAX : dist::ReduceOp::SUM); },
                   {"all_reduce", "reduce op"}, "all_reduce with another reduce op");
      Tensor ok = make(fill(g_rank, 4), {4}, ember::kFloat32);
      dist::all_reduce(ok);
      expect_values(ok, std::vector<double>(want.begin(), want.begin() + 4), "all_reduce after the mismatches");
    }
    dist::barrier();
  } else if (scenario == "exit_early" || scenario == "hang") {
    if (g_rank == last) {
      if (scenario == "hang") std::this_thread::sleep_for(std::chrono::milliseconds(timeout_ms + 1500));
      std::printf("PASS %s rank %d (the faulty one)\n", scenario.c_str(), g_rank);
      std::fflush(stdout);
      ::_exit(0);  // gone without a word to the others
    }
    auto t0 = std::chrono::steady_clock::now();
    Tensor t = ember::ones({16});
    std::vector<std::string> parts = {"all_reduce"};
    if (scenario == "hang") parts.push_back("rank " + std::to_string(last));
    expect_error([&] { dist::all_reduce(t); }, parts, "all_reduce with a lost peer");
    auto ms = elapsed_ms(t0);
    CHECK(ms < timeout_ms + 1500, "the error came after %lld ms, timeout %d", static_cast<long long>(ms), timeout_ms);
    // The group is unusable now, and says so at once.
    expect_error([&] { dist::barrier(); }, {"barrier"}, "barrier after the failure");
    destroy = true;
  } else {
    std::fprintf(stderr, "unknown scenario %s\n", scenario.c_str());
    return 2;
  }
  if (destroy) dist::destroy_process_group();
  CHECK(!dist::is_initialized(), "destroyed");
  if (g_failures == 0) std::printf("PASS %s rank %d\n", scenario.c_str(), g_rank);
  std::fflush(stdout);
  return g_failures == 0 ? 0 : 1;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s <gloo|mpi> <scenario> <timeout_ms> [init_method]\n", argv[0]);
    return 2;
  }
  try {
    return run(argv[1], argv[2], std::atoi(argv[3]), argc > 4 ? argv[4] : "");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rank %d: FAIL: uncaught %s\n", g_rank, e.what());
    return 1;
  }
}
