// Echoes its arguments one per line, and the sum of ember::arange(5) to show that ember
// is linked. --exit N returns N, --signal N raises signal N, --pid prints the process id.
#include <ember/ember.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

int main(int argc, char** argv) {
  std::printf("argv0 [%s]\n", argv[0]);
  std::printf("argc %d\n", argc);
  for (int i = 1; i < argc; ++i) std::printf("arg [%s]\n", argv[i]);
  std::printf("sum %lld\n", static_cast<long long>(ember::arange(5).sum().item<int64_t>()));
  std::fflush(stdout);
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--pid") == 0) std::printf("pid %ld\n", static_cast<long>(getpid()));
    if (i + 1 < argc && std::strcmp(argv[i], "--exit") == 0) return std::atoi(argv[i + 1]);
    if (i + 1 < argc && std::strcmp(argv[i], "--signal") == 0) std::raise(std::atoi(argv[i + 1]));
  }
  return 0;
}
