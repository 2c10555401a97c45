// Loaded into a session by the tests with .L.
#include <ember/ember.hpp>

ember::Tensor double_it(const ember::Tensor& t) { return t * 2; }
