#include "commands.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <fstream>
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
  .graph <expr> [f.svg]  draw the backward graph of a tensor expression with Graphviz
                         (to ember-graph-<n>.svg, or f.svg; f.dot writes the DOT text)
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

bool ends_with(const std::string& text, const std::string& end) {
  return text.size() > end.size() && text.compare(text.size() - end.size(), end.size(), end) == 0;
}

std::string trim(const std::string& text) {
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t\r\n") + 1 - first);
}

// ember-graph-1.svg, ember-graph-2.svg, ...: the first name not taken in the current
// directory, so that earlier pictures are kept.
std::string next_graph_name() {
  static int n = 0;
  std::string name;
  do name = "ember-graph-" + std::to_string(++n) + ".svg";
  while (::access(name.c_str(), F_OK) == 0);
  return name;
}

std::string cpp_string_literal(const std::string& text) {
  std::string out = "\"";
  for (char c : text) out += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
  return out + "\"";
}

// Runs Graphviz's dot; false with *missing set when there is no dot on the PATH.
bool run_dot(const std::string& dot_file, const std::string& svg_file, bool* missing) {
  std::vector<std::string> words = {"dot", "-Tsvg", dot_file, "-o", svg_file};
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = ::posix_spawnp(&pid, "dot", nullptr, nullptr, argv.data(), environ);
  *missing = spawned == ENOENT;
  if (spawned != 0) return false;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// .graph <expr> [file.svg | file.dot]: the expression is compiled as an input that
// writes autograd::to_dot of its value, and Graphviz draws that. The input stays in the
// session like any other (.undo takes it back).
CommandResult draw_graph(Session& session, const std::string& text) {
  std::string expr = trim(text);
  std::string path;
  const std::size_t space = expr.find_last_of(" \t");
  if (space != std::string::npos) {
    const std::string last = expr.substr(space + 1);
    if (ends_with(last, ".svg") || ends_with(last, ".dot")) {
      path = last;
      expr = trim(expr.substr(0, space));
    }
  }
  while (!expr.empty() && expr.back() == ';') expr = trim(expr.substr(0, expr.size() - 1));
  if (expr.empty()) {
    std::cerr << "usage: .graph <tensor expression> [file.svg]" << std::endl;
    return CommandResult::failed;
  }
  if (path.empty()) path = next_graph_name();
  const bool want_svg = ends_with(path, ".svg");
  const std::string dot_file = want_svg ? path.substr(0, path.size() - 4) + ".dot" : path;
  std::remove(dot_file.c_str());
  // The expression goes inside a function of its own: clang 19 crashes mangling a
  // lambda in a top-level statement once an earlier input has called to_dot.
  static int inputs = 0;
  const std::string function = "ember_repl_graph_" + std::to_string(++inputs);
  const std::string code = "#include <fstream>\nstatic void " + function + "() { std::ofstream(" +
                           cpp_string_literal(dot_file) + ") << ::ember::autograd::to_dot((" + expr + ")); }\n" +
                           function + "();";
  if (session.run(code) != Outcome::ok) {
    std::remove(dot_file.c_str());  // opened before the expression threw
    return CommandResult::failed;
  }
  std::ifstream written(dot_file);
  if (!written || written.peek() == std::ifstream::traits_type::eof()) {
    std::cerr << "error: could not write " << dot_file << std::endl;
    return CommandResult::failed;
  }
  written.close();
  if (!want_svg) {
    std::cout << "wrote " << dot_file << std::endl;
    return CommandResult::ok;
  }
  bool missing = false;
  if (run_dot(dot_file, path, &missing)) {
    std::remove(dot_file.c_str());
    std::cout << "wrote " << path << std::endl;
    return CommandResult::ok;
  }
  if (missing) {
    std::cout << "wrote " << dot_file << " (Graphviz's dot was not found; draw it with: dot -Tsvg " << dot_file
              << " -o " << path << ")" << std::endl;
    return CommandResult::ok;
  }
  std::cerr << "error: dot could not draw " << dot_file << std::endl;
  return CommandResult::failed;
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
  if (name == "graph") return draw_graph(session, input.substr(input.find(cmd) + cmd.size()));
  std::cerr << "unknown command " << cmd << " (type .help)" << std::endl;
  return CommandResult::failed;
}

}  // namespace ember_repl
