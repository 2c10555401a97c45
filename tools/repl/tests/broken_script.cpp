#include <ember/ember.hpp>

int main() {
  ember::Tensor t = ember::ones({2});
  return t.no_such_method();
}
