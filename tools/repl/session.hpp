// One interpreter session: clang's incremental compiler with ember loaded, plus what a
// prompt needs on top of it (surviving exceptions, printing values, undo).
// Implemented in session.cpp (set-up, include directories, libraries, exit),
// execution.cpp (running inputs, undo), missing_definitions.cpp (what an input calls
// that does not exist yet), value_printing.cpp and completion.cpp.
#pragma once

#include <memory>
#include <utility>
#include <string>
#include <vector>

namespace clang {
class Interpreter;
class Value;
class FunctionDecl;
struct PartialTranslationUnit;
}  // namespace clang
namespace llvm {
class Module;
}

namespace ember_repl {

class DiagnosticsControl;
class UsedFunctions;

struct SessionOptions {
  std::string resource_dir;                // clang's own headers (stddef.h, ...)
  std::vector<std::string> include_dirs;   // -I, in order
  std::vector<std::string> compiler_args;  // anything else for clang: -D, -O, -std
};

enum class Outcome {
  ok,
  compile_error,  // did not compile or link; nothing ran, nothing was kept
  exception,      // ran and threw; the input was undone
};

class Session {
 public:
  // Throws std::runtime_error when the compiler cannot be set up.
  explicit Session(const SessionOptions& options);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Compiles and runs one input. An expression without a trailing semicolon prints its
  // value to stdout. Errors are reported on stderr.
  Outcome run(const std::string& code);

  // Runs the file's text as one input; if it defines `int main(int, char**)` (or
  // `int main()`), calls it with `args` and stores its result in *main_status.
  Outcome run_file(const std::string& path, const std::vector<std::string>& args, int* main_status);

  // Tab completion: the ways to continue `buffer` at `pos` (what to insert, what to
  // show), from clang's code completion against everything declared so far.
  std::vector<std::pair<std::string, std::string>> complete(const std::string& buffer, std::size_t pos);

  // Includes the next of the headers the session otherwise includes when an input first
  // names them (headers_on_demand.cpp); false when all are included.
  bool include_next_on_demand_header();

  void add_include_dir(const std::string& dir);
  const std::vector<std::string>& include_dirs() const { return include_dirs_; }
  // Loads a shared library with its symbols visible to later inputs. Reports and
  // returns false on failure.
  bool load_library(const std::string& name);
  // Forgets the last n inputs (declarations and all). Returns how many were undone.
  unsigned undo(unsigned n);

  // Ends the process, running the destructors of objects the session made when that
  // is safe (see the comment in the implementation).
  [[noreturn]] void exit(int status);

 private:
  // Compiles and runs code; the value of a last expression without a semicolon goes
  // to *value when value is given.
  Outcome execute(const std::string& code, clang::Value* value);
  bool parse(const std::string& code, clang::PartialTranslationUnit** ptu);
  // Checks and runs a parsed input's code; on failure the input is taken back.
  Outcome run_module(clang::PartialTranslationUnit& ptu, clang::Value* value);
  void take_back(unsigned n);  // undo the last n compiler inputs
  void take_last_value(clang::Value* value);
  struct Missing {
    std::string name;      // as the linker knows it
    std::string readable;  // as the user wrote it
  };
  // What the module's code calls that the JIT cannot find.
  std::vector<Missing> undefined_symbols(const llvm::Module& module);
  // Emits, in an input of its own that it runs, the missing functions the session can
  // define; returns how many inputs it made (0 or 1).
  unsigned emit_missing_definitions(clang::PartialTranslationUnit& ptu, const std::vector<Missing>& missing);
  // The text of a void expression that ends the input without a semicolon, which
  // clang would drop; empty when the input does not end with one.
  std::string void_statement_text(clang::PartialTranslationUnit& ptu);
  // Names that continue `a::b::pre` or `var.pre`/`var->pre` at the end of text.
  std::vector<std::string> scoped_completions(const std::string& text, std::string* prefix);
  void print_value(clang::Value& value);
  // Includes the on-demand headers that code names and the session lacks.
  void include_headers_named_by(const std::string& code);
  void include_on_demand(const std::string& header);
  bool included_on_demand(const std::string& header) const;
  bool call_main(const std::vector<std::string>& args, int* status);

  std::unique_ptr<clang::Interpreter> interp_;
  std::vector<std::string> compiler_args_;  // as given to clang, for completion
  DiagnosticsControl* diags_ = nullptr;
  std::vector<std::string> include_dirs_;
  // For each user input still in the session, how many compiler inputs it made (its
  // own, plus one per printed value), so that undo takes back whole user inputs.
  std::vector<unsigned> input_sizes_;
  std::size_t compiler_inputs_ = 0;  // made since the session started
  std::vector<std::string> headers_included_;  // on demand, in order
  std::vector<std::string> idle_queue_;        // what include_next_on_demand_header includes next
  bool idle_queue_built_ = false;
  std::string undo_stops_at_;  // the on-demand header whose inclusion ended undo's reach
  bool undid_run_code_ = false;  // an input that ran (and threw) was undone
  std::unique_ptr<UsedFunctions> used_functions_;
  // Functions defined while parsing inputs that then failed to compile, which the code
  // generator therefore never saw.
  std::vector<clang::FunctionDecl*> failed_parse_functions_;
  std::string jit_errors_;  // reported by the JIT during the last lookup
};

}  // namespace ember_repl
