// Reading inputs: lines from a terminal (with editing and history) or from a file or
// pipe, joined until they make a complete input.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace llvm {
class LineEditor;
}

namespace ember_repl {

// Whether `text` is a complete input: every (, [ and { closed, no string, character
// literal or /* comment left open, and no trailing backslash. An input with more
// closing than opening brackets is complete (the compiler will say what is wrong).
bool input_is_complete(const std::string& text);

class LineReader {
 public:
  // interactive: prompts, line editing and history (kept in history_path if not empty).
  // echo: print the prompt and each line read, for transcripts of piped sessions.
  LineReader(bool interactive, bool echo, const std::string& history_path);
  ~LineReader();

  // The next complete input, without its final newline; nullopt at end of input.
  // Blank inputs are skipped.
  std::optional<std::string> read_input();

  // Interactive sessions: Ctrl-C at the prompt drops the line being typed (as in a
  // shell or Python) instead of ending the session. While an input runs, the first
  // Ctrl-C only says so and the second ends the session: compiled code cannot be
  // stopped halfway safely.
  void begin_running();
  void end_running();

  // Tab completion for interactive sessions: (text to insert, text to show) pairs.
  using Completer = std::function<std::vector<std::pair<std::string, std::string>>(const std::string&, std::size_t)>;
  void set_completer(Completer completer);

 private:
  std::optional<std::string> read_line(bool continuation);

  bool interactive_;
  bool echo_;
  std::unique_ptr<llvm::LineEditor> editor_;
};

}  // namespace ember_repl
