// ember-repl: an interactive C++ prompt with ember loaded.
//
//   ember-repl                      interactive session
//   ember-repl < session.txt        run a session from a file or pipe
//   ember-repl script.cpp [args]    run a C++ file (and its main, if it has one)
//
// The exit status is non-zero when anything failed (except in an interactive session,
// where errors are part of the conversation).
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <ember/version.hpp>
#include <utility>  // llvm/Support/thread.h uses std::exchange without including it
#include <llvm/Support/thread.h>

#include "commands.hpp"
#include "input.hpp"
#include "paths.hpp"
#include "session.hpp"

namespace {

const char* const kUsage = R"(usage: ember-repl [options] [file.cpp [args...]]

Without a file, reads C++ from the terminal (or from standard input when it is not a
terminal) with ember loaded. With a file, runs it and then its main(argc, argv) if it
defines one. Type .help in a session for the prompt's commands.

options:
  -I <dir>      add an include directory
  -D <name[=value]>, -O<level>, -std=<standard>
                passed to the compiler (default -std=c++17, no optimisation)
  -l <library>  load a shared library (libfoo.so, or foo)
  --echo        print the prompt and each input read from a pipe (for transcripts)
  -q, --quiet   no banner
  --version     print the version
  -h, --help    this text
)";

struct Options {
  ember_repl::SessionOptions session;
  std::vector<std::string> libraries;
  std::string file;
  std::vector<std::string> file_args;
  bool echo = false;
  bool quiet = false;
};

[[noreturn]] void usage_error(const std::string& message) {
  std::cerr << "ember-repl: " << message << "\n(ember-repl --help for usage)" << std::endl;
  std::exit(2);
}

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char* flag) -> std::string {
      if (a.size() > std::strlen(flag)) return a.substr(std::strlen(flag));
      if (i + 1 >= argc) usage_error(std::string(flag) + " needs a value");
      return argv[++i];
    };
    if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      std::exit(0);
    } else if (a == "--version") {
      std::cout << "ember-repl " EMBER_VERSION << std::endl;
      std::exit(0);
    } else if (a.rfind("-I", 0) == 0) {
      o.session.include_dirs.push_back(value("-I"));
    } else if (a.rfind("-D", 0) == 0) {
      o.session.compiler_args.push_back("-D" + value("-D"));
    } else if (a.rfind("-O", 0) == 0 || a.rfind("-std=", 0) == 0) {
      o.session.compiler_args.push_back(a);
    } else if (a.rfind("-l", 0) == 0) {
      o.libraries.push_back(value("-l"));
    } else if (a == "--echo") {
      o.echo = true;
    } else if (a == "-q" || a == "--quiet") {
      o.quiet = true;
    } else if (a == "--") {
      if (i + 1 < argc) o.file = argv[++i];
      for (++i; i < argc; ++i) o.file_args.push_back(argv[i]);
    } else if (!a.empty() && a[0] == '-') {
      usage_error("unknown option " + a);
    } else {
      o.file = a;
      for (++i; i < argc; ++i) o.file_args.push_back(argv[i]);
    }
  }
  return o;
}

// Sets the session up on a thread of its own, so that the prompt is ready for typing
// while clang parses ember's headers (most of the start-up time). Whatever needs the
// session (the first input, tab completion, a file to run) waits for it with get().
class SessionStart {
 public:
  explicit SessionStart(const ember_repl::SessionOptions& options)
      // clang recurses deeply while instantiating templates: the main thread's stack
      // size, not a smaller default.
      : thread_(std::optional<unsigned>(kStackBytes), [this, options] {
          try {
            session_ = std::make_unique<ember_repl::Session>(options);
            // Until the first input comes, the headers the session would otherwise
            // include when an input names them (headers_on_demand.cpp).
            while (!wanted_.load() && session_->include_next_on_demand_header()) {
            }
          } catch (const std::exception& e) {
            error_ = e.what();
          }
        }) {}
  ~SessionStart() {
    if (thread_.joinable()) thread_.join();
  }

  // The session, once ready; ends the process when it could not be set up.
  ember_repl::Session& get() {
    wanted_.store(true);
    if (thread_.joinable()) thread_.join();
    if (!session_) {
      std::cerr << "ember-repl: " << error_ << std::endl;
      std::exit(1);
    }
    return *session_;
  }

 private:
  static constexpr unsigned kStackBytes = 8u << 20;
  std::unique_ptr<ember_repl::Session> session_;
  std::string error_;
  std::atomic<bool> wanted_{false};
  llvm::thread thread_;  // last: starts once the members it writes exist
};

}  // namespace

int main(int argc, char** argv) {
  Options options = parse_options(argc, argv);
  ember_repl::Paths paths = ember_repl::find_paths();
  options.session.resource_dir = paths.clang_resource_dir;
  options.session.include_dirs.push_back(paths.ember_include_dir);

  bool interactive = options.file.empty() && isatty(STDIN_FILENO);
  if (interactive && !options.quiet)
    std::cout << "ember " EMBER_VERSION " interactive C++ (clang " << paths.clang_version
              << "). Type .help for help, .q to quit." << std::endl;

  SessionStart start(options.session);
  bool failed = false;
  // Libraries named with -l are loaded once the session is ready (they may refer to
  // what the prelude declares).
  bool libraries_loaded = false;
  auto session = [&]() -> ember_repl::Session& {
    ember_repl::Session& s = start.get();
    if (!libraries_loaded) {
      libraries_loaded = true;
      for (const std::string& lib : options.libraries) failed |= !s.load_library(lib);
    }
    return s;
  };

  if (!options.file.empty()) {
    ember_repl::Session& s = session();
    if (failed) s.exit(1);
    std::vector<std::string> args = {options.file};
    args.insert(args.end(), options.file_args.begin(), options.file_args.end());
    int status = 0;
    ember_repl::Outcome outcome = s.run_file(options.file, args, &status);
    s.exit(outcome == ember_repl::Outcome::ok ? status : 1);
  }

  std::string history;
  if (const char* home = std::getenv("HOME")) history = std::string(home) + "/.ember_repl_history";
  ember_repl::LineReader reader(interactive, options.echo, interactive ? history : "");
  reader.set_completer([&](const std::string& buffer, std::size_t pos) { return session().complete(buffer, pos); });
  while (auto input = reader.read_input()) {
    reader.begin_running();
    ember_repl::Session& s = session();
    ember_repl::CommandResult command = ember_repl::run_command(s, *input);
    if (command == ember_repl::CommandResult::not_a_command && s.run(*input) != ember_repl::Outcome::ok)
      failed = true;
    reader.end_running();
    if (command == ember_repl::CommandResult::quit) break;
    if (command == ember_repl::CommandResult::failed) failed = true;
  }
  if (interactive) std::cout << std::endl;
  session().exit(failed && !interactive ? 1 : 0);
}
