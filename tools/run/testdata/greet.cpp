// Prints a greeting made by a local header; the tests edit both files.
#include <cstdio>

#include "inc/greeting.hpp"

int main() {
  std::printf("%s\n", greeting());
  return 0;
}
