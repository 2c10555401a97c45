// The porting rule for LibTorch's C++ API tests: the umbrella header is ember's, and `torch` names
// ember. Nothing else is aliased, so every LibTorch name ember lacks stays a compile error.
#pragma once
#include <ember/ember.hpp>
namespace torch = ember;
