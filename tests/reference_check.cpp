// ember-reference-check: runs the PyTorch reference cases (tests/data/reference, format in
// its README.md) through ember's public API and compares outputs and gradients.
//
//   ember-reference-check FILE [--dtype float32|float64] [--ops PREFIX] [--verbose]
//
// Every case whose op is in the table below runs: its float inputs are converted to the
// requested dtype and require grad, the op runs, each output is compared (dtype, shape,
// values), then backward runs with the case's grad_outputs and each input's gradient is
// compared. Cases of ops not in the table are counted as skipped. The last line reads
// "N passed, N failed, N skipped"; the exit status is non-zero when any case failed.
#include <ember/ember.hpp>
#include <ember/nn/functional.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace {

using json = nlohmann::json;
using ember::Scalar;
using ember::Tensor;
using TensorList = std::vector<Tensor>;
namespace F = ember::nn::functional;

// ---------------------------------------------------------------------------------------
// An op's keyword arguments, PyTorch names; an absent one means PyTorch's default.

class Args {
 public:
  explicit Args(const json& j) : j_(j) {}

  bool has(const char* key) const { return j_.contains(key) && !j_.at(key).is_null(); }
  bool is_text(const char* key) const { return has(key) && j_.at(key).is_string(); }
  int64_t integer(const char* key) const { return need(key).get<int64_t>(); }
  int64_t integer(const char* key, int64_t fallback) const { return has(key) ? integer(key) : fallback; }
  std::optional<int64_t> maybe_integer(const char* key) const {
    return has(key) ? std::optional<int64_t>(integer(key)) : std::nullopt;
  }
  double number(const char* key, double fallback) const { return has(key) ? j_.at(key).get<double>() : fallback; }
  bool flag(const char* key, bool fallback = false) const { return has(key) ? j_.at(key).get<bool>() : fallback; }
  std::string text(const char* key, const std::string& fallback) const {
    return has(key) ? j_.at(key).get<std::string>() : fallback;
  }
  // An int or a list of ints (dim=1 and dim=[0, 2] both appear).
  std::vector<int64_t> ints(const char* key) const {
    const json& v = need(key);
    if (v.is_array()) return v.get<std::vector<int64_t>>();
    return {v.get<int64_t>()};
  }
  std::vector<int64_t> ints_or_empty(const char* key) const { return has(key) ? ints(key) : std::vector<int64_t>{}; }
  // A number keeps its kind: PyTorch's promotion depends on int vs float.
  Scalar scalar(const char* key) const {
    const json& v = need(key);
    if (v.is_boolean()) return Scalar(v.get<bool>());
    if (v.is_number_integer()) return Scalar(v.get<int64_t>());
    return Scalar(v.get<double>());
  }
  Scalar scalar(const char* key, Scalar fallback) const { return has(key) ? scalar(key) : fallback; }
  std::optional<Scalar> maybe_scalar(const char* key) const {
    return has(key) ? std::optional<Scalar>(scalar(key)) : std::nullopt;
  }

 private:
  const json& need(const char* key) const {
    if (!has(key)) throw std::runtime_error(fmt::format("the case lacks argument '{}'", key));
    return j_.at(key);
  }
  const json& j_;
};

// ---------------------------------------------------------------------------------------
// The op table: reference op name -> the ember call. The "Neural-network functions" of
// ops.md are called through ember::nn::functional.

using OpFn = std::function<TensorList(const TensorList& in, const Args& a)>;

// A vector or matrix norm's numeric order: a number, or "inf" / "-inf".
Scalar norm_order(const Args& a, double fallback) {
  if (!a.is_text("ord")) return a.has("ord") ? a.scalar("ord") : Scalar(fallback);
  return a.text("ord", "") == "inf" ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
}

