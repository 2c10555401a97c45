// Differentiable linear algebra: each forward kernel call with its backward beside it.
// Every backward is itself a product of differentiable ops (matmul with transposed
// views), so create_graph gives second derivatives. einsum is composed of permute,
// reshape, sum and bmm and needs no backward of its own.
#include <algorithm>
#include <string>
#include <vector>

#include "autograd/trace.hpp"
#include "autograd/prelude.hpp"
#include "ember/creation.hpp"
#include "ember/functions.hpp"
#include "ops/linalg.hpp"
#include "src/core/check.hpp"
#include "src/core/shape.hpp"

namespace ember {

namespace {

// Gradients of y = matmul(a, b) for every form matmul accepts. A 1-D operand is promoted
// to a matrix as the forward did ([k] -> [1, k] on the left, [k, 1] on the right), g gets
// the dims the forward removed, and the promotion dim is dropped from the result again.
// Gradients of broadcast batch dims are summed back by the node (sum_to).
Grads matmul_backward(const Tensor& g, const Tensor& a, const Tensor& b, bool need_a, bool need_b) {
  bool a_vec = a.dim() == 1, b_vec = b.dim() == 1;
  Tensor A = a_vec ? a.unsqueeze(0) : a;
  Tensor B = b_vec ? b.unsqueeze(1) : b;
  Tensor G = g;
  if (a_vec && b_vec) {
    G = g.reshape({1, 1});
  } else {
    if (a_vec) G = G.unsqueeze(-2);
    if (b_vec) G = G.unsqueeze(-1);
  }
  Tensor ga, gb;
  if (need_a) {
    ga = ember::matmul(G, B.mT());
    if (a_vec) ga = ga.squeeze(-2);
  }
  if (need_b) {
    if (B.dim() == 2 && A.dim() > 2) {
      // b was shared by every batch entry: one [k, batch*m] x [batch*m, n] product
      // instead of a batch of products summed afterwards.
      // (Row counts spelled out: -1 is ambiguous for an empty tensor.)
      int64_t rows = 1;
      for (int64_t d = 0; d + 1 < A.dim(); ++d) rows *= A.size(d);
      gb = ember::mm(A.reshape({rows, A.size(-1)}).t(), G.reshape({rows, G.size(-1)}));
    } else {
      gb = ember::matmul(A.mT(), G);
    }
    if (b_vec) gb = gb.squeeze(-1);
  }
  return Grads{ga, gb};
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  EMBER_TRACE_CALL("matmul", ({a, b}), ({}), matmul(a, b));
  Tensor y = k::matmul(a, b);
  if (needs_grad(a, b))
    record("matmul", {a, b}, {&y}, {save(a), save(b)}, [](const Grads& g, Ctx& c) {
      return matmul_backward(g[0], c.saved(0), c.saved(1), c.needs(0), c.needs(1));
    });
  return y;
}

Tensor mm(const Tensor& a, const Tensor& b) {
  EMBER_TRACE_CALL("mm", ({a, b}), ({}), mm(a, b));
  Tensor y = k::mm(a, b);
  if (needs_grad(a, b))
    record("mm", {a, b}, {&y}, {save(a), save(b)}, [](const Grads& g, Ctx& c) {
      Tensor ga, gb;
      if (c.needs(0)) ga = ember::mm(g[0], c.saved(1).t());
      if (c.needs(1)) gb = ember::mm(c.saved(0).t(), g[0]);
      return Grads{ga, gb};
    });
  return y;
}

Tensor bmm(const Tensor& a, const Tensor& b) {
  EMBER_TRACE_CALL("bmm", ({a, b}), ({}), bmm(a, b));
  Tensor y = k::bmm(a, b);
  if (needs_grad(a, b))
    record("bmm", {a, b}, {&y}, {save(a), save(b)}, [](const Grads& g, Ctx& c) {
      Tensor ga, gb;
      if (c.needs(0)) ga = ember::bmm(g[0], c.saved(1).mT());
      if (c.needs(1)) gb = ember::bmm(c.saved(0).mT(), g[0]);
      return Grads{ga, gb};
    });
  return y;
}

Tensor dot(const Tensor& a, const Tensor& b) {
  Tensor y = k::dot(a, b);
  if (needs_grad(a, b))
    record("dot", {a, b}, {&y}, {save(a), save(b)}, [](const Grads& g, Ctx& c) {
      Tensor ga, gb;
      if (c.needs(0)) ga = g[0] * c.saved(1);
      if (c.needs(1)) gb = g[0] * c.saved(0);
      return Grads{ga, gb};
    });
  return y;
}

Tensor outer(const Tensor& a, const Tensor& b) {
  Tensor y = k::outer(a, b);
  if (needs_grad(a, b))
    record("outer", {a, b}, {&y}, {save(a), save(b)}, [](const Grads& g, Ctx& c) {
      Tensor ga, gb;
      if (c.needs(0)) ga = ember::matmul(g[0], c.saved(1));  // [m, n] @ [n] -> [m]
      if (c.needs(1)) gb = ember::matmul(c.saved(0), g[0]);  // [m] @ [m, n] -> [n]
      return Grads{ga, gb};
    });
  return y;
}

Tensor addmm(const Tensor& bias, const Tensor& a, const Tensor& b, Scalar beta, Scalar alpha) {
  EMBER_TRACE_CALL("addmm", ({bias, a, b}), ({{"beta", beta}, {"alpha", alpha}}), addmm(bias, a, b, beta, alpha));
  Tensor y = k::addmm(bias, a, b, beta, alpha);
  if (needs_grad(bias, a, b))
    record("addmm", {bias, a, b}, {&y}, {save(a), save(b)}, [beta, alpha](const Grads& g, Ctx& c) {
      bool unit_alpha = alpha.to_double() == 1.0;
      Tensor gbias, ga, gb;
      // The node sums gbias back to the bias's broadcast shape.
      if (c.needs(0)) gbias = beta.to_double() == 1.0 ? g[0] : g[0] * beta;
      if (c.needs(1)) {
        ga = ember::mm(g[0], c.saved(1).t());
        if (!unit_alpha) ga = ga * alpha;
      }
      if (c.needs(2)) {
        gb = ember::mm(c.saved(0).t(), g[0]);
        if (!unit_alpha) gb = gb * alpha;
      }
      return Grads{gbias, ga, gb};
    });
  return y;
}

// ---- einsum ----
//
// Each operand's dims get labels: its letters, and for the dims that "..." covers, labels
// shared by all operands and aligned from the right (as broadcasting aligns). Then:
//   1. a label repeated within one operand takes the diagonal (multiply by an identity
//      mask, sum one of the two dims);
//   2. a label that only one operand has and the output lacks is summed away at once;
//   3. operands are contracted left to right, two at a time, as one bmm: labels both
//      have and something later needs are the batch, labels both have and nothing later
//      needs are contracted, the rest are the rows and the columns;
//   4. the result is summed over labels the output lacks and permuted to the output.
// Every step is a differentiable op, so gradients of any order come for free.
namespace {

using Labels = std::vector<int>;
constexpr int kEllipsisLabel = 256;  // ellipsis dim j is label kEllipsisLabel + j

struct Term {
  Labels letters;  // in order; kEllipsis marks where "..." stands
  bool has_ellipsis = false;
};
constexpr int kEllipsis = -1;

Term parse_term(const std::string& eq, const std::string& s) {
  Term t;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char ch = s[i];
    if (ch == '.') {
      EMBER_CHECK(i + 2 < s.size() && s[i + 1] == '.' && s[i + 2] == '.',
                  "einsum: a '.' that is not part of \"...\" in \"{}\"", eq);
      EMBER_CHECK(!t.has_ellipsis, "einsum: \"...\" appears twice in one term of \"{}\"", eq);
      t.has_ellipsis = true;
      t.letters.push_back(kEllipsis);
      i += 2;
      continue;
    }
    EMBER_CHECK((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'),
                "einsum: subscripts must be letters, but \"{}\" has '{}'", eq, ch);
    t.letters.push_back(static_cast<unsigned char>(ch));
  }
  return t;
}

std::string strip_spaces(const std::string& s) {
  std::string out;
  for (char ch : s)
    if (ch != ' ') out += ch;
  return out;
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> parts(1);
  for (char ch : s) {
    if (ch == ',')
      parts.emplace_back();
    else
      parts.back() += ch;
  }
  return parts;
}

bool contains(const Labels& ls, int l) { return std::find(ls.begin(), ls.end(), l) != ls.end(); }
int64_t index_of(const Labels& ls, int l) { return std::find(ls.begin(), ls.end(), l) - ls.begin(); }

// An operand on its way through the contraction: the tensor and one label per dim.
struct Operand {
  Tensor t;
  Labels labels;
};

// Sums t over the dims whose labels satisfy drop(label), removing them.
template <class Pred>
void sum_away(Operand& x, Pred drop) {
  std::vector<int64_t> dims;
  Labels kept;
  for (std::size_t d = 0; d < x.labels.size(); ++d) {
    if (drop(x.labels[d]))
      dims.push_back(static_cast<int64_t>(d));
    else
      kept.push_back(x.labels[d]);
  }
  if (dims.empty()) return;
  x.t = ember::sum(x.t, dims);
  x.labels = kept;
}

// Replaces each label repeated within x by its diagonal.
void take_diagonals(Operand& x, const std::string& eq) {
  for (std::size_t d1 = 0; d1 < x.labels.size(); ++d1) {
    for (std::size_t d2 = d1 + 1; d2 < x.labels.size(); ++d2) {
      if (x.labels[d2] != x.labels[d1]) continue;
      int64_t n = x.t.size(static_cast<int64_t>(d1));
      EMBER_CHECK(x.t.size(static_cast<int64_t>(d2)) == n,
                  "einsum: subscript '{}' repeats in one operand of \"{}\" over dims of sizes {} and {}",
                  static_cast<char>(x.labels[d1]), eq, n, x.t.size(static_cast<int64_t>(d2)));
      Shape mask_shape(x.labels.size(), 1);
      mask_shape[d1] = n;
      mask_shape[d2] = n;
      Tensor mask = ember::eye(n, x.t.dtype()).reshape(mask_shape);
      x.t = ember::sum(x.t * mask, {static_cast<int64_t>(d2)});
      x.labels.erase(x.labels.begin() + static_cast<std::ptrdiff_t>(d2));
      --d2;
    }
  }
}

// x permuted so that its labels read `order` (every label of x, in a new order).
Tensor arrange(const Operand& x, const Labels& order) {
  std::vector<int64_t> perm;
  bool identity = true;
  for (std::size_t i = 0; i < order.size(); ++i) {
    int64_t d = index_of(x.labels, order[i]);
    identity = identity && d == static_cast<int64_t>(i);
    perm.push_back(d);
  }
  return identity ? x.t : x.t.permute(perm);
}

int64_t size_of(const Operand& x, int l) { return x.t.size(index_of(x.labels, l)); }

// x and y contracted into one operand; `needed(label)` says whether a later operand or
// the output still uses the label.
template <class Needed>
Operand contract(Operand x, Operand y, Needed needed) {
  // A label of size 1 on one side and larger on the other broadcasts: drop it from the
  // size-1 side (a sum over one element).
  sum_away(x, [&](int l) { return contains(y.labels, l) && size_of(x, l) == 1 && size_of(y, l) != 1; });
  sum_away(y, [&](int l) { return contains(x.labels, l) && size_of(y, l) == 1 && size_of(x, l) != 1; });
  sum_away(x, [&](int l) { return !contains(y.labels, l) && !needed(l); });
  sum_away(y, [&](int l) { return !contains(x.labels, l) && !needed(l); });

  Labels batch, rows, inner, cols;
  for (int l : x.labels) (contains(y.labels, l) ? (needed(l) ? batch : inner) : rows).push_back(l);
  for (int l : y.labels)
    if (!contains(x.labels, l)) cols.push_back(l);
  auto sizes = [](const Operand& o, const Labels& ls) {
    std::vector<int64_t> s;
    int64_t n = 1;
    for (int l : ls) {
      s.push_back(size_of(o, l));
      n *= s.back();
    }
    return std::make_pair(s, n);
  };
  auto [bs, nb] = sizes(x, batch);
  auto [rs, nr] = sizes(x, rows);
  auto [is, ni] = sizes(x, inner);
  auto [cs, nc] = sizes(y, cols);
  (void)is;

  Labels xo = batch, yo = batch;
  xo.insert(xo.end(), rows.begin(), rows.end());
  xo.insert(xo.end(), inner.begin(), inner.end());
  yo.insert(yo.end(), inner.begin(), inner.end());
  yo.insert(yo.end(), cols.begin(), cols.end());
  Tensor xm = arrange(x, xo).reshape({nb, nr, ni});
  Tensor ym = arrange(y, yo).reshape({nb, ni, nc});
  std::vector<int64_t> shape = bs;
  shape.insert(shape.end(), rs.begin(), rs.end());
  shape.insert(shape.end(), cs.begin(), cs.end());
  Operand z;
  z.t = ember::bmm(xm, ym).reshape(shape);
  z.labels = batch;
  z.labels.insert(z.labels.end(), rows.begin(), rows.end());
  z.labels.insert(z.labels.end(), cols.begin(), cols.end());
  return z;
}

}  // namespace

Tensor einsum(const std::string& equation, const std::vector<Tensor>& operands) {
  const std::string eq = strip_spaces(equation);
  EMBER_CHECK(!operands.empty(), "einsum: \"{}\" needs at least one operand", equation);
  for (const Tensor& t : operands) detail::check_defined(t, "einsum", "operand");
  std::size_t arrow = eq.find("->");
  std::string lhs = arrow == std::string::npos ? eq : eq.substr(0, arrow);
  std::vector<std::string> parts = split_commas(lhs);
  EMBER_CHECK(parts.size() == operands.size(), "einsum: \"{}\" has {} input terms but {} operands were given",
              equation, parts.size(), operands.size());
  for (const Tensor& t : operands)
    EMBER_CHECK(t.dtype() == operands[0].dtype(), "einsum: expected operands of one dtype, but found {} and {}",
                operands[0].dtype(), t.dtype());

  // Label every dim; "..." dims are right-aligned across operands.
  std::vector<Term> terms;
  int64_t n_ellipsis = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    terms.push_back(parse_term(equation, parts[i]));
    int64_t named = static_cast<int64_t>(terms[i].letters.size()) - (terms[i].has_ellipsis ? 1 : 0);
    int64_t dims = operands[i].dim();
    EMBER_CHECK(terms[i].has_ellipsis ? dims >= named : dims == named,
                "einsum: term \"{}\" of \"{}\" names {} dims, but operand {} has shape {}", parts[i], equation, named,
                i, operands[i].sizes());
    if (terms[i].has_ellipsis) n_ellipsis = std::max(n_ellipsis, dims - named);
  }
  std::vector<Operand> ops;
  for (std::size_t i = 0; i < terms.size(); ++i) {
    Operand o{operands[i], {}};
    int64_t covered = operands[i].dim() - (static_cast<int64_t>(terms[i].letters.size()) - 1);
    for (int l : terms[i].letters) {
      if (l != kEllipsis) {
        o.labels.push_back(l);
        continue;
      }
      for (int64_t j = 0; j < covered; ++j) o.labels.push_back(kEllipsisLabel + static_cast<int>(n_ellipsis - covered + j));
    }
    ops.push_back(std::move(o));
  }

