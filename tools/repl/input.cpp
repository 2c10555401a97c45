#include "input.hpp"

#include <llvm/LineEditor/LineEditor.h>

#include <signal.h>
#include <unistd.h>

#include <csignal>
#include <iostream>
#include <vector>

namespace ember_repl {

namespace {
const char* const kPrompt = "ember> ";
const char* const kContinuation = "   ...> ";

volatile std::sig_atomic_t g_interrupted = 0;  // Ctrl-C at the prompt
volatile std::sig_atomic_t g_running = 0;      // an input is running
volatile std::sig_atomic_t g_running_interrupts = 0;

void on_sigint(int) {
  if (!g_running) {
    g_interrupted = 1;
    return;
  }
  if (++g_running_interrupts == 1) {
    const char message[] = "\n(still running: press Ctrl-C again to end the session)\n";
    ssize_t ignored = write(STDERR_FILENO, message, sizeof message - 1);
    (void)ignored;
    return;
  }
  std::signal(SIGINT, SIG_DFL);
  std::raise(SIGINT);
}

void install_sigint_handler() {
  struct sigaction action = {};
  action.sa_handler = on_sigint;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: the line editor's read must return
  sigaction(SIGINT, &action, nullptr);
}
}  // namespace

bool input_is_complete(const std::string& text) {
  int depth = 0;
  enum { code, line_comment, block_comment, string_lit, char_lit, raw_string } state = code;
  std::string raw_end;  // )delim" that closes a raw string
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    char next = i + 1 < text.size() ? text[i + 1] : '\0';
    switch (state) {
      case code:
        if (c == '/' && next == '/') state = line_comment, ++i;
        else if (c == '/' && next == '*') state = block_comment, ++i;
        else if (c == 'R' && next == '"' && (i == 0 || !(std::isalnum(static_cast<unsigned char>(text[i - 1])) || text[i - 1] == '_'))) {
          std::size_t open = text.find('(', i + 2);
          if (open == std::string::npos) return false;
          raw_end = ")" + text.substr(i + 2, open - i - 2) + "\"";
          state = raw_string;
          i = open;
        } else if (c == '"') state = string_lit;
        else if (c == '\'') {
          // A digit separator (1'000'000) is not a character literal.
          bool separator = i > 0 && std::isxdigit(static_cast<unsigned char>(text[i - 1])) &&
                           std::isxdigit(static_cast<unsigned char>(next));
          if (!separator) state = char_lit;
        } else if (c == '(' || c == '[' || c == '{') ++depth;
        else if (c == ')' || c == ']' || c == '}') --depth;
        break;
      case line_comment:
        if (c == '\n') state = code;
        break;
      case block_comment:
        if (c == '*' && next == '/') state = code, ++i;
        break;
      case string_lit:
      case char_lit:
        if (c == '\\') ++i;
        else if (c == (state == string_lit ? '"' : '\'')) state = code;
        else if (c == '\n') state = code;  // unterminated: let the compiler say so
        break;
      case raw_string:
        if (text.compare(i, raw_end.size(), raw_end) == 0) state = code, i += raw_end.size() - 1;
        break;
    }
  }
  if (state == block_comment || state == raw_string) return false;
  std::size_t last = text.find_last_not_of(" \t\r\n");
  if (last != std::string::npos && text[last] == '\\') return false;
  return depth <= 0;
}

LineReader::LineReader(bool interactive, bool echo, const std::string& history_path)
    : interactive_(interactive), echo_(echo) {
  if (interactive_) {
    editor_ = std::make_unique<llvm::LineEditor>("ember-repl", history_path);
    editor_->setPrompt(kPrompt);
    install_sigint_handler();
  }
}

LineReader::~LineReader() = default;

void LineReader::begin_running() {
  g_running_interrupts = 0;
  g_running = 1;
}

void LineReader::end_running() { g_running = 0; }

void LineReader::set_completer(Completer completer) {
  if (!editor_) return;
  editor_->setListCompleter([completer](llvm::StringRef buffer, std::size_t pos) {
    std::vector<llvm::LineEditor::Completion> out;
    for (auto& [insert, show] : completer(buffer.str(), pos)) out.emplace_back(insert, show);
    return out;
  });
}

std::optional<std::string> LineReader::read_line(bool continuation) {
  const char* prompt = continuation ? kContinuation : kPrompt;
  std::optional<std::string> line;
  if (editor_) {
    editor_->setPrompt(prompt);
    g_interrupted = 0;
    line = editor_->readLine();
    if (!line && g_interrupted) return std::string("\x03");  // Ctrl-C: see read_input
  } else {
    std::string text;
    if (std::getline(std::cin, text)) line = std::move(text);
    if (line && echo_) std::cout << prompt << *line << std::endl;
  }
  return line;
}

std::optional<std::string> LineReader::read_input() {
  for (;;) {
    std::optional<std::string> first = read_line(false);
    if (!first) return std::nullopt;
    if (*first == "\x03") {
      std::cout << std::endl;  // Ctrl-C: drop the line, new prompt
      continue;
    }
    if (first->find_first_not_of(" \t\r") == std::string::npos) continue;
    std::string input = *first;
    // Commands (.help, %lib) are always one line.
    bool command = input.find_first_not_of(" \t") != std::string::npos &&
                   (input[input.find_first_not_of(" \t")] == '.' || input[input.find_first_not_of(" \t")] == '%');
    bool dropped = false;
    while (!command && !input_is_complete(input)) {
      std::optional<std::string> more = read_line(true);
      if (!more) break;  // end of input inside a block: hand over what there is
      if (*more == "\x03") {  // Ctrl-C drops the whole multi-line input
        std::cout << std::endl;
        dropped = true;
        break;
      }
      input += "\n" + *more;
    }
    if (dropped) continue;
    if (editor_) editor_->saveHistory();
    return input;
  }
}

}  // namespace ember_repl