#define EMBER_UNARY(NAME) \
  {#NAME, [](const TensorList& in, const Args&) { return TensorList{ember::NAME(in.at(0))}; }}
#define EMBER_BINARY(NAME) \
  {#NAME, [](const TensorList& in, const Args&) { return TensorList{ember::NAME(in.at(0), in.at(1))}; }}
// Which rows of the op table get a generic entry: those whose public function takes
// just the tensors; the others are written out below.
#define EMBER_REF_UNARY_MethodInPlace(NAME) EMBER_UNARY(NAME),
#define EMBER_REF_UNARY_Method(NAME) EMBER_UNARY(NAME),
#define EMBER_REF_UNARY_Function(NAME) EMBER_UNARY(NAME),
#define EMBER_REF_UNARY_CustomFunction(NAME)
#define EMBER_REF_UNARY_Internal(NAME)
#define EMBER_REF_BINARY_TensorScalar(NAME) EMBER_BINARY(NAME),
#define EMBER_REF_BINARY_TensorOnly(NAME) EMBER_BINARY(NAME),
#define EMBER_REF_BINARY_Custom(NAME)

const std::map<std::string, OpFn>& op_table() {
  static const std::map<std::string, OpFn> table = {
      // ---- the op table's rows of the common shapes (include/ember/detail/ops.def) ----
#define EMBER_UNARY_OP(NAME, FUNCTOR, DTYPE, GRAD, API, ...) EMBER_REF_UNARY_##API(NAME)
#define EMBER_BINARY_OP(NAME, FUNCTOR, DTYPE, GRAD, API, ...) EMBER_REF_BINARY_##API(NAME)
#define EMBER_COMPARE_OP(NAME, ENUM, OPERATOR, ONNX) EMBER_BINARY(NAME),
#include "ember/detail/ops.def"

      // ---- elementwise, one input, with arguments ----
      {"gelu", [](const TensorList& in, const Args& a) {
         return TensorList{ember::gelu(in.at(0), a.text("approximate", "none"))};
       }},
      {"softplus", [](const TensorList& in, const Args& a) {
         return TensorList{ember::softplus(in.at(0), a.scalar("beta", 1), a.scalar("threshold", 20))};
       }},
      {"pow_scalar", [](const TensorList& in, const Args& a) {
         return TensorList{ember::pow(in.at(0), a.scalar("exponent"))};
       }},
      {"clamp", [](const TensorList& in, const Args& a) {
         return TensorList{ember::clamp(in.at(0), a.maybe_scalar("min"), a.maybe_scalar("max"))};
       }},
      {"leaky_relu", [](const TensorList& in, const Args& a) {
         return TensorList{ember::leaky_relu(in.at(0), a.scalar("negative_slope", 0.01))};
       }},
      {"elu", [](const TensorList& in, const Args& a) {
         return TensorList{ember::elu(in.at(0), a.scalar("alpha", 1.0))};
       }},

      // ---- torch.special's one-input functions ----
      {"erfcx", [](const TensorList& in, const Args&) { return TensorList{ember::special::erfcx(in.at(0))}; }},
      {"i0e", [](const TensorList& in, const Args&) { return TensorList{ember::special::i0e(in.at(0))}; }},
      {"i1", [](const TensorList& in, const Args&) { return TensorList{ember::special::i1(in.at(0))}; }},
      {"i1e", [](const TensorList& in, const Args&) { return TensorList{ember::special::i1e(in.at(0))}; }},
      {"ndtri", [](const TensorList& in, const Args&) { return TensorList{ember::special::ndtri(in.at(0))}; }},
      {"log_ndtr", [](const TensorList& in, const Args&) { return TensorList{ember::special::log_ndtr(in.at(0))}; }},
      {"polygamma", [](const TensorList& in, const Args& a) {
         return TensorList{ember::polygamma(a.integer("n"), in.at(0))};
       }},
      {"mvlgamma", [](const TensorList& in, const Args& a) {
         return TensorList{ember::mvlgamma(in.at(0), a.integer("p"))};
       }},

      // ---- elementwise, two inputs ----
      {"add", [](const TensorList& in, const Args& a) {
         return TensorList{ember::add(in.at(0), in.at(1), a.scalar("alpha", 1))};
       }},
      {"sub", [](const TensorList& in, const Args& a) {
         return TensorList{ember::sub(in.at(0), in.at(1), a.scalar("alpha", 1))};
       }},
      {"where", [](const TensorList& in, const Args&) {
         return TensorList{ember::where(in.at(0), in.at(1), in.at(2))};
       }},

      // ---- reductions; no dim means all dims ----
      {"sum", [](const TensorList& in, const Args& a) {
         if (!a.has("dim") && !a.flag("keepdim")) return TensorList{ember::sum(in.at(0))};
         return TensorList{ember::sum(in.at(0), a.ints_or_empty("dim"), a.flag("keepdim"))};
       }},
      {"mean", [](const TensorList& in, const Args& a) {
         if (!a.has("dim") && !a.flag("keepdim")) return TensorList{ember::mean(in.at(0))};
         return TensorList{ember::mean(in.at(0), a.ints_or_empty("dim"), a.flag("keepdim"))};
       }},
      {"prod", [](const TensorList& in, const Args& a) {
         if (!a.has("dim")) return TensorList{ember::prod(in.at(0))};
         return TensorList{ember::prod(in.at(0), a.integer("dim"), a.flag("keepdim"))};
       }},
      {"amax", [](const TensorList& in, const Args& a) {
         return TensorList{ember::amax(in.at(0), a.ints_or_empty("dim"), a.flag("keepdim"))};
       }},
      {"amin", [](const TensorList& in, const Args& a) {
         return TensorList{ember::amin(in.at(0), a.ints_or_empty("dim"), a.flag("keepdim"))};
       }},
      {"max_dim", [](const TensorList& in, const Args& a) {
         auto [values, indices] = ember::max(in.at(0), a.integer("dim"), a.flag("keepdim"));
         return TensorList{values, indices};
       }},
      {"argmax", [](const TensorList& in, const Args& a) {
         return TensorList{ember::argmax(in.at(0), a.maybe_integer("dim"), a.flag("keepdim"))};
       }},
      {"var", [](const TensorList& in, const Args& a) {
         std::vector<int64_t> dims = a.ints_or_empty("dim");
         std::optional<ember::IntArrayRef> dim;
         if (a.has("dim")) dim = ember::IntArrayRef(dims);
         return TensorList{ember::var(in.at(0), dim, a.maybe_integer("correction"), a.flag("keepdim"))};
       }},
      {"std", [](const TensorList& in, const Args& a) {
         std::vector<int64_t> dims = a.ints_or_empty("dim");
         std::optional<ember::IntArrayRef> dim;
         if (a.has("dim")) dim = ember::IntArrayRef(dims);
         return TensorList{ember::std(in.at(0), dim, a.maybe_integer("correction"), a.flag("keepdim"))};
       }},
      {"logsumexp", [](const TensorList& in, const Args& a) {
         return TensorList{ember::logsumexp(in.at(0), a.ints("dim"), a.flag("keepdim"))};
       }},
      {"norm", [](const TensorList& in, const Args& a) {
         Scalar p = a.scalar("p", 2);
         if (!a.has("dim") && !a.flag("keepdim")) return TensorList{ember::norm(in.at(0), p)};
         return TensorList{ember::norm(in.at(0), p, a.ints_or_empty("dim"), a.flag("keepdim"))};
       }},
      {"cumsum", [](const TensorList& in, const Args& a) {
         return TensorList{ember::cumsum(in.at(0), a.integer("dim"))};
       }},
      // Listed among the neural-network functions in ops.md, but part of ember's core API.
      {"softmax", [](const TensorList& in, const Args& a) {
         return TensorList{ember::softmax(in.at(0), a.integer("dim"))};
       }},
      {"log_softmax", [](const TensorList& in, const Args& a) {
         return TensorList{ember::log_softmax(in.at(0), a.integer("dim"))};
       }},

      // ---- shape and indexing ----
      {"reshape", [](const TensorList& in, const Args& a) {
         return TensorList{ember::reshape(in.at(0), a.ints("shape"))};
       }},
      {"transpose", [](const TensorList& in, const Args& a) {
         return TensorList{ember::transpose(in.at(0), a.integer("dim0"), a.integer("dim1"))};
       }},
      {"permute", [](const TensorList& in, const Args& a) {
         return TensorList{ember::permute(in.at(0), a.ints("dims"))};
       }},
      {"expand", [](const TensorList& in, const Args& a) {
         return TensorList{ember::expand(in.at(0), a.ints("shape"))};
       }},
      {"squeeze", [](const TensorList& in, const Args& a) {
         if (!a.has("dim")) return TensorList{ember::squeeze(in.at(0))};
         return TensorList{ember::squeeze(in.at(0), a.integer("dim"))};
       }},
      {"unsqueeze", [](const TensorList& in, const Args& a) {
         return TensorList{ember::unsqueeze(in.at(0), a.integer("dim"))};
       }},
      {"flatten", [](const TensorList& in, const Args& a) {
         return TensorList{ember::flatten(in.at(0), a.integer("start_dim", 0), a.integer("end_dim", -1))};
       }},
      {"narrow", [](const TensorList& in, const Args& a) {
         return TensorList{ember::narrow(in.at(0), a.integer("dim"), a.integer("start"), a.integer("length"))};
       }},
      {"select", [](const TensorList& in, const Args& a) {
         return TensorList{ember::select(in.at(0), a.integer("dim"), a.integer("index"))};
       }},
      {"slice", [](const TensorList& in, const Args& a) {
         return TensorList{ember::slice(in.at(0), a.integer("dim", 0), a.maybe_integer("start"), a.maybe_integer("end"),
                                        a.integer("step", 1))};
       }},
      {"flip", [](const TensorList& in, const Args& a) {
         return TensorList{ember::flip(in.at(0), a.ints("dims"))};
       }},
      {"repeat", [](const TensorList& in, const Args& a) {
         return TensorList{ember::repeat(in.at(0), a.ints("repeats"))};
       }},
      {"cat", [](const TensorList& in, const Args& a) { return TensorList{ember::cat(in, a.integer("dim", 0))}; }},
      {"stack", [](const TensorList& in, const Args& a) { return TensorList{ember::stack(in, a.integer("dim", 0))}; }},
      {"split", [](const TensorList& in, const Args& a) {
         return ember::split(in.at(0), a.integer("split_size"), a.integer("dim", 0));
       }},
      {"index_select", [](const TensorList& in, const Args& a) {
         return TensorList{ember::index_select(in.at(0), a.integer("dim"), in.at(1))};
       }},
      {"gather", [](const TensorList& in, const Args& a) {
         return TensorList{ember::gather(in.at(0), a.integer("dim"), in.at(1))};
       }},
      {"scatter_add", [](const TensorList& in, const Args& a) {
         return TensorList{ember::scatter_add(in.at(0), a.integer("dim"), in.at(1), in.at(2))};
       }},
      {"masked_fill", [](const TensorList& in, const Args& a) {
         return TensorList{ember::masked_fill(in.at(0), in.at(1), a.scalar("value"))};
       }},
      {"pad", [](const TensorList& in, const Args& a) {
         return TensorList{ember::pad(in.at(0), a.ints("pad"), a.scalar("value", 0))};
       }},
      {"tril", [](const TensorList& in, const Args& a) {
         return TensorList{ember::tril(in.at(0), a.integer("diagonal", 0))};
       }},
      {"triu", [](const TensorList& in, const Args& a) {
         return TensorList{ember::triu(in.at(0), a.integer("diagonal", 0))};
       }},

      // ---- linear algebra ----
      EMBER_BINARY(matmul), EMBER_BINARY(mm), EMBER_BINARY(bmm), EMBER_BINARY(outer), EMBER_BINARY(dot),
      {"addmm", [](const TensorList& in, const Args& a) {
         return TensorList{ember::addmm(in.at(0), in.at(1), in.at(2), a.scalar("beta", 1), a.scalar("alpha", 1))};
       }},
      {"einsum", [](const TensorList& in, const Args& a) {
         return TensorList{ember::einsum(a.text("equation", ""), in)};
       }},
      // torch.linalg; a norm order is a number, "inf" / "-inf", or a matrix norm's name.
      {"linalg_det", [](const TensorList& in, const Args&) { return TensorList{ember::linalg::det(in.at(0))}; }},
      {"linalg_slogdet", [](const TensorList& in, const Args&) {
         auto [sign, logabsdet] = ember::linalg::slogdet(in.at(0));
         return TensorList{sign, logabsdet};
       }},
      {"linalg_inv", [](const TensorList& in, const Args&) { return TensorList{ember::linalg::inv(in.at(0))}; }},
      {"linalg_solve", [](const TensorList& in, const Args&) {
         return TensorList{ember::linalg::solve(in.at(0), in.at(1))};
       }},
      {"linalg_cholesky", [](const TensorList& in, const Args& a) {
         return TensorList{ember::linalg::cholesky(in.at(0), a.flag("upper"))};
       }},
      {"linalg_qr", [](const TensorList& in, const Args& a) {
         auto [q, r] = ember::linalg::qr(in.at(0), a.text("mode", "reduced"));
         return TensorList{q, r};
       }},
      {"linalg_eigvalsh", [](const TensorList& in, const Args& a) {
         return TensorList{ember::linalg::eigvalsh(in.at(0), a.text("UPLO", "L"))};
       }},
      {"linalg_svdvals", [](const TensorList& in, const Args&) { return TensorList{ember::linalg::svdvals(in.at(0))}; }},
      {"linalg_vector_norm", [](const TensorList& in, const Args& a) {
         std::vector<int64_t> dim = a.ints_or_empty("dim");
         std::optional<ember::IntArrayRef> d;
         if (a.has("dim")) d = ember::IntArrayRef(dim);
         return TensorList{ember::linalg::vector_norm(in.at(0), norm_order(a, 2), d, a.flag("keepdim"))};
       }},
      {"linalg_matrix_norm", [](const TensorList& in, const Args& a) {
         std::vector<int64_t> dim = a.has("dim") ? a.ints("dim") : std::vector<int64_t>{-2, -1};
         std::string ord = a.is_text("ord") ? a.text("ord", "") : "";
         bool named = !a.has("ord") || ord == "fro" || ord == "nuc";
         return TensorList{named ? ember::linalg::matrix_norm(in.at(0), ord, dim, a.flag("keepdim"))
                                 : ember::linalg::matrix_norm(in.at(0), norm_order(a, 2), dim, a.flag("keepdim"))};
       }},
      {"linalg_cross", [](const TensorList& in, const Args& a) {
         return TensorList{ember::linalg::cross(in.at(0), in.at(1), a.integer("dim", -1))};
       }},
      {"linalg_matrix_power", [](const TensorList& in, const Args& a) {
         return TensorList{ember::linalg::matrix_power(in.at(0), a.integer("n"))};
       }},

      // ---- neural-network functions (ember::nn::functional) ----
      {"linear", [](const TensorList& in, const Args&) { return TensorList{F::linear(in.at(0), in.at(1), in.at(2))}; }},
      {"conv1d", [](const TensorList& in, const Args& a) {
         return TensorList{F::conv1d(in.at(0), in.at(1), in.at(2), a.ints("stride"), a.ints("padding"),
                                     a.ints("dilation"), a.integer("groups", 1))};
       }},
      {"conv2d", [](const TensorList& in, const Args& a) {
         return TensorList{F::conv2d(in.at(0), in.at(1), in.at(2), a.ints("stride"), a.ints("padding"),
                                     a.ints("dilation"), a.integer("groups", 1))};
       }},
      {"conv_transpose2d", [](const TensorList& in, const Args& a) {
         return TensorList{F::conv_transpose2d(in.at(0), in.at(1), in.at(2), a.ints("stride"), a.ints("padding"),
                                               a.ints("output_padding"), a.integer("groups", 1))};
       }},
      {"conv3d", [](const TensorList& in, const Args& a) {
         return TensorList{F::conv3d(in.at(0), in.at(1), in.at(2), a.ints("stride"), a.ints("padding"),
                                     a.ints("dilation"), a.integer("groups", 1))};
       }},
      {"conv_transpose1d", [](const TensorList& in, const Args& a) {
         return TensorList{F::conv_transpose1d(in.at(0), in.at(1), in.at(2), a.ints("stride"), a.ints("padding"),
                                               a.ints("output_padding"), a.integer("groups", 1))};
       }},
      {"conv_transpose3d", [](const TensorList& in, const Args& a) {
         return TensorList{F::conv_transpose3d(in.at(0), in.at(1), in.at(2), a.ints("stride"), a.ints("padding"),
                                               a.ints("output_padding"), a.integer("groups", 1))};
       }},
      {"max_pool3d", [](const TensorList& in, const Args& a) {
         return TensorList{F::max_pool3d(in.at(0), a.ints("kernel_size"), a.ints("stride"), a.ints("padding"))};
       }},
      {"avg_pool3d", [](const TensorList& in, const Args& a) {
         return TensorList{F::avg_pool3d(in.at(0), a.ints("kernel_size"), a.ints("stride"), a.ints("padding"))};
       }},
      {"max_pool2d", [](const TensorList& in, const Args& a) {
         return TensorList{F::max_pool2d(in.at(0), a.ints("kernel_size"), a.ints("stride"), a.ints("padding"))};
       }},
      {"avg_pool2d", [](const TensorList& in, const Args& a) {
         return TensorList{F::avg_pool2d(in.at(0), a.ints("kernel_size"), a.ints("stride"), a.ints("padding"))};
       }},
      {"adaptive_avg_pool2d", [](const TensorList& in, const Args& a) {
         return TensorList{F::adaptive_avg_pool2d(in.at(0), a.ints("output_size"))};
       }},
      {"cross_entropy", [](const TensorList& in, const Args& a) {
         return TensorList{F::cross_entropy(in.at(0), in.at(1), Tensor(), a.integer("ignore_index", -100),
                                            a.text("reduction", "mean"), a.number("label_smoothing", 0.0))};
       }},
      {"nll_loss", [](const TensorList& in, const Args& a) {
         return TensorList{F::nll_loss(in.at(0), in.at(1), Tensor(), a.integer("ignore_index", -100),
                                       a.text("reduction", "mean"))};
       }},
      {"mse_loss", [](const TensorList& in, const Args& a) {
         return TensorList{F::mse_loss(in.at(0), in.at(1), a.text("reduction", "mean"))};
       }},
      {"l1_loss", [](const TensorList& in, const Args& a) {
         return TensorList{F::l1_loss(in.at(0), in.at(1), a.text("reduction", "mean"))};
       }},
      {"smooth_l1_loss", [](const TensorList& in, const Args& a) {
         return TensorList{F::smooth_l1_loss(in.at(0), in.at(1), a.text("reduction", "mean"), a.number("beta", 1.0))};
       }},
      {"binary_cross_entropy_with_logits", [](const TensorList& in, const Args& a) {
         return TensorList{F::binary_cross_entropy_with_logits(in.at(0), in.at(1), Tensor(), a.text("reduction", "mean"))};
       }},
      {"embedding", [](const TensorList& in, const Args&) { return TensorList{F::embedding(in.at(0), in.at(1))}; }},
      {"layer_norm", [](const TensorList& in, const Args& a) {
         return TensorList{F::layer_norm(in.at(0), a.ints("normalized_shape"), in.at(1), in.at(2), a.number("eps", 1e-5))};
       }},
      {"batch_norm", [](const TensorList& in, const Args& a) {
         return TensorList{F::batch_norm(in.at(0), Tensor(), Tensor(), in.at(1), in.at(2), /*training=*/true, 0.1,
                                         a.number("eps", 1e-5))};
       }},
      {"group_norm", [](const TensorList& in, const Args& a) {
         return TensorList{F::group_norm(in.at(0), a.integer("num_groups"), in.at(1), in.at(2), a.number("eps", 1e-5))};
       }},
      {"lstm_cell", [](const TensorList& in, const Args&) {
         auto [h, c] = F::lstm_cell(in.at(0), in.at(1), in.at(2), in.at(3), in.at(4), in.at(5), in.at(6));
         return TensorList{h, c};
       }},
      {"gru_cell", [](const TensorList& in, const Args&) {
         return TensorList{F::gru_cell(in.at(0), in.at(1), in.at(2), in.at(3), in.at(4), in.at(5))};
       }},
      {"scaled_dot_product_attention", [](const TensorList& in, const Args& a) {
         return TensorList{F::scaled_dot_product_attention(in.at(0), in.at(1), in.at(2), Tensor(), 0.0,
                                                           a.flag("is_causal"))};
       }},
      // ---- losses and distances of ember/nn/functional_loss.hpp ----
      {"huber_loss", [](const TensorList& in, const Args& a) {
         return TensorList{F::huber_loss(in.at(0), in.at(1), a.text("reduction", "mean"), a.number("delta", 1.0))};
       }},
      {"kl_div", [](const TensorList& in, const Args& a) {
         return TensorList{F::kl_div(in.at(0), in.at(1), a.text("reduction", "mean"), a.flag("log_target"))};
       }},
      {"poisson_nll_loss", [](const TensorList& in, const Args& a) {
         return TensorList{F::poisson_nll_loss(in.at(0), in.at(1), a.flag("log_input", true), a.flag("full"),
                                               a.number("eps", 1e-8), a.text("reduction", "mean"))};
       }},
      {"margin_ranking_loss", [](const TensorList& in, const Args& a) {
         return TensorList{F::margin_ranking_loss(in.at(0), in.at(1), in.at(2), a.number("margin", 0.0),
                                                  a.text("reduction", "mean"))};
       }},
      {"hinge_embedding_loss", [](const TensorList& in, const Args& a) {
         return TensorList{
             F::hinge_embedding_loss(in.at(0), in.at(1), a.number("margin", 1.0), a.text("reduction", "mean"))};
       }},
      // The target detached, as the reference's (PyTorch refuses its gradient).
      {"soft_margin_loss", [](const TensorList& in, const Args& a) {
         return TensorList{F::soft_margin_loss(in.at(0), in.at(1).detach(), a.text("reduction", "mean"))};
       }},
      {"cosine_embedding_loss", [](const TensorList& in, const Args& a) {
         return TensorList{F::cosine_embedding_loss(in.at(0), in.at(1), in.at(2), a.number("margin", 0.0),
                                                    a.text("reduction", "mean"))};
       }},
      // The weight detached, as the reference's (PyTorch refuses its gradient).
      {"multi_margin_loss", [](const TensorList& in, const Args& a) {
         Tensor weight = in.size() > 2 ? in.at(2).detach() : Tensor();
         return TensorList{F::multi_margin_loss(in.at(0), in.at(1), a.integer("p", 1), a.number("margin", 1.0), weight,
                                                a.text("reduction", "mean"))};
       }},
      {"multilabel_margin_loss", [](const TensorList& in, const Args& a) {
         return TensorList{F::multilabel_margin_loss(in.at(0), in.at(1), a.text("reduction", "mean"))};
       }},
      {"multilabel_soft_margin_loss", [](const TensorList& in, const Args& a) {
         return TensorList{F::multilabel_soft_margin_loss(in.at(0), in.at(1), in.size() > 2 ? in.at(2) : Tensor(),
                                                          a.text("reduction", "mean"))};
       }},
      {"triplet_margin_loss", [](const TensorList& in, const Args& a) {
         return TensorList{F::triplet_margin_loss(in.at(0), in.at(1), in.at(2), a.number("margin", 1.0),
                                                  a.number("p", 2.0), a.number("eps", 1e-6), a.flag("swap"),
                                                  a.text("reduction", "mean"))};
       }},
      {"triplet_margin_with_distance_loss", [](const TensorList& in, const Args& a) {
         std::optional<F::TripletMarginWithDistanceLossFuncOptions::distance_function_t> distance;
         if (a.text("distance", "") == "cosine")
           distance = [](const Tensor& x, const Tensor& y) { return ember::rsub(F::cosine_similarity(x, y), 1); };
         return TensorList{F::triplet_margin_with_distance_loss(in.at(0), in.at(1), in.at(2), distance,
                                                                a.number("margin", 1.0), a.flag("swap"),
                                                                a.text("reduction", "mean"))};
       }},
      {"cosine_similarity", [](const TensorList& in, const Args& a) {
         return TensorList{F::cosine_similarity(in.at(0), in.at(1), a.integer("dim", 1), a.number("eps", 1e-8))};
       }},
      {"pairwise_distance", [](const TensorList& in, const Args& a) {
         return TensorList{F::pairwise_distance(in.at(0), in.at(1), a.number("p", 2.0), a.number("eps", 1e-6),
                                                a.flag("keepdim"))};
       }},
      {"pdist", [](const TensorList& in, const Args& a) { return TensorList{F::pdist(in.at(0), a.number("p", 2.0))}; }},
      {"ctc_loss", [](const TensorList& in, const Args& a) {
         return TensorList{F::ctc_loss(ember::log_softmax(in.at(0), 2), in.at(1), in.at(2), in.at(3),
                                       a.integer("blank", 0), a.text("reduction", "mean"), a.flag("zero_infinity"))};
       }},

      // ---- activations and padding modes (ember/nn/functional_extra.hpp) ----
      {"selu", [](const TensorList& in, const Args&) { return TensorList{F::selu(in.at(0))}; }},
      {"celu", [](const TensorList& in, const Args& a) { return TensorList{F::celu(in.at(0), a.number("alpha", 1.0))}; }},
      {"hardshrink", [](const TensorList& in, const Args& a) {
         return TensorList{F::hardshrink(in.at(0), a.number("lambd", 0.5))};
       }},
      {"softshrink", [](const TensorList& in, const Args& a) {
         return TensorList{F::softshrink(in.at(0), a.number("lambd", 0.5))};
       }},
      {"hardtanh", [](const TensorList& in, const Args& a) {
         return TensorList{F::hardtanh(in.at(0), a.number("min_val", -1.0), a.number("max_val", 1.0))};
       }},
      {"relu6", [](const TensorList& in, const Args&) { return TensorList{F::relu6(in.at(0))}; }},
      {"logsigmoid", [](const TensorList& in, const Args&) { return TensorList{F::logsigmoid(in.at(0))}; }},
      {"softmin", [](const TensorList& in, const Args& a) { return TensorList{F::softmin(in.at(0), a.integer("dim"))}; }},
      {"prelu", [](const TensorList& in, const Args&) { return TensorList{F::prelu(in.at(0), in.at(1))}; }},
      {"rrelu_eval", [](const TensorList& in, const Args& a) {
         return TensorList{F::rrelu(in.at(0), a.number("lower", 1.0 / 8), a.number("upper", 1.0 / 3), false)};
       }},
      {"glu", [](const TensorList& in, const Args& a) { return TensorList{F::glu(in.at(0), a.integer("dim", -1))}; }},
      {"mish", [](const TensorList& in, const Args&) { return TensorList{F::mish(in.at(0))}; }},
      {"softsign", [](const TensorList& in, const Args&) { return TensorList{F::softsign(in.at(0))}; }},
      {"tanhshrink", [](const TensorList& in, const Args&) { return TensorList{F::tanhshrink(in.at(0))}; }},
      {"threshold", [](const TensorList& in, const Args& a) {
         return TensorList{F::threshold(in.at(0), a.number("threshold", 0), a.number("value", 0))};
       }},
      {"pad_mode", [](const TensorList& in, const Args& a) {
         return TensorList{F::pad(in.at(0), F::PadFuncOptions(a.ints("pad")).mode(a.text("mode", "constant"))
                                                .value(a.number("value", 0)))};
       }},
      {"max_pool1d", [](const TensorList& in, const Args& a) {
         return TensorList{F::max_pool1d(in.at(0), a.ints("kernel_size"), a.ints_or_empty("stride"),
                                         a.has("padding") ? a.ints("padding") : std::vector<int64_t>{0},
                                         a.has("dilation") ? a.ints("dilation") : std::vector<int64_t>{1},
                                         a.flag("ceil_mode"))};
       }},
      {"avg_pool1d", [](const TensorList& in, const Args& a) {
         return TensorList{F::avg_pool1d(in.at(0), a.ints("kernel_size"), a.ints_or_empty("stride"),
                                         a.has("padding") ? a.ints("padding") : std::vector<int64_t>{0},
                                         a.flag("ceil_mode"), a.flag("count_include_pad", true))};
       }},
      {"adaptive_avg_pool1d", [](const TensorList& in, const Args& a) {
         return TensorList{F::adaptive_avg_pool1d(in.at(0), a.ints("output_size"))};
       }},
      {"adaptive_max_pool1d", [](const TensorList& in, const Args& a) {
         return TensorList{F::adaptive_max_pool1d(in.at(0), a.ints("output_size"))};
       }},
      {"adaptive_max_pool2d", [](const TensorList& in, const Args& a) {
         return TensorList{F::adaptive_max_pool2d(in.at(0), a.ints("output_size"))};
       }},
      {"instance_norm", [](const TensorList& in, const Args& a) {
         return TensorList{F::instance_norm(in.at(0), Tensor(), Tensor(), in.size() > 1 ? in.at(1) : Tensor(),
                                            in.size() > 2 ? in.at(2) : Tensor(), true, 0.1, a.number("eps", 1e-5))};
       }},
      {"local_response_norm", [](const TensorList& in, const Args& a) {
         return TensorList{F::local_response_norm(in.at(0), a.integer("size"), a.number("alpha", 1e-4),
                                                  a.number("beta", 0.75), a.number("k", 1.0))};
       }},
      {"pixel_shuffle", [](const TensorList& in, const Args& a) {
         return TensorList{F::pixel_shuffle(in.at(0), a.integer("upscale_factor"))};
       }},
      {"pixel_unshuffle", [](const TensorList& in, const Args& a) {
         return TensorList{F::pixel_unshuffle(in.at(0), a.integer("downscale_factor"))};
       }},
      {"bilinear", [](const TensorList& in, const Args&) {
         return TensorList{F::bilinear(in.at(0), in.at(1), in.at(2), in.at(3))};
       }},

      // ---- sorting, scatters along one dim, more elementwise ops ----
      {"sort", [](const TensorList& in, const Args& a) {
         auto [v, i] = ember::sort(in.at(0), a.integer("dim", -1), a.flag("descending"));
         return TensorList{v, i};
       }},
      {"topk", [](const TensorList& in, const Args& a) {
         auto [v, i] = ember::topk(in.at(0), a.integer("k"), a.integer("dim", -1), a.flag("largest", true));
         return TensorList{v, i};
       }},
      {"scatter", [](const TensorList& in, const Args& a) {
         return TensorList{ember::scatter(in.at(0), a.integer("dim"), in.at(1), in.at(2))};
       }},
      {"index_add", [](const TensorList& in, const Args& a) {
         return TensorList{ember::index_add(in.at(0), a.integer("dim"), in.at(1), in.at(2), a.scalar("alpha", 1))};
       }},
      {"index_copy", [](const TensorList& in, const Args& a) {
         return TensorList{ember::index_copy(in.at(0), a.integer("dim"), in.at(1), in.at(2))};
       }},
      {"index_fill", [](const TensorList& in, const Args& a) {
         return TensorList{ember::index_fill(in.at(0), a.integer("dim"), in.at(1), a.scalar("value"))};
       }},
      {"lerp", [](const TensorList& in, const Args&) { return TensorList{ember::lerp(in.at(0), in.at(1), in.at(2))}; }},
      {"lerp_scalar", [](const TensorList& in, const Args& a) {
         return TensorList{ember::lerp(in.at(0), in.at(1), a.scalar("weight"))};
       }},
      {"clamp_tensor", [](const TensorList& in, const Args&) {
         return TensorList{ember::clamp(in.at(0), in.at(1), in.at(2))};
       }},
      {"cumprod", [](const TensorList& in, const Args& a) {
         return TensorList{ember::cumprod(in.at(0), a.integer("dim"))};
       }},
      {"logcumsumexp", [](const TensorList& in, const Args& a) {
         return TensorList{ember::logcumsumexp(in.at(0), a.integer("dim"))};
       }},
      {"interpolate", [](const TensorList& in, const Args& a) {
         // scale_factor: one number for every spatial dim, as the Python call takes it.
         F::InterpolateFuncOptions o;
         o.mode(a.text("mode", "nearest"));
         if (a.has("size")) o.size(a.ints("size"));
         if (a.has("scale_factor"))
           o.scale_factor(std::vector<double>(static_cast<std::size_t>(in.at(0).dim() - 2), a.number("scale_factor", 1)));
         if (a.has("align_corners")) o.align_corners(a.flag("align_corners"));
         if (a.has("recompute_scale_factor")) o.recompute_scale_factor(a.flag("recompute_scale_factor"));
         return TensorList{F::interpolate(in.at(0), o)};
       }},
  };
  return table;
}

#undef EMBER_UNARY
#undef EMBER_BINARY

// ---------------------------------------------------------------------------------------
// Tensors in the reference format, and comparing against them.

// Element type names of the format: float64 (any float), int64, bool.
enum class Kind { Float, Int, Bool };

Kind kind_of(const json& t) {
  const std::string d = t.at("dtype").get<std::string>();
  if (d == "int64") return Kind::Int;
  if (d == "bool") return Kind::Bool;
  if (d == "float64" || d == "float32") return Kind::Float;
  throw std::runtime_error("unknown dtype '" + d + "' in the case");
}

Kind kind_of(ember::Dtype d) {
  return ember::is_floating_point(d) ? Kind::Float : d == ember::kBool ? Kind::Bool : Kind::Int;
}

// A reference tensor as an ember tensor; float data in `float_dtype`.
Tensor make_tensor(const json& t, ember::Dtype float_dtype) {
  const std::vector<int64_t> shape = t.at("shape").get<std::vector<int64_t>>();
  const json& data = t.at("data");
  switch (kind_of(t)) {
    case Kind::Float: return ember::tensor(data.get<std::vector<double>>(), shape, float_dtype);
    case Kind::Int: return ember::tensor(data.get<std::vector<int64_t>>(), shape, ember::kInt64);
    case Kind::Bool: {
      std::vector<int64_t> v;
      for (const json& b : data) v.push_back(b.get<bool>() ? 1 : 0);
      return ember::tensor(v, shape, ember::kInt64).to(ember::kBool);
    }
  }
  return Tensor();
}

struct Tolerance {
  double rtol, atol;
};

// "[1, 2]" for the element at flat index i of a row-major tensor of this shape.
std::string multi_index(int64_t flat, const std::vector<int64_t>& shape) {
  std::vector<int64_t> idx(shape.size());
  for (std::size_t d = shape.size(); d-- > 0;) {
    idx[d] = shape[d] ? flat % shape[d] : 0;
    flat = shape[d] ? flat / shape[d] : 0;
  }
  return fmt::format("[{}]", fmt::join(idx, ", "));
}

const char* kind_name(Kind k) { return k == Kind::Float ? "float" : k == Kind::Int ? "int64" : "bool"; }

// Compares an ember result with a reference tensor; returns why they differ, or nothing.
// An undefined `actual` stands for zeros (a gradient that never arrived).
std::optional<std::string> compare(const Tensor& actual, const json& expected, ember::Dtype float_dtype,
                                   Tolerance tol) {
  const Kind want = kind_of(expected);
  const std::vector<int64_t> shape = expected.at("shape").get<std::vector<int64_t>>();
  std::vector<double> got;
  if (actual.defined()) {
    const ember::Dtype dt = actual.dtype();
    if (kind_of(dt) != want) return fmt::format("dtype {}, expected {}", ember::dtype_name(dt), kind_name(want));
    if (want == Kind::Float && dt != float_dtype)
      return fmt::format("dtype {}, expected {}", ember::dtype_name(dt), ember::dtype_name(float_dtype));
    if (!actual.sizes().equals(shape))
      return fmt::format("shape [{}], expected [{}]", fmt::join(actual.sizes().vec(), ", "), fmt::join(shape, ", "));
    if (want == Kind::Float) {
      got = actual.tolist<double>();
    } else {
      for (int64_t v : actual.tolist<int64_t>()) got.push_back(static_cast<double>(v));
    }
  } else {
    int64_t n = 1;
    for (int64_t s : shape) n *= s;
    got.assign(static_cast<std::size_t>(n), 0.0);
  }

  std::vector<double> want_values;
  for (const json& v : expected.at("data")) want_values.push_back(v.is_boolean() ? (v.get<bool>() ? 1 : 0) : v.get<double>());
  if (want_values.size() != got.size())
    return fmt::format("{} elements, expected {}", got.size(), want_values.size());

  // Exact for integers and bools; |got - want| <= atol + rtol * |want| for floats.
  double max_err = 0;
  int64_t first_bad = -1;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const double g = got[i], w = want_values[i];
    bool ok;
    if (want != Kind::Float) {
      ok = g == w;
    } else if (std::isnan(w) || std::isinf(w)) {
      ok = std::isnan(w) ? std::isnan(g) : g == w;
    } else {
      ok = std::fabs(g - w) <= tol.atol + tol.rtol * std::fabs(w);  // false for a NaN result
    }
    double err = std::fabs(g - w);
    if (std::isnan(err) && !ok) err = INFINITY;
    if (!ok) {
      max_err = std::max(max_err, err);
      if (first_bad < 0) first_bad = static_cast<int64_t>(i);
    }
  }
  if (first_bad < 0) return std::nullopt;
  const std::size_t b = static_cast<std::size_t>(first_bad);
  return fmt::format("{}max abs error {:.3g}; first mismatch at {}: got {:.12g}, expected {:.12g}",
                     actual.defined() ? "" : "no gradient (zeros); ", max_err, multi_index(first_bad, shape), got[b],
                     want_values[b]);
}

// ---------------------------------------------------------------------------------------
// Running one case.

struct Settings {
  ember::Dtype dtype = ember::kFloat64;
  Tolerance outputs{1e-9, 1e-12};
  Tolerance grads{1e-7, 1e-10};
};

// A reason the case failed; thrown from deep inside a case and caught per case.
struct CaseFailure {
  std::string reason;
};

// Gradients of sum_i <outputs[i], grad_outputs[i]> with respect to `inputs`; an input the
// outputs do not reach gets an undefined tensor (read as zeros). Outputs that carry no
// gradient (integer results, or no path to an input) are left out.
TensorList gradients(const TensorList& outputs, const TensorList& grad_outputs, const TensorList& inputs,
                     bool create_graph = false) {
  TensorList outs, gos;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    if (!outputs[i].defined() || !grad_outputs[i].defined() || !outputs[i].requires_grad()) continue;
    outs.push_back(outputs[i]);
    gos.push_back(grad_outputs[i]);
  }
  if (outs.empty() || inputs.empty()) return TensorList(inputs.size());
  return ember::autograd::grad(outs, inputs, gos, std::nullopt, create_graph, /*allow_unused=*/true);
}

