// Setting a session up (compiler, prelude), what it can be given later (include
// directories, libraries), and how it ends. Running inputs is in execution.cpp.
#include "session.hpp"

#include <clang/AST/ASTContext.h>
#include <clang/Frontend/CompilerInstance.h>
#include <clang/Interpreter/Interpreter.h>
#include <clang/Lex/HeaderSearch.h>
#include <clang/Lex/Preprocessor.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/Support/Error.h>
#include <llvm/Support/TargetSelect.h>

#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <stdexcept>

#include "diagnostics.hpp"
#include "session_internals.hpp"

namespace ember_repl {

Session::Session(const SessionOptions& options) {
  static bool targets_ready = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    return true;
  }();
  (void)targets_ready;

  // Owned strings first: the builder keeps only the pointers.
  std::vector<std::string> args = {"-std=c++17"};
  if (!options.resource_dir.empty()) {
    args.push_back("-resource-dir");
    args.push_back(options.resource_dir);
  }
  for (const std::string& dir : options.include_dirs) args.push_back("-I" + dir);
  for (const std::string& a : options.compiler_args) args.push_back(a);
  if (isatty(STDERR_FILENO)) args.push_back("-fcolor-diagnostics");
  // An expression typed to see its value is not an unused result.
  for (const char* w : {"-Wno-unused-value", "-Wno-unused-comparison", "-Wno-unused-result"}) args.push_back(w);
  compiler_args_ = args;
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());

  clang::IncrementalCompilerBuilder builder;
  builder.SetCompilerArgs(argv);
  auto ci = builder.CreateCpp();
  if (!ci) throw std::runtime_error("cannot set up the compiler: " + llvm::toString(ci.takeError()));
  // With constructor aliases on, clang lets a complete-object destructor stand for the
  // base-object one inside an input and never emits it, and a later input that needs
  // it fails to link (std::vector<int64_t>{1, 2} after <ember/ember.hpp>).
  (*ci)->getCodeGenOpts().CXXCtorDtorAliases = false;
  auto interp = clang::Interpreter::create(std::move(*ci));
  if (!interp) throw std::runtime_error("cannot start the interpreter: " + llvm::toString(interp.takeError()));
  interp_ = std::move(*interp);
  diags_ = install_diagnostics(*interp_->getCompilerInstance());
  // What the JIT reports while it looks symbols up is kept for undefined_symbols()
  // instead of printed.
  if (auto jit = interp_->getExecutionEngine())
    jit->getExecutionSession().setErrorReporter(
        [this](llvm::Error err) { jit_errors_ += llvm::toString(std::move(err)) + "\n"; });
  else
    llvm::consumeError(jit.takeError());
  if (!interp_->getASTContext().getASTMutationListener()) {
    used_functions_ = std::make_unique<UsedFunctions>();
    interp_->getASTContext().setASTMutationListener(used_functions_.get());
  }
  include_dirs_ = options.include_dirs;

  // A few standard headers people reach for at a prompt (std::cout first of all).
  const std::string prelude = prelude_headers(include_dirs_) +
      "#include <ember/detail/repl_show.hpp>\n"
      "#include <cmath>\n"
      "#include <iostream>\n"
      "#include <map>\n"
      "#include <memory>\n";
  if (execute(prelude, nullptr) != Outcome::ok)
    throw std::runtime_error("cannot include <ember/ember.hpp> (is the include path right?)");
  // Compiles what printing a tensor needs (the show() instantiation and the code the
  // JIT makes for it) while the prompt waits for the first input, so that the first
  // tensor typed prints without that wait. Nothing is printed and nothing is kept but code.
  diags_->hold();
  (void)execute("{ std::string shown; bool described = false; "
                "::ember::detail::repl::show(::ember::Tensor(), shown, described); }",
                nullptr);
  diags_->take_held();
  input_sizes_.clear();  // the prelude cannot be undone
}

Session::~Session() = default;

void Session::add_include_dir(const std::string& dir) {
  clang::CompilerInstance& ci = *interp_->getCompilerInstance();
  auto entry = ci.getFileManager().getOptionalDirectoryRef(dir);
  if (!entry) {
    report("error: no such directory: " + dir);
    return;
  }
  // Angled, like -I: found by both #include <...> and #include "...".
  ci.getPreprocessor().getHeaderSearchInfo().AddSearchPath(
      clang::DirectoryLookup(*entry, clang::SrcMgr::C_User, /*isFramework=*/false), /*isAngled=*/true);
  include_dirs_.push_back(dir);
}

bool Session::load_library(const std::string& name) {
  // dlopen with RTLD_GLOBAL rather than the interpreter's own loader: the symbols join
  // the process's global scope, where the interpreter looks them up. (Looking them up
  // in the library's own scope would find libstdc++'s uninitialised copy of std::cout
  // instead of the one this program uses.)
  std::vector<std::string> candidates = {name};
  if (name.find('/') == std::string::npos) {
    if (name.find(".so") == std::string::npos) candidates.push_back("lib" + name + ".so");
  }
  std::string last_error;
  for (const std::string& c : candidates) {
    if (dlopen(c.c_str(), RTLD_NOW | RTLD_GLOBAL)) return true;
    const char* e = dlerror();
    last_error = e ? e : "unknown error";
  }
  report("error: cannot load " + name + ": " + last_error);
  return false;
}

void Session::exit(int status) {
  std::cout.flush();
  // Destroying the interpreter runs the destructors of the objects the session made
  // (a std::ofstream flushes its file). But an input that ran and was then undone may
  // have registered a destructor whose code is gone, so after such an undo the
  // interpreter is left alone and the process ends without those destructors.
  if (undid_run_code_)
    (void)interp_.release();
  else
    interp_.reset();
  std::fflush(nullptr);
  std::exit(status);
}

}  // namespace ember_repl