  // The output labels: as written, or (no "->") the ellipsis dims and then every letter
  // used exactly once, in alphabetical order.
  Labels out;
  if (arrow != std::string::npos) {
    std::string rhs = eq.substr(arrow + 2);
    Term t = parse_term(equation, rhs);
    for (int l : t.letters) {
      if (l == kEllipsis) {
        for (int64_t j = 0; j < n_ellipsis; ++j) out.push_back(kEllipsisLabel + static_cast<int>(j));
        continue;
      }
      EMBER_CHECK(!contains(out, l), "einsum: output subscript '{}' appears more than once in \"{}\"",
                  static_cast<char>(l), equation);
      bool found = false;
      for (const Term& term : terms) found = found || contains(term.letters, l);
      EMBER_CHECK(found, "einsum: output subscript '{}' of \"{}\" does not appear in the inputs",
                  static_cast<char>(l), equation);
      out.push_back(l);
    }
  } else {
    for (int64_t j = 0; j < n_ellipsis; ++j) out.push_back(kEllipsisLabel + static_cast<int>(j));
    Labels letters;
    for (const Term& term : terms)
      for (int l : term.letters)
        if (l != kEllipsis) letters.push_back(l);
    std::sort(letters.begin(), letters.end());
    for (std::size_t i = 0; i < letters.size(); ++i) {
      bool once = (i == 0 || letters[i - 1] != letters[i]) && (i + 1 == letters.size() || letters[i + 1] != letters[i]);
      if (once) out.push_back(letters[i]);
    }
  }

