// repr_html for modules: their printed structure, escaped, in a <pre> block.
#include <sstream>
#include <string>

#include "ember/html.hpp"
#include "ember/nn/module.hpp"

namespace ember {
namespace nn {
std::string repr_html(const Module& m) {
  std::ostringstream os;
  os << m;
  return "<pre>" + html_escape(os.str()) + "</pre>\n";
}
}  // namespace nn
}  // namespace ember
