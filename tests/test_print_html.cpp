// repr_html: the structure of the HTML (rows, cells, tables per slice), and cell texts
// checked against what operator<< prints for the same tensor, which test_print.cpp
// checks against PyTorch's layout.
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "helpers.hpp"

using ember::Tensor;

using testing::str;

namespace {

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + what.size())) ++n;
  return n;
}

// The contents of every <td>, in order.
std::vector<std::string> cells(const std::string& html) {
  std::vector<std::string> out;
  for (std::size_t at = html.find("<td>"); at != std::string::npos; at = html.find("<td>", at)) {
    at += 4;
    std::size_t end = html.find("</td>", at);
    out.push_back(html.substr(at, end - at));
  }
  return out;
}

// The contents of every <caption>, in order.
std::vector<std::string> captions(const std::string& html) {
  std::vector<std::string> out;
  for (std::size_t at = html.find("<caption>"); at != std::string::npos; at = html.find("<caption>", at)) {
    at += 9;
    out.push_back(html.substr(at, html.find("</caption>", at) - at));
  }
  return out;
}

// The element texts of operator<<'s output, in order ("..." included): the words left
// after splitting on brackets, commas and blanks, without "tensor" and the key=value
// suffixes.
std::vector<std::string> printed_words(const Tensor& t) {
  std::vector<std::string> out;
  std::string word;
  auto flush = [&] {
    if (!word.empty() && word != "tensor" && word.find('=') == std::string::npos) out.push_back(word);
    word.clear();
  };
  for (char c : str(t)) {
    if (c == '[' || c == ']' || c == '(' || c == ')' || c == ',' || c == ' ' || c == '\n')
      flush();
    else
      word += c;
  }
  flush();
  return out;
}

std::vector<std::string> without_ellipses(std::vector<std::string> v) {
  std::vector<std::string> out;
  for (auto& s : v)
    if (s != "...") out.push_back(s);
  return out;
}

// 0, 1, ..., n-1 with the given shape.
Tensor iota(int64_t n, ember::IntArrayRef shape, ember::Dtype dtype = ember::kFloat32) {
  return ember::arange(n).to(dtype).reshape(shape);
}

}  // namespace

TEST_CASE("repr_html: a 2-d tensor is one table, one row per row", "[print_html]") {
  Tensor t = ember::tensor({{1.0, -2.5, 0.125}, {3.0, 40.0, -7.0}});
  std::string html = ember::repr_html(t);
  CHECK(count(html, "<table>") == 1);
  CHECK(count(html, "<tr>") == 2);
  CHECK(count(html, "<td>") == 6);
  CHECK(count(html, "<caption>") == 0);
  // The same digits as the text printer, without its column padding.
  CHECK(cells(html) == printed_words(t));
  CHECK(cells(html) == std::vector<std::string>{"1.0000", "-2.5000", "0.1250", "3.0000", "40.0000", "-7.0000"});
}

TEST_CASE("repr_html: the header names shape, dtype and autograd state", "[print_html]") {
  Tensor t = ember::zeros({2, 3});
  std::string html = ember::repr_html(t);
  CHECK(html.find("shape=(2, 3), dtype=float32<") != std::string::npos);

  Tensor d = ember::zeros({4}, ember::kFloat64);
  CHECK(ember::repr_html(d).find("shape=(4,), dtype=float64<") != std::string::npos);

  Tensor x = ember::tensor({1.0, 2.0}, ember::requires_grad());
  CHECK(ember::repr_html(x).find("dtype=float32, requires_grad=True<") != std::string::npos);

  // grad_fn as the text printer names it, escaped.
  Tensor y = x * 3.0;
  std::string text = str(y);
  std::size_t at = text.find("grad_fn=<");
  REQUIRE(at != std::string::npos);
  std::string suffix = text.substr(at, text.find('>', at) + 1 - at);  // grad_fn=<MulBackward0>
  std::string escaped = suffix;
  escaped.replace(escaped.find('<'), 1, "&lt;");
  escaped.replace(escaped.find('>'), 1, "&gt;");
  std::string html_y = ember::repr_html(y);
  CHECK(html_y.find(escaped) != std::string::npos);
  CHECK(html_y.find(suffix) == std::string::npos);
  CHECK(html_y.find("requires_grad") == std::string::npos);  // grad_fn says it, as in the text
}

TEST_CASE("repr_html: 0-d is one cell, 1-d one row", "[print_html]") {
  Tensor s = ember::scalar_tensor(3.5);
  std::string html = ember::repr_html(s);
  CHECK(count(html, "<tr>") == 1);
  CHECK(cells(html) == std::vector<std::string>{"3.5000"});
  CHECK(html.find("shape=()") != std::string::npos);

  Tensor v = ember::tensor({1, -20, 300});
  html = ember::repr_html(v);
  CHECK(count(html, "<tr>") == 1);
  CHECK(cells(html) == printed_words(v));
  CHECK(html.find("dtype=int64") != std::string::npos);

  Tensor b = ember::tensor({true, false});
  CHECK(cells(ember::repr_html(b)) == std::vector<std::string>{"True", "False"});
}

