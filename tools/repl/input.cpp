#include "input.hpp"

#include <llvm/LineEditor/LineEditor.h>

#include <iostream>
#include <vector>

namespace ember_repl {

namespace {
const char* const kPrompt = "ember> ";
const char* const kContinuation = "   ...> ";
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
  }
}

LineReader::~LineReader() = default;

std::optional<std::string> LineReader::read_line(bool continuation) {
  const char* prompt = continuation ? kContinuation : kPrompt;
  std::optional<std::string> line;
  if (editor_) {
    editor_->setPrompt(prompt);
    line = editor_->readLine();
  } else {
    std::string text;
    if (std::getline(std::cin, text)) line = std::move(text);
    if (line && echo_) std::cout << prompt << *line << std::endl;
  }
  if (line) ++lines_read_;
  return line;
}

std::optional<std::string> LineReader::read_input() {
  for (;;) {
    std::optional<std::string> first = read_line(false);
    if (!first) return std::nullopt;
    if (first->find_first_not_of(" \t\r") == std::string::npos) continue;
    line_number_ = lines_read_;
    std::string input = *first;
    // Commands (.help, %lib) are always one line.
    bool command = input.find_first_not_of(" \t") != std::string::npos &&
                   (input[input.find_first_not_of(" \t")] == '.' || input[input.find_first_not_of(" \t")] == '%');
    while (!command && !input_is_complete(input)) {
      std::optional<std::string> more = read_line(true);
      if (!more) break;  // end of input inside a block: hand over what there is
      input += "\n" + *more;
    }
    if (editor_) editor_->saveHistory();
    return input;
  }
}

}  // namespace ember_repl
