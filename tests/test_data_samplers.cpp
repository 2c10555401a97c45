// Samplers, transforms, MapDataset, make_data_loader and a DataLoader with several
// workers. Orders that PyTorch also draws (randperm from the global generator) are
// compared with PyTorch 1.13's, printed by /usr/bin/python3 with torch:
//   torch.manual_seed(0); torch.randperm(10)            -> [4, 1, 7, 5, 3, 9, 0, 8, 6, 2]
//   ... and a second torch.randperm(10)                 -> [3, 9, 4, 2, 7, 8, 6, 0, 5, 1]
//   torch.manual_seed(0); s = SubsetRandomSampler([3, 5, 7, 9, 11, 13])
//   list(s), list(s) -> [7, 13, 9, 3, 5, 11], [9, 3, 13, 11, 7, 5]
#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "ember/ember.hpp"
#include "helpers.hpp"

using Catch::Matchers::Contains;
using ember::Tensor;
using testing::error_of;
using testing::values;
namespace data = ember::data;
namespace samplers = ember::data::samplers;
namespace transforms = ember::data::transforms;

namespace {
std::vector<std::size_t> drain(samplers::Sampler& s, std::size_t chunk) {
  std::vector<std::size_t> out;
  while (auto c = s.next(chunk)) {
    REQUIRE(c->size() <= chunk);
    out.insert(out.end(), c->begin(), c->end());
  }
  return out;
}
// Field 0 of every batch, flattened, as the order in which samples arrived.
std::vector<double> arrival(data::DataLoader& loader) {
  std::vector<double> out;
  for (auto& batch : loader) {
    auto v = values(batch[0]);
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}
data::TensorDataset numbers(int64_t n) {
  Tensor x = ember::arange(n, ember::kFloat64);
  return data::TensorDataset({x, x * 10});
}
std::vector<double> as_double(const std::vector<std::size_t>& v) { return std::vector<double>(v.begin(), v.end()); }
}  // namespace

TEST_CASE("SequentialSampler hands out 0 to size - 1 in chunks", "[data][samplers]") {
  samplers::SequentialSampler s(7);
  CHECK(s.next(3) == std::vector<std::size_t>{0, 1, 2});
  CHECK(s.index() == 3);
  CHECK(drain(s, 3) == std::vector<std::size_t>{3, 4, 5, 6});
  CHECK_FALSE(s.next(3).has_value());
  s.reset(4);
  CHECK(drain(s, 10) == std::vector<std::size_t>{0, 1, 2, 3});
  CHECK_THAT(error_of([&] { s.next(0); }), Contains("SequentialSampler") && Contains("at least 1"));
}

TEST_CASE("RandomSampler draws torch.randperm from the global generator", "[data][samplers]") {
  ember::manual_seed(0);
  samplers::RandomSampler s(10);
  CHECK(drain(s, 4) == std::vector<std::size_t>{4, 1, 7, 5, 3, 9, 0, 8, 6, 2});
  s.reset();
  CHECK(drain(s, 4) == std::vector<std::size_t>{3, 9, 4, 2, 7, 8, 6, 0, 5, 1});
  CHECK_THAT(error_of([] { samplers::RandomSampler(-1); }), Contains("RandomSampler") && Contains("-1"));
}

TEST_CASE("SubsetRandomSampler in a DataLoader gives PyTorch's order each epoch", "[data][samplers]") {
  ember::manual_seed(0);
  auto sampler = std::make_shared<samplers::SubsetRandomSampler>(std::vector<std::size_t>{3, 5, 7, 9, 11, 13});
  data::DataLoader loader(numbers(20), data::DataLoaderOptions().batch_size(4).sampler(sampler).num_workers(0));
  CHECK(loader.size() == 2);
  CHECK(arrival(loader) == std::vector<double>{7, 13, 9, 3, 5, 11});
  CHECK(arrival(loader) == std::vector<double>{9, 3, 13, 11, 7, 5});
}

TEST_CASE("WeightedRandomSampler draws in proportion to the weights", "[data][samplers]") {
  ember::manual_seed(1);
  // With replacement: weights 0, 1, 3 -> frequencies 0, 1/4, 3/4. 40000 draws put the
  // observed fraction within 0.015 of 3/4 (about six standard deviations).
  samplers::WeightedRandomSampler with({0, 1, 3}, 40000);
  auto drawn = drain(with, 1000);
  REQUIRE(drawn.size() == 40000);
  std::vector<double> count(3, 0);
  for (std::size_t i : drawn) count[i] += 1;
  CHECK(count[0] == 0);
  CHECK(std::fabs(count[2] / 40000 - 0.75) < 0.015);
  // Without replacement: distinct indices, never a zero weight; the first draw is
  // index 3 with probability 5 / 8.
  samplers::WeightedRandomSampler without({1, 0, 2, 5}, 3, false);
  int first_is_3 = 0;
  const int rounds = 4000;
  for (int r = 0; r < rounds; ++r) {
    without.reset();
    auto d = drain(without, 2);
    REQUIRE(d.size() == 3);
    CHECK((d[0] != d[1] && d[1] != d[2] && d[0] != d[2]));
    CHECK(std::find(d.begin(), d.end(), std::size_t(1)) == d.end());
    first_is_3 += d[0] == 3;
  }
  CHECK(std::fabs(static_cast<double>(first_is_3) / rounds - 0.625) < 0.05);
  CHECK_THAT(error_of([] { samplers::WeightedRandomSampler({1, 0, 2}, 3, false); }),
             Contains("WeightedRandomSampler") && Contains("without replacement") && Contains("2 nonzero"));
  CHECK_THAT(error_of([] { samplers::WeightedRandomSampler({1, -1}, 3); }), Contains("weights[1]"));
  CHECK_THAT(error_of([] { samplers::WeightedRandomSampler({0, 0}, 3); }), Contains("all zero"));
}

TEST_CASE("DataLoader: 0, 1, 2 and 3 workers give the same batches", "[data][samplers][threads]") {
  data::TensorDataset ds = numbers(23);
  std::vector<std::vector<double>> orders;
  for (int64_t workers : {0, 1, 2, 3}) {
    data::DataLoader loader(ds, data::DataLoaderOptions().batch_size(4).shuffle(true).seed(5).num_workers(workers));
    std::vector<double> all;
    for (int epoch = 0; epoch < 3; ++epoch) {
      int64_t batches = 0;
      for (auto& batch : loader) {
        ++batches;
        CHECK(values(batch[1]) == values(batch[0] * 10));
        auto v = values(batch[0]);
        all.insert(all.end(), v.begin(), v.end());
      }
      CHECK(batches == 6);
    }
    orders.push_back(all);
  }
  for (std::size_t i = 1; i < orders.size(); ++i) CHECK(orders[i] == orders[0]);
  // LibTorch's spelling of the option.
  CHECK(data::DataLoaderOptions().workers(3).num_workers() == 3);
}

TEST_CASE("DataLoader: with several workers a failing batch reaches the consumer in order", "[data][samplers][threads]") {
  // Batch 3 of 6 throws; batches 0..2 arrive first, then the error.
  struct Failing : data::Dataset {
    int64_t size() const override { return 12; }
    data::Example get(int64_t i) const override {
      if (i == 6) throw std::runtime_error("sample 6 is broken");
      return {ember::full({}, static_cast<double>(i), ember::kFloat64)};
    }
  };
  data::DataLoader loader(Failing(), data::DataLoaderOptions().batch_size(2).num_workers(3));
  std::vector<double> got;
  std::string message;
  try {
    for (auto& batch : loader) {
      auto v = values(batch[0]);
      got.insert(got.end(), v.begin(), v.end());
    }
  } catch (const std::runtime_error& e) {
    message = e.what();
  }
  CHECK(got == std::vector<double>{0, 1, 2, 3, 4, 5});
  CHECK(message == "sample 6 is broken");
  // The loader starts a fresh epoch afterwards.
  got.clear();
  CHECK_THROWS(arrival(loader));
}

TEST_CASE("DataLoader: sampler errors", "[data][samplers]") {
  auto sampler = std::make_shared<samplers::SequentialSampler>(5);
  CHECK_THAT(error_of([&] {
               data::DataLoader(numbers(5), data::DataLoaderOptions().sampler(sampler).shuffle(true));
             }),
             Contains("sampler option is mutually exclusive with shuffle"));
  // A sampler of indices beyond the dataset.
  auto too_far = std::make_shared<samplers::SubsetRandomSampler>(std::vector<std::size_t>{1, 9});
  data::DataLoader loader(numbers(5), data::DataLoaderOptions().sampler(too_far).num_workers(0));
  CHECK_THAT(error_of([&] { loader.begin(); }), Contains("index 9") && Contains("5 samples"));
  CHECK_THAT(error_of([] { data::DataLoader(numbers(5), data::DataLoaderOptions().num_workers(-1)); }),
             Contains("num_workers") && Contains("-1"));
}

TEST_CASE("transforms: Normalize, Lambda and TensorLambda through MapDataset", "[data][transforms]") {
  // Two samples of shape [2, 1, 2] (channels first); per-channel mean and stddev.
  Tensor x = ember::arange(8, ember::kFloat32).view({2, 2, 1, 2});
  Tensor y = ember::tensor(std::vector<int64_t>{0, 1});
  auto ds = data::map(data::TensorDataset({x, y}), transforms::Normalize({1, 5}, {2, 4}));
  // Sample 0: channel 0 holds 0, 1 -> (v - 1) / 2; channel 1 holds 2, 3 -> (v - 5) / 4.
  data::Example s0 = ds.get(0);
  CHECK(values(s0[0]) == std::vector<double>{-0.5, 0, -0.75, -0.5});
  CHECK(s0[1].item<int64_t>() == 0);
  // The batch path (Normalize is batchable) equals the stacked samples.
  data::Example b = ds.get_batch({1, 0});
  CHECK(testing::same(b[0], ember::stack({ds.get(1)[0], ds.get(0)[0]})));
  // uint8-like data (int64 here) becomes float32, as LibTorch's Normalize returns floats.
  auto ints = data::map(data::TensorDataset({ember::full({3, 1, 1, 1}, 4, ember::kInt64)}), transforms::Normalize({1}, {3}));
  Tensor i0 = ints.get(0)[0];
  CHECK(i0.dtype() == ember::kFloat32);
  CHECK(i0.item<double>() == 1.0);
  CHECK_THAT(error_of([&] { data::map(data::TensorDataset({ember::zeros({2, 3, 4, 4})}), transforms::Normalize({0, 0}, {1, 1})).get(0); }),
             Contains("Normalize") && Contains("2 mean values") && Contains("[3, 4, 4]"));
  CHECK_THAT(error_of([] { transforms::Normalize({0}, {0}); }), Contains("stddev is zero"));

  auto doubled = data::map(data::TensorDataset({x, y}), transforms::TensorLambda([](Tensor t) { return t * 2; }));
  CHECK(values(doubled.get(1)[0]) == std::vector<double>{8, 10, 12, 14});
  CHECK(doubled.get(1)[1].item<int64_t>() == 1);  // the label passes through
  auto swapped = data::map(data::TensorDataset({x, y}), transforms::Lambda([](data::Example e) {
                             return data::Example{e[1], e[0]};
                           }));
  CHECK(swapped.get(1)[0].item<int64_t>() == 1);
  // Not batchable: the batch is the collated samples.
  CHECK(testing::same(doubled.get_batch({0, 1})[0], x * 2));
  // Stack is default_collate, usable as the loader's collate function.
  data::DataLoader loader(ds, data::DataLoaderOptions().batch_size(2).collate(transforms::Stack()));
  for (auto& batch : loader) CHECK(testing::same(batch[0], ds.get_batch({0, 1})[0]));
}

TEST_CASE("make_data_loader: a RandomSampler by default, as LibTorch", "[data][samplers]") {
  ember::manual_seed(0);
  // The sampler draws randperm when made and again when the epoch begins (LibTorch's
  // RandomSampler resets at the start of each epoch), so the first epoch sees
  // PyTorch's second randperm(10) after manual_seed(0).
  auto loader = data::make_data_loader(numbers(10), 3);
  CHECK(loader->size() == 4);
  CHECK(arrival(*loader) == std::vector<double>{3, 9, 4, 2, 7, 8, 6, 0, 5, 1});
  auto sequential = data::make_data_loader<samplers::SequentialSampler>(numbers(5), data::DataLoaderOptions().batch_size(2));
  CHECK(arrival(*sequential) == as_double({0, 1, 2, 3, 4}));
}
