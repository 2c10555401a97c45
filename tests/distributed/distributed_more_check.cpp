// One rank of a multi-process test of reduce, gather, scatter, all_to_all,
// all_to_all_single and new_group, started by launch.py as distributed_check is.
//   distributed_more_check <gloo|mpi> <scenario> <timeout_ms>
// Rank r's tensors come from formulas of r; the expected results are the closed forms of
// the reductions over ranks (sums of arithmetic series, ratios of factorials, the smallest
// and largest term) and the formulas of the other ranks, worked out here, not by ember.
#include <ember/distributed.hpp>
#include <ember/ember.hpp>
#include <ember/nn/parallel/distributed.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "rank_checks.hpp"

namespace {
const std::vector<Dtype> kDtypes = {ember::kFloat32, ember::kFloat64, ember::kFloat16, ember::kBFloat16, ember::kInt8,
                                    ember::kInt16,   ember::kInt32,   ember::kInt64,   ember::kUInt8};
std::string name(const char* op, Dtype d) { return std::string(op) + " " + ember::dtype_name(d); }

void check_reduce() {
  const std::vector<dist::ReduceOp> ops = {dist::ReduceOp::SUM, dist::ReduceOp::PRODUCT, dist::ReduceOp::MIN,
                                           dist::ReduceOp::MAX, dist::ReduceOp::AVG};
  for (Dtype d : kDtypes)
    for (dist::ReduceOp op : ops) {
      if (op == dist::ReduceOp::AVG && !ember::is_floating_point(d)) continue;
      int dst = (static_cast<int>(op) + static_cast<int>(d)) % g_size;
      Tensor t = make(fill(g_rank, 6), {2, 3}, d);
      dist::reduce(t, dst, op);
      std::vector<double> want = fill(g_rank, 6);  // the other ranks' tensors are unchanged
      if (g_rank == dst)
        for (int i = 0; i < 6; ++i) want[i] = closed_form(op, g_size, i);
      expect_values(t, want, name("reduce", d) + " " + dist::reduce_op_name(op) + " to " + std::to_string(dst));
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
      want[i] = g_rank != 0 ? mine[i] : (op == dist::ReduceOp::SUM || op == dist::ReduceOp::MAX) ? any : all;
    }
    Tensor t = make(mine, {12}, ember::kBool);
    dist::reduce(t, 0, op);
    expect_values(t, want, std::string("reduce bool ") + dist::reduce_op_name(op));
  }
  // Async, two in flight.
  Tensor a = make(fill(g_rank, 4), {4}, ember::kFloat32), b = make(fill(g_rank, 4), {4}, ember::kInt64);
  auto wa = dist::reduce(a, g_size - 1, dist::ReduceOp::SUM, nullptr, true);
  auto wb = dist::reduce(b, 0, dist::ReduceOp::MAX, nullptr, true);
  wb->wait();
  wa->wait();
  CHECK(wa->is_completed() && wa->is_success(), "async reduce completed");
  std::vector<double> want_a = fill(g_rank, 4), want_b = fill(g_rank, 4);
  for (int i = 0; i < 4; ++i) {
    if (g_rank == g_size - 1) want_a[i] = closed_form(dist::ReduceOp::SUM, g_size, i);
    if (g_rank == 0) want_b[i] = closed_form(dist::ReduceOp::MAX, g_size, i);
  }
  expect_values(a, want_a, "async reduce SUM");
  expect_values(b, want_b, "async reduce MAX");
}

