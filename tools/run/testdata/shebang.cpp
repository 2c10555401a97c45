#!/usr/bin/env ember-run
// An executable C++ script: chmod +x shebang.cpp; ./shebang.cpp some args
#include <cstdio>

#include "inc/greeting.hpp"

int main(int argc, char** argv) {
  std::printf("%s from a script:", greeting());
  for (int i = 1; i < argc; ++i) std::printf(" %s", argv[i]);
  std::printf("\n");
  return 0;
}
