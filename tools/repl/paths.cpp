#include "paths.hpp"

#include <limits.h>
#include <unistd.h>

#include <fstream>

namespace ember_repl {
namespace {

bool has_ember_header(const std::string& dir) { return std::ifstream(dir + "/ember/ember.hpp").good(); }

std::string program_dir() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  std::string path(buf, static_cast<std::size_t>(n));
  return path.substr(0, path.find_last_of('/'));
}

}  // namespace

Paths find_paths() {
  Paths p;
  p.clang_resource_dir = EMBER_REPL_CLANG_RESOURCE_DIR;
  p.clang_version = EMBER_REPL_CLANG_VERSION;
  std::string installed = program_dir() + "/" + EMBER_REPL_BIN_TO_INCLUDE;
  p.ember_include_dir = has_ember_header(installed) ? installed : EMBER_REPL_SOURCE_INCLUDE_DIR;
  return p;
}

}  // namespace ember_repl