void check(const std::optional<std::string>& mismatch, const std::string& what) {
  if (mismatch) throw CaseFailure{what + ": " + *mismatch};
}

// Runs `fn`, turning an exception into a failure that says at which step it came.
template <class F>
auto step(const char* what, F&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const ember::Error& e) {
    throw CaseFailure{fmt::format("{} threw ember::Error: {}", what, e.what())};
  } catch (const CaseFailure&) {
    throw;
  } catch (const std::exception& e) {
    throw CaseFailure{fmt::format("{} threw {}", what, e.what())};
  }
}

// First-order cases: the op's outputs, then the gradient of every input.
void run_first_order(const json& c, const OpFn& op, const Settings& s) {
  const json& in = c.at("inputs");
  const json& grads = c.at("grads");
  TensorList inputs;
  for (const json& t : in) {
    Tensor x = make_tensor(t, s.dtype);
    if (x.is_floating_point()) x.requires_grad_(true);
    inputs.push_back(x);
  }
  const Args args(c.at("args"));
  TensorList outputs = step("the op", [&] { return op(inputs, args); });

  const json& expected = c.at("outputs");
  if (outputs.size() != expected.size())
    throw CaseFailure{fmt::format("{} outputs, expected {}", outputs.size(), expected.size())};
  for (std::size_t i = 0; i < outputs.size(); ++i)
    check(compare(outputs[i], expected[i], s.dtype, s.outputs), fmt::format("output {}", i));

  // Backward only when some input has an expected gradient (not for comparisons).
  TensorList wrt;
  std::vector<std::size_t> wrt_index;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (grads.at(i).is_null() || !inputs[i].requires_grad()) continue;
    wrt.push_back(inputs[i]);
    wrt_index.push_back(i);
  }
  if (wrt.empty()) return;
  TensorList grad_outputs;
  for (const json& g : c.at("grad_outputs")) grad_outputs.push_back(g.is_null() ? Tensor() : make_tensor(g, s.dtype));
  grad_outputs.resize(outputs.size());
  TensorList got = step("backward", [&] { return gradients(outputs, grad_outputs, wrt); });
  for (std::size_t k = 0; k < wrt.size(); ++k)
    check(compare(got[k], grads.at(wrt_index[k]), s.dtype, s.grads), fmt::format("grad of input {}", wrt_index[k]));
}

