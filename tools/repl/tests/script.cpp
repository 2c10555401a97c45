#!/usr/bin/env ember-repl
// Run by the tests as `ember-repl script.cpp args...` and with .x: a C++ file with a
// main, like a program, whose top-level statements run first.
#include <ember/ember.hpp>
#include <iostream>

auto weights = ember::full({3}, 0.5);
std::cout << "top level ran, weights sum " << weights.sum().item<double>() << std::endl;

int main(int argc, char** argv) {
  std::cout << "main got " << argc - 1 << " arguments:";
  for (int i = 1; i < argc; ++i) std::cout << " " << argv[i];
  std::cout << std::endl;
  if (argc > 1 && std::string(argv[1]) == "throw") (void)ember::ones({2}).view({3});
  return argc > 1 && std::string(argv[1]) == "fail" ? 3 : 0;
}
