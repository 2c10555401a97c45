// ember's headers that the session includes when an input first names them.
//
// Parsing all of <ember/ember.hpp> is most of a session's start-up; nn, optim and data
// are nearly half of it. The prelude includes every header <ember/ember.hpp> includes
// except those, and an input that names `nn`, `optim` or `data` (or nn::utils' gradient
// clipping, which lives in optim's headers) has the header included just before it is
// compiled. An identifier is enough: a false match (a variable called `data`) only costs
// the parse. While the prompt waits for its first input, the session includes them
// anyway, one after the other (main.cpp), so a session whose first input comes after a
// second or so has them all before it starts.
//
// An included header cannot be taken back: clang's undo forgets the declarations but
// not that the file was included (its include guard stays defined), so it could never
// be included again. A header included for an input therefore becomes part of the
// session's base, like the prelude: .undo stops at it.
#include <algorithm>
#include <cctype>
#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "session.hpp"
#include "session_internals.hpp"

namespace ember_repl {
namespace {

struct OnDemandHeader {
  const char* header;                 // as <ember/ember.hpp> includes it
  std::vector<const char*> triggers;  // identifiers that need it
};

const std::vector<OnDemandHeader>& on_demand_headers() {
  static const std::vector<OnDemandHeader> headers = {
      {"ember/nn.hpp", {"nn"}},
      {"ember/optim.hpp", {"optim", "clip_grad_norm_", "clip_grad_value_"}},
      {"ember/data.hpp", {"data"}},
  };
  return headers;
}

bool is_on_demand(const std::string& header) {
  for (const OnDemandHeader& h : on_demand_headers())
    if (header == h.header) return true;
  return false;
}

// The identifiers of code outside string and character literals and comments.
std::set<std::string> identifiers(const std::string& code) {
  std::set<std::string> out;
  std::size_t i = 0, n = code.size();
  while (i < n) {
    char c = code[i];
    if (c == '/' && i + 1 < n && code[i + 1] == '/') {
      i = code.find('\n', i);
      if (i == std::string::npos) break;
    } else if (c == '/' && i + 1 < n && code[i + 1] == '*') {
      i = code.find("*/", i + 2);
      if (i == std::string::npos) break;
      i += 2;
    } else if (c == '"' || c == '\'') {
      for (++i; i < n && code[i] != c; ++i)
        if (code[i] == '\\') ++i;
      ++i;
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      std::size_t start = i;
      while (i < n && (std::isalnum(static_cast<unsigned char>(code[i])) || code[i] == '_')) ++i;
      out.insert(code.substr(start, i - start));
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      while (i < n && (std::isalnum(static_cast<unsigned char>(code[i])) || code[i] == '_' || code[i] == '.')) ++i;
    } else {
      ++i;
    }
  }
  return out;
}

// The ember headers that `header` includes, as written there, in order ("ember/x.hpp");
// empty when it cannot be read from any of the include directories.
std::vector<std::string> ember_includes(const std::vector<std::string>& include_dirs, const std::string& header) {
  static const std::regex include_line(R"re(^[ \t]*#[ \t]*include[ \t]*["<](ember/[^">]+)[">])re");
  for (const std::string& dir : include_dirs) {
    std::ifstream in(dir + "/" + header);
    if (!in) continue;
    std::vector<std::string> out;
    std::string line;
    std::smatch m;
    while (std::getline(in, line))
      if (std::regex_search(line, m, include_line)) out.push_back(m[1].str());
    return out;
  }
  return {};
}

}  // namespace

std::string prelude_headers(const std::vector<std::string>& include_dirs) {
  // <ember/ember.hpp>'s own list, so that a header added to it reaches the prompt too.
  std::string out;
  for (const std::string& h : ember_includes(include_dirs, "ember/ember.hpp"))
    if (!is_on_demand(h)) out += "#include <" + h + ">\n";
  if (out.empty()) return "#include <ember/ember.hpp>\n";
  // Declared so that completing `ember::` offers them before they are included.
  return out + "namespace ember { namespace nn {} namespace optim {} namespace data {} }\n";
}

bool Session::include_next_on_demand_header() {
  // One of the headers the on-demand headers include at a time (nn's modules, its
  // functional ops, ...), then the header itself: an input that arrives meanwhile waits
  // for one piece, not for all of nn.
  if (!idle_queue_built_) {
    idle_queue_built_ = true;
    for (const OnDemandHeader& h : on_demand_headers()) {
      for (const std::string& piece : ember_includes(include_dirs_, h.header)) idle_queue_.push_back(piece);
      idle_queue_.push_back(h.header);
    }
  }
  while (!idle_queue_.empty()) {
    std::string next = idle_queue_.front();
    idle_queue_.erase(idle_queue_.begin());
    if (is_on_demand(next)) {
      if (included_on_demand(next)) continue;
      include_on_demand(next);
      return true;
    }
    if (execute("#include <" + next + ">\n", nullptr) != Outcome::ok) idle_queue_.clear();
    return true;
  }
  return false;
}

void Session::include_headers_named_by(const std::string& code) {
  std::set<std::string> names;
  bool scanned = false;
  for (const OnDemandHeader& h : on_demand_headers()) {
    if (included_on_demand(h.header)) continue;
    if (!scanned) names = identifiers(code), scanned = true;
    bool named = false;
    for (const char* t : h.triggers) named |= names.count(t) > 0;
    if (named) include_on_demand(h.header);
  }
}

void Session::include_on_demand(const std::string& header) {
  headers_included_.push_back(header);
  if (execute("#include <" + header + ">\n", nullptr) != Outcome::ok) return;
  if (!input_sizes_.empty()) undo_stops_at_ = header;
  input_sizes_.clear();  // see the top of this file
}

bool Session::included_on_demand(const std::string& header) const {
  for (const std::string& h : headers_included_)
    if (h == header) return true;
  return false;
}

}  // namespace ember_repl