// double_backward/<op>: inputs x0, ..., w. g = d/dx0 sum(op(x0, ...) * w) with
// create_graph; then the gradient of sum(g * r) with respect to every input, w included.
void run_second_order(const json& c, const OpFn& op, const Settings& s) {
  TensorList inputs;
  for (const json& t : c.at("inputs")) {
    Tensor x = make_tensor(t, s.dtype);
    if (x.is_floating_point()) x.requires_grad_(true);
    inputs.push_back(x);
  }
  if (inputs.size() < 2) throw CaseFailure{"a double_backward case needs the op's inputs and w"};
  const Tensor w = inputs.back();
  const TensorList xs(inputs.begin(), inputs.end() - 1);
  const Args args(c.at("args"));

  Tensor y = step("the op", [&] { return op(xs, args).at(0); });
  Tensor g = step("first backward", [&] {
    Tensor loss = ember::sum(ember::mul(y, w));
    Tensor gx =
        ember::autograd::grad({loss}, {xs[0]}, {}, std::nullopt, /*create_graph=*/true, /*allow_unused=*/true).at(0);
    return gx.defined() ? gx : ember::zeros_like(xs[0]);
  });
  check(compare(g, c.at("outputs").at(0), s.dtype, s.outputs), "g (the first-order gradient)");

  const Tensor r = make_tensor(c.at("grad_outputs").at(0), s.dtype);
  TensorList got = step("second backward", [&] {
    if (!g.requires_grad()) return TensorList(inputs.size());  // g is constant: all zeros
    Tensor loss = ember::sum(ember::mul(g, r));
    return ember::autograd::grad({loss}, inputs, {}, std::nullopt, false, /*allow_unused=*/true);
  });
  const json& grads = c.at("grads");
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (grads.at(i).is_null()) continue;
    check(compare(got[i], grads.at(i), s.dtype, s.grads), fmt::format("second-order grad of input {}", i));
  }
}