TEST_CASE("repr_html: the number format is the text printer's", "[print_html]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (const Tensor& t : {ember::tensor({1e-5, 1.5, nan}), ember::tensor({1.0, -inf, 30.0}),
                          ember::tensor({1.5e9, 2.5e9}, ember::kFloat64), ember::tensor({0.123456, 1.0})}) {
    CHECK(cells(ember::repr_html(t)) == printed_words(t));
  }
  CHECK(cells(ember::repr_html(ember::tensor({1e-5, 1.5}))) == std::vector<std::string>{"1.0000e-05", "1.5000e+00"});
}

TEST_CASE("repr_html: more dims give one captioned table per leading index", "[print_html]") {
  Tensor t = iota(12, {2, 2, 3});
  std::string html = ember::repr_html(t);
  CHECK(count(html, "<table>") == 2);
  CHECK(captions(html) == std::vector<std::string>{"[0, :, :]", "[1, :, :]"});
  CHECK(count(html, "<tr>") == 4);
  CHECK(cells(html) == printed_words(t));

  Tensor u = iota(8, {2, 1, 2, 2}, ember::kInt64);
  html = ember::repr_html(u);
  CHECK(captions(html) == std::vector<std::string>{"[0, 0, :, :]", "[1, 0, :, :]"});
  CHECK(cells(html) == printed_words(u));
}

TEST_CASE("repr_html: views show their logical layout", "[print_html]") {
  Tensor base = ember::tensor({{1, 2, 3}, {4, 5, 6}});
  Tensor transposed = base.t();
  std::string html = ember::repr_html(transposed);
  CHECK(count(html, "<tr>") == 3);
  CHECK(cells(html) == std::vector<std::string>{"1", "4", "2", "5", "3", "6"});
  CHECK(html.find("shape=(3, 2)") != std::string::npos);
}

TEST_CASE("repr_html: large tensors are summarised as operator<< summarises them", "[print_html]") {
  // 40 x 40 > 1000 elements: 3 rows, a row of "...", 3 rows; 3 + "..." + 3 cells each.
  Tensor t = iota(1600, {40, 40});
  std::string html = ember::repr_html(t);
  CHECK(count(html, "<tr>") == 7);
  CHECK(count(html, "<td>") == 49);
  CHECK(count(html, "<td>...</td>") == 7 + 6);
  CHECK(without_ellipses(cells(html)) == without_ellipses(printed_words(t)));
  REQUIRE(cells(html).size() == 49);
  CHECK(cells(html)[3] == "...");    // first row: 0, 1, 2, ..., 37, 38, 39
  CHECK(cells(html)[4] == printed_words(t)[4]);

  // Exactly 1000 elements are shown in full.
  Tensor full = iota(1000, {10, 100});
  std::string html_full = ember::repr_html(full);
  CHECK(count(html_full, "<td>") == 1000);
  CHECK(html_full.find("...") == std::string::npos);
  CHECK(cells(html_full) == printed_words(full));

  // A summarised leading dim: 3 tables, "...", 3 tables, each summarised inside.
  Tensor cube = iota(2000, {20, 10, 10});
  std::string html_cube = ember::repr_html(cube);
  CHECK(count(html_cube, "<table>") == 6);
  CHECK(captions(html_cube) ==
        std::vector<std::string>{"[0, :, :]", "[1, :, :]", "[2, :, :]", "[17, :, :]", "[18, :, :]", "[19, :, :]"});
  CHECK(count(html_cube, "<div>...</div>") == 1);
  CHECK(count(html_cube, "<td>") == 6 * 49);
  CHECK(without_ellipses(cells(html_cube)) == without_ellipses(printed_words(cube)));

  // Only the long dim gets a gap when the others are short.
  Tensor wide = iota(2002, {2, 1001}, ember::kInt64);
  std::string html_wide = ember::repr_html(wide);
  CHECK(count(html_wide, "<tr>") == 2);
  CHECK(count(html_wide, "<td>") == 14);
  CHECK(cells(html_wide) == printed_words(wide));
}

TEST_CASE("repr_html: empty and undefined tensors", "[print_html]") {
  std::string html = ember::repr_html(ember::zeros({0, 3}));
  CHECK(html.find("shape=(0, 3), dtype=float32") != std::string::npos);
  CHECK(count(html, "<table>") == 0);
  CHECK(count(html, "<td>") == 0);

  // An undefined tensor is what operator<< says it is.
  CHECK(ember::repr_html(Tensor()) == "<pre>" + str(Tensor()) + "</pre>\n");
}

namespace {
struct Odd : ember::nn::Module {
  Odd() : Module("Odd<\"&'>") {}
};
}  // namespace

TEST_CASE("repr_html: modules are their printed structure in a <pre>, escaped", "[print_html]") {
  ember::nn::Sequential seq(ember::nn::Linear(4, 3), ember::nn::ReLU());
  std::ostringstream os;
  os << *seq;
  CHECK(ember::nn::repr_html(*seq) == "<pre>" + os.str() + "</pre>\n");  // nothing to escape in it

  Odd odd;
  std::string html = ember::nn::repr_html(odd);
  CHECK(html.find("Odd&lt;&quot;&amp;&#39;&gt;") != std::string::npos);
  CHECK(html.find("Odd<") == std::string::npos);
}
