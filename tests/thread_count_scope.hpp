// Sets ember's thread count for a test's scope and restores the one before.
#pragma once
#include <ember/threads.hpp>

struct ThreadCountScope {
  int saved = ember::get_num_threads();
  explicit ThreadCountScope(int n) { ember::set_num_threads(n); }
  ~ThreadCountScope() { ember::set_num_threads(saved); }
};