enum class Result { Passed, Failed, Skipped };

const std::string kSecondOrder = "double_backward/";

Result run_case(const json& c, const Settings& s, std::string& reason, std::string& op_name) {
  op_name = c.at("op").get<std::string>();
  const bool second_order = op_name.rfind(kSecondOrder, 0) == 0;
  const std::string base = second_order ? op_name.substr(kSecondOrder.size()) : op_name;
  auto it = op_table().find(base);
  if (it == op_table().end()) return Result::Skipped;
  try {
    if (second_order)
      run_second_order(c, it->second, s);
    else
      run_first_order(c, it->second, s);
  } catch (const CaseFailure& f) {
    reason = f.reason;
    return Result::Failed;
  } catch (const std::exception& e) {  // a malformed case
    reason = fmt::format("cannot run the case: {}", e.what());
    return Result::Failed;
  }
  return Result::Passed;
}

// ---------------------------------------------------------------------------------------

int usage(const char* argv0) {
  std::fprintf(stderr, "usage: %s FILE [--dtype float32|float64] [--ops PREFIX] [--verbose]\n", argv0);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string path, prefix;
  bool verbose = false;
  Settings s;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--dtype" && i + 1 < argc) {
      const std::string d = argv[++i];
      if (d == "float64") {
        s = Settings{};
      } else if (d == "float32") {
        s.dtype = ember::kFloat32;
        s.outputs = s.grads = Tolerance{1e-4, 1e-5};
      } else {
        return usage(argv[0]);
      }
    } else if (a == "--ops" && i + 1 < argc) {
      prefix = argv[++i];
    } else if (a == "--verbose" || a == "-v") {
      verbose = true;
    } else if (!a.empty() && a[0] != '-' && path.empty()) {
      path = a;
    } else {
      return usage(argv[0]);
    }
  }
  if (path.empty()) return usage(argv[0]);

  std::ifstream file(path);
  if (!file) {
    std::fprintf(stderr, "ember-reference-check: cannot open %s\n", path.c_str());
    return 2;
  }

  int passed = 0, failed = 0, skipped = 0;
  std::map<std::string, int> skipped_ops;
  std::string line;
  for (int line_no = 1; std::getline(file, line); ++line_no) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    json c;
    try {
      c = json::parse(line);
    } catch (const json::exception& e) {
      std::printf("FAIL line %d: not a JSON case: %s\n", line_no, e.what());
      ++failed;
      continue;
    }
    const std::string id = c.value("id", fmt::format("line {}", line_no));
    // Ids start with the op name, so a prefix selects an op, a family or one case.
    if (!prefix.empty() && id.rfind(prefix, 0) != 0) continue;

    std::string reason, op;
    switch (run_case(c, s, reason, op)) {
      case Result::Passed:
        ++passed;
        if (verbose) std::printf("ok   %s\n", id.c_str());
        break;
      case Result::Failed:
        ++failed;
        std::printf("FAIL %s: %s\n", id.c_str(), reason.c_str());
        break;
      case Result::Skipped:
        ++skipped;
        ++skipped_ops[op];
        if (verbose) std::printf("skip %s: ember has no '%s' in the reference table\n", id.c_str(), op.c_str());
        break;
    }
  }

  if (!skipped_ops.empty()) {
    std::vector<std::string> names;
    for (const auto& [op, n] : skipped_ops) names.push_back(fmt::format("{} ({})", op, n));
    std::printf("skipped ops not in the table: %s\n", fmt::format("{}", fmt::join(names, ", ")).c_str());
  }
  std::printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
  return failed ? 1 : 0;
}