void check_gather_scatter() {
  for (Dtype d : kDtypes) {
    int dst = static_cast<int>(d) % g_size;
    std::vector<Tensor> list;
    if (g_rank == dst)
      for (int r = 0; r < g_size; ++r) list.push_back(ember::zeros({5}, d));
    dist::gather(make(fill(g_rank, 5), {5}, d), list, dst);
    for (int r = 0; r < static_cast<int>(list.size()); ++r) expect_values(list[r], fill(r, 5), name("gather", d));
    // scatter: src's tensor for rank j is fill(src) + 10 j.
    int src = (dst + 1) % g_size;
    std::vector<Tensor> pieces;
    if (g_rank == src)
      for (int j = 0; j < g_size; ++j) pieces.push_back(make(fill(src, 5, 10.0 * j), {5}, d));
    Tensor out = ember::zeros({5}, d);
    dist::scatter(out, pieces, src);
    expect_values(out, fill(src, 5, 10.0 * g_rank), name("scatter", d));
  }
  Tensor flags = make({1.0, static_cast<double>(g_rank % 2), 0.0}, {3}, ember::kBool);
  std::vector<Tensor> got;
  if (g_rank == 0)
    for (int r = 0; r < g_size; ++r) got.push_back(ember::zeros({3}, ember::kBool));
  auto w = dist::gather(flags, got, 0, nullptr, true);
  w->wait();
  for (int r = 0; r < static_cast<int>(got.size()); ++r)
    expect_values(got[r], {1.0, static_cast<double>(r % 2), 0.0}, "gather bool async");
  // The c10d spelling.
  dist::ProcessGroup& pg = dist::default_group();
  std::vector<Tensor> outs{ember::zeros({2}, ember::kInt32)};
  std::vector<std::vector<Tensor>> ins;
  dist::ScatterOptions so;
  so.rootRank = g_size - 1;
  if (g_rank == g_size - 1) {
    ins.emplace_back();
    for (int j = 0; j < g_size; ++j) ins[0].push_back(make({1.0 * j, 2.0 * j}, {2}, ember::kInt32));
  }
  pg.scatter(outs, ins, so)->wait();
  expect_values(outs[0], {1.0 * g_rank, 2.0 * g_rank}, "ProcessGroup::scatter");
}

// Rank r sends rank j (r + j + 1) elements, 10 r + j + 0.5 i for element i (exact in bfloat16).
void check_all_to_all() {
  for (Dtype d : {ember::kFloat32, ember::kFloat64, ember::kInt16, ember::kBFloat16}) {
    std::vector<Tensor> ins, outs;
    for (int j = 0; j < g_size; ++j) {
      std::vector<double> x(g_rank + j + 1);
      for (size_t i = 0; i < x.size(); ++i) x[i] = 10 * g_rank + j + (d == ember::kInt16 ? i : 0.5 * i);
      ins.push_back(make(x, {static_cast<int64_t>(x.size())}, d));
      outs.push_back(ember::zeros({j + g_rank + 1}, d));
    }
    dist::all_to_all(outs, ins);
    for (int j = 0; j < g_size; ++j) {
      std::vector<double> want(j + g_rank + 1);
      for (size_t i = 0; i < want.size(); ++i) want[i] = 10 * j + g_rank + (d == ember::kInt16 ? i : 0.5 * i);
      expect_values(outs[j], want, name("all_to_all", d) + " from " + std::to_string(j));
    }
  }
  // all_to_all_single, equal splits: 2 rows of 3 per rank; row k of rank r holds 100 r + 10 k + column.
  for (Dtype d : {ember::kFloat32, ember::kInt64, ember::kFloat16, ember::kUInt8}) {
    std::vector<double> x;
    for (int k = 0; k < 2 * g_size; ++k)
      for (int c = 0; c < 3; ++c) x.push_back(d == ember::kUInt8 ? 20 * g_rank + 3 * k + c : 100 * g_rank + 10 * k + c);
    Tensor in = make(x, {2 * g_size, 3}, d), out = ember::zeros({2 * g_size, 3}, d);
    dist::all_to_all_single(out, in);
    std::vector<double> want;
    for (int j = 0; j < g_size; ++j)
      for (int k = 2 * g_rank; k < 2 * g_rank + 2; ++k)
        for (int c = 0; c < 3; ++c) want.push_back(d == ember::kUInt8 ? 20 * j + 3 * k + c : 100 * j + 10 * k + c);
    expect_values(out, want, name("all_to_all_single", d));
  }
  // Uneven splits: rank r sends rank j (r + j + 1) rows of 2, 1000 r + 10 j + row + 0.25 column.
  std::vector<int64_t> in_split, out_split;
  std::vector<double> x, want;
  for (int j = 0; j < g_size; ++j) {
    in_split.push_back(g_rank + j + 1);
    out_split.push_back(j + g_rank + 1);
    for (int k = 0; k < g_rank + j + 1; ++k)
      for (int c = 0; c < 2; ++c) {
        x.push_back(1000 * g_rank + 10 * j + k + 0.25 * c);
        want.push_back(1000 * j + 10 * g_rank + k + 0.25 * c);
      }
  }
  int64_t rows_in = static_cast<int64_t>(x.size() / 2), rows_out = static_cast<int64_t>(want.size() / 2);
  Tensor in = make(x, {rows_in, 2}, ember::kFloat64), out = ember::zeros({rows_out, 2}, ember::kFloat64);
  auto w = dist::all_to_all_single(out, in, out_split, in_split, nullptr, true);
  w->wait();
  expect_values(out, want, "all_to_all_single uneven splits async");
}

