// Where ember-repl finds ember's headers and clang's own headers: next to the program
// when installed (<prefix>/bin/ember-repl, <prefix>/include), else in the source tree
// it was built from.
#pragma once

#include <string>

namespace ember_repl {

struct Paths {
  std::string ember_include_dir;
  std::string clang_resource_dir;
  std::string clang_version;
};

Paths find_paths();

}  // namespace ember_repl
