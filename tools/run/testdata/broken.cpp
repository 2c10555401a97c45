// Does not compile: the tests look for this file and line in the diagnostic.
#include <cstdio>

int main() {
  std::printf("never\n");
  return not_declared_anywhere;  // the error
}