void check_local_errors() {
  Tensor t = ember::zeros({2, 3});
  expect_error([&] { dist::reduce(t, g_size); }, {"reduce", "dst", std::to_string(g_size)}, "reduce dst");
  expect_error([&] { dist::reduce(ember::zeros({2}, ember::kInt32), 0, dist::ReduceOp::AVG); },
               {"reduce", "AVG", "int32"}, "reduce AVG int");
  std::vector<Tensor> one{ember::zeros({2, 3})};
  if (g_rank != 0) {
    expect_error([&] { dist::gather(t, one, 0); }, {"gather", "gather_list", "empty"}, "gather_list off dst");
  } else {
    expect_error([&] { dist::gather(t, one, 0); }, {"gather", std::to_string(g_size), "got 1"}, "gather_list size");
    std::vector<Tensor> wrong(g_size, ember::zeros({3}));
    expect_error([&] { dist::gather(t, wrong, 0); }, {"gather", "[3]", "[2, 3]"}, "gather_list shape");
    expect_error([&] { dist::scatter(t, one, 0); }, {"scatter", "scatter_list", "got 1"}, "scatter_list size");
  }
  expect_error([&] { dist::all_to_all_single(ember::zeros({g_size}), ember::zeros({g_size}), {}, {1}); },
               {"all_to_all_single", "input_split_sizes", "1 entries"}, "split count");
  std::vector<int64_t> bad(g_size, 1);
  bad[0] = 2;
  expect_error([&] { dist::all_to_all_single(ember::zeros({g_size}), ember::zeros({g_size}), {}, bad); },
               {"all_to_all_single", "add up to", std::to_string(g_size + 1)}, "split sum");
  expect_error([&] { dist::all_to_all_single(ember::zeros({g_size + 1}), ember::zeros({g_size + 1})); },
               {"all_to_all_single", "divide"}, "uneven without splits");
  expect_error([&] { dist::all_to_all_single(ember::zeros({g_size, 2}), ember::zeros({g_size, 3})); },
               {"all_to_all_single", "beyond the first dimension"}, "trailing dims");
  std::vector<Tensor> ins(g_size, ember::zeros({1})), outs(g_size, ember::zeros({1}, ember::kInt32));
  expect_error([&] { dist::all_to_all(outs, ins); }, {"all_to_all", "dtype", "int32"}, "all_to_all dtypes");
}

// The last rank disagrees; every rank throws, no payload moves, the group stays usable.
void check_mismatches() {
  int last = g_size - 1;
  Tensor t = g_rank == last ? ember::ones({3, 2}) : ember::ones({2, 3});
  expect_error([&] { dist::reduce(t, 0); }, {"reduce", "shape"}, "mismatched reduce");
  Tensor f = g_rank == last ? ember::ones({4}, ember::kFloat64) : ember::ones({4});
  std::vector<Tensor> list;
  if (g_rank == 0)
    for (int r = 0; r < g_size; ++r) list.push_back(ember::zeros_like(f));
  expect_error([&] { dist::gather(f, list, 0); }, {"gather", "float64"}, "mismatched gather");
  // Every rank expects one row from each, the last sends two to rank 0.
  std::vector<int64_t> in_split(g_size, 1), out_split(g_size, 1);
  if (g_rank == last) in_split[0] = 2;
  Tensor in = ember::ones({g_rank == last ? g_size + 1 : g_size}), out = ember::zeros({g_size});
  expect_error([&] { dist::all_to_all_single(out, in, out_split, in_split); },
               {"all_to_all_single", "rank " + std::to_string(last) + " sends 2 elements to rank 0, which expects 1"},
               "mismatched splits");
  // A different root is a mismatch too.
  Tensor s = ember::ones({2});
  expect_error([&] { dist::reduce(s, g_rank == last ? 1 : 0); }, {"reduce", "argument"}, "mismatched dst");
  Tensor ok = make(fill(g_rank, 4), {4}, ember::kFloat32);
  dist::reduce(ok, 0);
  std::vector<double> want = fill(g_rank, 4);
  if (g_rank == 0)
    for (int i = 0; i < 4; ++i) want[i] = closed_form(dist::ReduceOp::SUM, g_size, i);
  expect_values(ok, want, "reduce after the mismatches");
}

