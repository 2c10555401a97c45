// What session.cpp (setting a session up) and execution.cpp (running inputs) share.
#pragma once

#include <clang/AST/ASTMutationListener.h>
#include <clang/AST/Decl.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

namespace ember_repl {

// An error for the user, on stderr after whatever stdout holds so far.
inline void report(const std::string& text) {
  std::cout.flush();
  std::fprintf(stderr, "%s\n", text.c_str());
  std::fflush(stderr);
}

// The #include lines of the session's prelude for ember: <ember/ember.hpp>'s headers
// except those included on demand (headers_on_demand.cpp).
std::string prelude_headers(const std::vector<std::string>& include_dirs);

// Records the functions each parse uses for the first time. When the parse fails,
// clang drops the template instantiations it had queued for them, yet remembers them as
// begun, and never instantiates them again; and the code generator ignored what was
// instantiated. See Session::parse.
class UsedFunctions : public clang::ASTMutationListener {
 public:
  void DeclarationMarkedUsed(const clang::Decl* d) override {
    if (auto* fd = llvm::dyn_cast<clang::FunctionDecl>(d)) used.push_back(const_cast<clang::FunctionDecl*>(fd));
  }
  std::vector<clang::FunctionDecl*> used;
};

}  // namespace ember_repl