  // Sizes of one label must agree across operands, up to broadcasting a size of 1.
  for (std::size_t i = 0; i < ops.size(); ++i) {
    take_diagonals(ops[i], equation);
    for (std::size_t j = 0; j < i; ++j)
      for (int l : ops[i].labels) {
        if (!contains(ops[j].labels, l)) continue;
        int64_t si = size_of(ops[i], l), sj = size_of(ops[j], l);
        EMBER_CHECK(si == sj || si == 1 || sj == 1,
                    "einsum: subscript '{}' of \"{}\" has size {} in operand {} (shape {}) but {} in operand {} (shape "
                    "{})",
                    l >= kEllipsisLabel ? '.' : static_cast<char>(l), equation, sj, j, operands[j].sizes(), si, i,
                    operands[i].sizes());
      }
  }

  // Whether operands after `from`, or the output, use label l.
  auto used_after = [&](std::size_t from, int l) {
    if (contains(out, l)) return true;
    for (std::size_t j = from + 1; j < ops.size(); ++j)
      if (contains(ops[j].labels, l)) return true;
    return false;
  };
  for (std::size_t i = 0; i < ops.size(); ++i) {
    sum_away(ops[i], [&](int l) {
      if (contains(out, l)) return false;
      for (std::size_t j = 0; j < ops.size(); ++j)
        if (j != i && contains(ops[j].labels, l)) return false;
      return true;
    });
  }
  Operand acc = ops[0];
  for (std::size_t i = 1; i < ops.size(); ++i)
    acc = contract(std::move(acc), ops[i], [&](int l) { return used_after(i, l); });
  sum_away(acc, [&](int l) { return !contains(out, l); });
  if (acc.t.dim() == 0) return acc.t;
  // Always a new tensor or a view, never the operand itself, as in PyTorch.
  std::vector<int64_t> perm;
  for (int l : out) perm.push_back(index_of(acc.labels, l));
  return acc.t.permute(perm);
}

}  // namespace ember