// A group of the first and the last rank (on 3 ranks rank 1 is outside it), and one of
// every rank but the first.
void check_groups() {
  int last = g_size - 1;
  expect_error([&] { dist::new_group({0, 0}); }, {"new_group", "rank 0 appears twice"}, "duplicate rank");
  expect_error([&] { dist::new_group({0, g_size}); }, {"new_group", "rank " + std::to_string(g_size), "not in"},
               "rank outside the world");
  dist::Group ends = dist::new_group({last, 0});
  dist::Group tail = dist::new_group(last == 1 ? std::vector<int>{1} : std::vector<int>{1, 2});
  bool in_ends = g_rank == 0 || g_rank == last, in_tail = g_rank >= 1;
  CHECK(dist::get_rank(ends) == (g_rank == 0 ? 0 : g_rank == last ? 1 : -1), "get_rank(ends) %d", dist::get_rank(ends));
  CHECK(dist::get_world_size(ends) == (in_ends ? 2 : -1), "get_world_size(ends)");
  CHECK(dist::get_process_group_ranks(ends) == std::vector<int>({0, last}), "get_process_group_ranks");
  CHECK(dist::get_global_rank(ends, 1) == last && dist::get_group_rank(ends, last) == 1, "global and group ranks");
  if (in_ends) {
    // SUM over ranks 0 and last of (r + 1) + k: last + 2 + 2k.
    Tensor t = make(fill(g_rank, 6), {6}, ember::kFloat32);
    dist::all_reduce(t, dist::ReduceOp::SUM, ends);
    std::vector<double> want(6);
    for (int i = 0; i < 6; ++i) want[i] = last + 2 + 2.0 * (i % 3);
    expect_values(t, want, "subgroup all_reduce");
    Tensor m = make(fill(g_rank, 3), {3}, ember::kInt16);
    dist::all_reduce(m, dist::ReduceOp::MIN, ends, true)->wait();
    expect_values(m, fill(0, 3), "subgroup all_reduce MIN async");
    Tensor b = make(fill(g_rank, 4), {4}, ember::kBFloat16);
    dist::broadcast(b, last, ends);
    expect_values(b, fill(last, 4), "subgroup broadcast from global rank last");
    Tensor r = make(fill(g_rank, 3), {3}, ember::kFloat64);
    dist::reduce(r, last, dist::ReduceOp::MAX, ends);
    expect_values(r, g_rank == last ? fill(last, 3) : fill(0, 3), "subgroup reduce MAX");
    std::vector<Tensor> outs{ember::zeros({3}), ember::zeros({3})};
    dist::all_gather(outs, make(fill(g_rank, 3), {3}, ember::kFloat32), ends);
    expect_values(outs[0], fill(0, 3), "subgroup all_gather 0");
    expect_values(outs[1], fill(last, 3), "subgroup all_gather 1");
    std::vector<Tensor> list;
    if (g_rank == 0) list = {ember::zeros({2}, ember::kInt8), ember::zeros({2}, ember::kInt8)};
    dist::gather(make(fill(g_rank, 2), {2}, ember::kInt8), list, 0, ends);
    if (g_rank == 0) {
      expect_values(list[0], fill(0, 2), "subgroup gather 0");
      expect_values(list[1], fill(last, 2), "subgroup gather 1");
    }
    std::vector<Tensor> pieces;
    if (g_rank == last) pieces = {make({7, 8}, {2}, ember::kInt32), make({9, 10}, {2}, ember::kInt32)};
    Tensor got = ember::zeros({2}, ember::kInt32);
    dist::scatter(got, pieces, last, ends);
    expect_values(got, g_rank == 0 ? std::vector<double>{7, 8} : std::vector<double>{9, 10}, "subgroup scatter");
    Tensor in = make({10.0 * g_rank, 10.0 * g_rank + 1}, {2}, ember::kFloat32), out = ember::zeros({2});
    dist::all_to_all_single(out, in, {}, {}, ends);
    expect_values(out, {0.0 + (g_rank == 0 ? 0 : 1), 10.0 * last + (g_rank == 0 ? 0 : 1)}, "subgroup all_to_all_single");
    Tensor rs = ember::zeros({2});
    dist::reduce_scatter(rs, {make(fill(g_rank, 2), {2}, ember::kFloat32), make(fill(g_rank, 2, 5), {2}, ember::kFloat32)},
                         dist::ReduceOp::SUM, ends);
    std::vector<double> want_rs(2);
    for (int i = 0; i < 2; ++i) want_rs[i] = v(0, i) + v(last, i) + (g_rank == 0 ? 0 : 10);
    expect_values(rs, want_rs, "subgroup reduce_scatter");
    // Point to point with global ranks, through the group's tags.
    int peer = g_rank == 0 ? last : 0;
    auto s = dist::isend(make(fill(g_rank, 3), {3}, ember::kFloat32), peer, ends, 4);
    Tensor p = ember::zeros({3});
    dist::recv(p, peer, ends, 4);
    s->wait();
    expect_values(p, fill(peer, 3), "subgroup send and recv");
    dist::barrier(ends);
    // DDP over the subgroup: loss = sum(w . x + b) with x = (r + 1) (1, 2, 3) on global
    // rank r, so dloss/dw = x and the average over ranks 0 and last is (last + 2) / 2 (1, 2, 3).
    ember::manual_seed(10 + g_rank);
    ember::nn::Linear lin(3, 1);
    ember::nn::parallel::DistributedDataParallel::Options ddp_opts;
    ddp_opts.process_group = ends.get();
    ember::nn::parallel::DistributedDataParallel ddp(lin, ddp_opts);
    double k = g_rank + 1.0;
    ddp.forward(ember::tensor(std::vector<double>{k, 2 * k, 3 * k}, {1, 3}).to(ember::kFloat32)).sum().backward();
    double a = (last + 2) / 2.0;
    expect_values(lin->weight.grad(), {a, 2 * a, 3 * a}, "DDP over a subgroup: weight gradient");
    expect_values(lin->bias.grad(), {1.0}, "DDP over a subgroup: bias gradient");
    expect_error([&] { dist::reduce(r, g_size == 3 ? 1 : 5, dist::ReduceOp::SUM, ends); }, {"reduce", "dst", "not in the group"},
                 "dst outside the group");
  } else {
    Tensor t = ember::ones({2});
    expect_error([&] { dist::all_reduce(t, dist::ReduceOp::SUM, ends); },
                 {"all_reduce", "global rank 1 is not a member", "global ranks 0, 2"}, "non-member all_reduce");
    expect_error([&] { dist::barrier(ends); }, {"barrier", "not a member"}, "non-member barrier");
    std::vector<Tensor> ts{t};
    expect_error([&] { ends->allreduce(ts); }, {"all_reduce", "not a member"}, "non-member ProcessGroup::allreduce");
  }
  if (in_tail) {
    // The ranks 1.. of the world; with 2 ranks a group of one.
    Tensor t = make(fill(g_rank, 3), {3}, ember::kInt64);
    dist::all_reduce(t, dist::ReduceOp::SUM, tail);
    std::vector<double> want(3, 0);
    for (int r = 1; r < g_size; ++r)
      for (int i = 0; i < 3; ++i) want[i] += v(r, i);
    expect_values(t, want, "second subgroup all_reduce");
  }
  // The default group still works, between and after.
  Tensor w = make(fill(g_rank, 4), {4}, ember::kFloat32);
  dist::all_reduce(w);
  std::vector<double> want(4);
  for (int i = 0; i < 4; ++i) want[i] = closed_form(dist::ReduceOp::SUM, g_size, i);
  expect_values(w, want, "world all_reduce after the subgroups");
}

int run(const std::string& backend, const std::string& scenario, int timeout_ms) {
  dist::InitOptions o;
  o.timeout = std::chrono::milliseconds(timeout_ms);
  dist::init_process_group(backend, o);
  g_rank = dist::get_rank();
  g_size = dist::get_world_size();
  if (scenario == "collectives") {
    check_reduce();
    check_gather_scatter();
    check_all_to_all();
    check_local_errors();
  } else if (scenario == "mismatch") {
    check_mismatches();
  } else if (scenario == "groups") {
    check_groups();
  } else {
    std::fprintf(stderr, "unknown scenario %s\n", scenario.c_str());
    return 2;
  }
  dist::barrier();
  dist::destroy_process_group();
  if (g_failures == 0) std::printf("PASS %s rank %d\n", scenario.c_str(), g_rank);
  std::fflush(stdout);
  return g_failures == 0 ? 0 : 1;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s <gloo|mpi> <scenario> <timeout_ms>\n", argv[0]);
    return 2;
  }
  try {
    return run(argv[1], argv[2], std::atoi(argv[3]));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rank %d: FAIL: uncaught %s\n", g_rank, e.what());
    return 1;
  }
}
