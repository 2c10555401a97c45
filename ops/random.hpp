// ember's random generator (one per process, seeded by manual_seed).
#pragma once
#include <cstdint>
#include <random>

#include "ember/tensor.hpp"

namespace ember {
namespace detail {
void fill_uniform(Tensor& t, double from, double to);
void fill_normal(Tensor& t, double mean, double std);
void fill_randint(Tensor& t, int64_t low, int64_t high);
// Runs f(engine) with the generator locked.
std::mt19937_64& generator();
}  // namespace detail
}  // namespace ember
