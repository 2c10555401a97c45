// repr_html: tensors as HTML for notebooks. The element texts and the
// summary come from the text printer (print_detail.hpp), so a cell shows exactly what
// operator<< shows for that element.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "ember/html.hpp"
#include "ember/tensor.hpp"
#include "src/core/print_detail.hpp"

namespace ember {

std::string html_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {
std::string escape(const std::string& s) { return html_escape(s); }

std::string cell(const std::string& text) { return "<td>" + escape(text) + "</td>"; }

// Walks the printed elements in the printer's order and lays them out as tables.
class HtmlTables {
 public:
  explicit HtmlTables(const Tensor& t)
      : sizes_(t.sizes().begin(), t.sizes().end()),
        summarize_(detail::print_summarizes(t)),
        elements_(detail::printed_elements(t)) {}

  std::string render() {
    std::string out;
    std::size_t ndim = sizes_.size();
    if (ndim <= 2) {
      out = table("", 0);
    } else {
      std::vector<int64_t> lead;
      slices(0, lead, out);
    }
    return out;
  }

 private:
  // One table per printed index of the dims before the last two.
  void slices(std::size_t dim, std::vector<int64_t>& lead, std::string& out) {
    if (dim + 2 == sizes_.size()) {
      std::string caption = "[";
      for (int64_t i : lead) caption += std::to_string(i) + ", ";
      out += table(caption + ":, :]", dim);
      return;
    }
    detail::PrintedIndices shown = detail::printed_indices(sizes_[dim], summarize_);
    for (std::size_t k = 0; k < shown.index.size(); ++k) {
      if (static_cast<std::ptrdiff_t>(k) == shown.gap) out += "<div>...</div>\n";
      lead.push_back(shown.index[k]);
      slices(dim + 1, lead, out);
      lead.pop_back();
    }
  }

  // The table of the last min(2, ndim) dims from `dim` on.
  std::string table(const std::string& caption, std::size_t dim) {
    std::string out = "<table>\n";
    if (!caption.empty()) out += "<caption>" + escape(caption) + "</caption>\n";
    std::size_t rest = sizes_.size() - dim;
    if (rest == 0) {
      out += "<tr>" + cell(next()) + "</tr>\n";
    } else if (rest == 1) {
      out += row(sizes_[dim]);
    } else {
      detail::PrintedIndices rows = detail::printed_indices(sizes_[dim], summarize_);
      for (std::size_t k = 0; k < rows.index.size(); ++k) {
        if (static_cast<std::ptrdiff_t>(k) == rows.gap) out += gap_row(sizes_[dim + 1]);
        out += row(sizes_[dim + 1]);
      }
    }
    return out + "</table>\n";
  }

  // One row of a dim of n elements, "..." where the printer puts it.
  std::string row(int64_t n) {
    detail::PrintedIndices cols = detail::printed_indices(n, summarize_);
    std::string out = "<tr>";
    for (std::size_t k = 0; k < cols.index.size(); ++k) {
      if (static_cast<std::ptrdiff_t>(k) == cols.gap) out += cell("...");
      out += cell(next());
    }
    return out + "</tr>\n";
  }

  // The row standing for the rows left out: "..." in every column.
  std::string gap_row(int64_t n) {
    detail::PrintedIndices cols = detail::printed_indices(n, summarize_);
    std::size_t width = cols.index.size() + (cols.gap >= 0 ? 1 : 0);
    std::string out = "<tr>";
    for (std::size_t k = 0; k < width; ++k) out += cell("...");
    return out + "</tr>\n";
  }

  const std::string& next() { return elements_.at(next_++); }

  std::vector<int64_t> sizes_;
  bool summarize_;
  std::vector<std::string> elements_;
  std::size_t next_ = 0;
};

}  // namespace

std::string repr_html(const Tensor& t) {
  if (!t.defined()) {
    std::ostringstream os;
    os << t;
    return "<pre>" + escape(os.str()) + "</pre>\n";
  }
  std::string header = "shape=" + detail::sizes_text(t.sizes()) + ", dtype=" + dtype_name(t.dtype());
  std::string grad = detail::grad_text(t);
  if (!grad.empty()) header += ", " + grad;
  std::string out = "<div class=\"ember-tensor\">\n<div>" + escape(header) + "</div>\n";
  // An empty tensor has nothing to lay out; its shape is in the header.
  if (t.numel() > 0) out += HtmlTables(t).render();
  return out + "</div>\n";
}


}  // namespace ember
