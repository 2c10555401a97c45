#include "commands.hpp"

#include <cctype>
#include <iostream>
#include <sstream>
#include <vector>

#include "session.hpp"

namespace ember_repl {

std::string help_text() {
  return R"(Type C++ and press Enter. ember is loaded and <ember/ember.hpp> is included.
  auto x = ember::randn({2, 3});   declarations stay for the whole session
  x.sum()                          no semicolon: the value is printed
  x.sum();                         semicolon: nothing is printed
An open (, [ or { continues the input on the next line. An exception or a compile
error is reported and the session goes on; an input that threw is taken back.

Commands:
  .help                  this text
  .L <file>              load a C++ source file, or a shared library (.so)
  .x <file> [args...]    load a C++ source file and run its main(argc, argv)
  .I [dir]               add an include directory (without one: list them)
  .lib <library>         load a shared library (libfoo.so, or foo)
  .undo [n]              take back the last n inputs (default 1)
  .q                     quit (also .quit, exit, quit, or Ctrl-D)
clang-repl's %lib, %undo and %quit work too.
)";
}

namespace {

std::vector<std::string> split(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

bool is_library(const std::string& path) {
  return path.size() > 3 && (path.compare(path.size() - 3, 3, ".so") == 0 || path.find(".so.") != std::string::npos);
}

}  // namespace

CommandResult run_command(Session& session, const std::string& input) {
  std::vector<std::string> words = split(input);
  if (words.empty()) return CommandResult::not_a_command;
  const std::string& cmd = words[0];
  if (cmd == "exit" || cmd == "quit") return words.size() == 1 ? CommandResult::quit : CommandResult::not_a_command;
  // ".5 + x" is C++: a command is a dot or percent sign followed by a letter or '?'.
  if (cmd.size() < 2 || (cmd[0] != '.' && cmd[0] != '%') ||
      !(std::isalpha(static_cast<unsigned char>(cmd[1])) || cmd[1] == '?'))
    return CommandResult::not_a_command;
  std::string name = cmd.substr(1);
  std::vector<std::string> args(words.begin() + 1, words.end());
  auto need_arg = [&](const char* usage) {
    if (!args.empty()) return true;
    std::cerr << "usage: " << usage << std::endl;
    return false;
  };

  if (name == "q" || name == "quit" || name == "exit") return CommandResult::quit;
  if (name == "help" || name == "?" || name == "h") {
    std::cout << help_text();
    return CommandResult::ok;
  }
  if (name == "I") {
    if (args.empty()) {
      for (const std::string& d : session.include_dirs()) std::cout << d << "\n";
      std::cout.flush();
      return CommandResult::ok;
    }
    for (const std::string& d : args) session.add_include_dir(d);
    return CommandResult::ok;
  }
  if (name == "lib") {
    if (!need_arg(".lib <library>")) return CommandResult::failed;
    return session.load_library(args[0]) ? CommandResult::ok : CommandResult::failed;
  }
  if (name == "L") {
    if (!need_arg(".L <file.cpp or library.so>")) return CommandResult::failed;
    if (is_library(args[0])) return session.load_library(args[0]) ? CommandResult::ok : CommandResult::failed;
    return session.run_file(args[0], {}, nullptr) == Outcome::ok ? CommandResult::ok : CommandResult::failed;
  }
  if (name == "x") {
    if (!need_arg(".x <file.cpp> [args...]")) return CommandResult::failed;
    int status = 0;
    if (session.run_file(args[0], args, &status) != Outcome::ok) return CommandResult::failed;
    if (status != 0) std::cout << "(main returned " << status << ")" << std::endl;
    return status == 0 ? CommandResult::ok : CommandResult::failed;
  }
  if (name == "undo") {
    unsigned n = 1;
    if (!args.empty()) {
      try {
        n = static_cast<unsigned>(std::stoul(args[0]));
      } catch (const std::exception&) {
        std::cerr << "usage: .undo [n]" << std::endl;
        return CommandResult::failed;
      }
    }
    unsigned done = session.undo(n);
    if (done < n) std::cerr << "undid " << done << " of " << n << " inputs (no more to take back)" << std::endl;
    return done == n ? CommandResult::ok : CommandResult::failed;
  }
  std::cerr << "unknown command " << cmd << " (type .help)" << std::endl;
  return CommandResult::failed;
}

}  // namespace ember_repl
