// The prompt's own commands: .help, .L, .x, .I, .lib, .undo, .graph, .q (with clang-repl's
// %-spellings as aliases).
#pragma once

#include <string>

namespace ember_repl {

class Session;

enum class CommandResult { not_a_command, ok, failed, quit };

// Runs `input` if it is a command.
CommandResult run_command(Session& session, const std::string& input);

std::string help_text();

}  // namespace ember_repl
