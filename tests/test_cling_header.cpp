// <ember/cling.hpp> compiled by g++: everything in that header sits behind
// `#ifdef __CLING__`, so this file defines __CLING__ itself to build the cling-only code
// and check what it returns. The interpreter is not involved: its value printer calls
// `cling::printValue(&value)` and xeus-cling calls `mime_bundle_repr(value)` by ADL,
// and the checks below make those same calls.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <iterator>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>

// `#pragma cling load(...)` means nothing to g++, which ignores it and, under
// -Wunknown-pragmas (part of -Wall), says so.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunknown-pragmas"
#define __CLING__ 1
#include <ember/cling.hpp>
#undef __CLING__
#pragma GCC diagnostic pop

// Stand-ins with the signatures of the generic overloads that cling's
// RuntimePrintValue.h declares and that compete with ember's in a session: the address
// fallback, the "not representable" fallback and the printer for anything with
// begin() and end(). Each says which one overload resolution chose.
namespace cling {
inline std::string printValue(const void*) { return "<address>"; }
template <class T, class = typename std::enable_if<!std::is_pointer<T>::value>::type>
inline std::string printValue(const T&) {
  return "<not representable>";
}
template <class CollectionType>
inline auto printValue(const CollectionType* obj) -> decltype(std::begin(*obj), std::end(*obj), std::string()) {
  return "<collection>";
}
}  // namespace cling

namespace nn = ember::nn;
using ember::Tensor;

namespace {

template <class T>
std::string text_of(const T& value) {
  std::ostringstream os;
  os << value;
  return os.str();
}

struct Net : nn::Module {
  nn::Linear fc{nullptr};
  Net() : Module("Net") { fc = register_module("fc", nn::Linear(3, 2)); }
};

}  // namespace

// What xeus-cling asks of a type (xcpp::has_mime_bundle_repr): an unqualified call that
// only argument-dependent lookup can resolve, from a namespace that declares no
// mime_bundle_repr of its own.
namespace display_lookup {
template <class T, class = void>
struct has_mime_bundle_repr : std::false_type {};
template <class T>
struct has_mime_bundle_repr<T, std::void_t<decltype(mime_bundle_repr(std::declval<T>()))>> : std::true_type {};

template <class T>
nlohmann::json bundle(const T& value) {
  return mime_bundle_repr(value);
}
}  // namespace display_lookup

TEST_CASE("cling: a tensor prints as operator<< prints it", "[cling]") {
  Tensor t = ember::tensor({{1.0, -2.5}, {3.0, 4.0}}, ember::requires_grad());
  Tensor* p = &t;  // cling passes a pointer to the value's own type, const or not
  const Tensor* cp = &t;
  CHECK(cling::printValue(p) == text_of(t));
  CHECK(cling::printValue(cp) == text_of(t));
  CHECK(cling::printValue(p).rfind("tensor([[", 0) == 0);
  Tensor undefined;
  CHECK(cling::printValue(&undefined) == text_of(undefined));
}

TEST_CASE("cling: item() scalars print as Python prints the number", "[cling]") {
  // Expected texts: Python's repr of the same doubles.
  auto repr = [](ember::Scalar s) { return cling::printValue(&s); };
  CHECK(repr(ember::Scalar(0.5)) == "0.5");
  CHECK(repr(ember::Scalar(2.0)) == "2.0");
  CHECK(repr(ember::Scalar(100.0)) == "100.0");
  CHECK(repr(ember::Scalar(1e-5)) == "1e-05");
  CHECK(repr(ember::Scalar(2.5e-7)) == "2.5e-07");
  CHECK(repr(ember::Scalar(0.0001)) == "0.0001");
  CHECK(repr(ember::Scalar(1e15)) == "1000000000000000.0");
  CHECK(repr(ember::Scalar(1e16)) == "1e+16");
  CHECK(repr(ember::Scalar(1.5e16)) == "1.5e+16");
  CHECK(repr(ember::Scalar(1.0 / 3.0)) == "0.3333333333333333");
  CHECK(repr(ember::Scalar(123456789.0)) == "123456789.0");
  CHECK(repr(ember::Scalar(-0.0)) == "-0.0");
  CHECK(repr(ember::Scalar(std::numeric_limits<double>::infinity())) == "inf");
  CHECK(repr(ember::Scalar(std::numeric_limits<double>::quiet_NaN())) == "nan");
  CHECK(repr(ember::Scalar(int64_t{-3})) == "-3");
  CHECK(repr(ember::Scalar(true)) == "True");
  // A float32 element widened to double, as Python's float(torch.tensor(0.1)).
  CHECK(repr(ember::tensor({0.1}, ember::kFloat32).item()) == "0.10000000149011612");
  CHECK(repr(ember::tensor({7}).item()) == "7");
}

TEST_CASE("cling: modules, holders and containers print their structure", "[cling]") {
  nn::Linear lin(4, 3);
  const std::string lin_text = text_of(*lin);
  nn::Linear* lp = &lin;
  const nn::Linear* clp = &lin;
  CHECK(cling::printValue(lp) == lin_text);
  CHECK(cling::printValue(clp) == lin_text);
  CHECK(cling::printValue(lin.get()) == lin_text);  // the LinearImpl itself

  // Sequential has begin() and end(): ember's overloads must win over the collection
  // printer, for the holder and for the module, const or not.
  nn::Sequential seq(nn::Linear(4, 3), nn::ReLU());
  const std::string seq_text = text_of(*seq);
  REQUIRE(seq_text.find("(0): Linear") != std::string::npos);
  nn::SequentialImpl* sp = seq.get();
  const nn::SequentialImpl* csp = seq.get();
  CHECK(cling::printValue(&seq) == seq_text);
  CHECK(cling::printValue(sp) == seq_text);
  CHECK(cling::printValue(csp) == seq_text);
  nn::ModuleList list;
  list->push_back(nn::ReLU());
  const nn::ModuleListImpl* clist = list.get();
  CHECK(cling::printValue(list.get()) == text_of(*list));
  CHECK(cling::printValue(clist) == text_of(*list));

  // A user's module, as a value and through a base pointer type.
  Net net;
  const std::string net_text = text_of(static_cast<const nn::Module&>(net));
  REQUIRE(net_text.find("(fc): Linear(in_features=3, out_features=2, bias=True)") != std::string::npos);
  CHECK(cling::printValue(&net) == net_text);
  const nn::Module* base = &net;
  CHECK(cling::printValue(base) == net_text);

  nn::Linear empty{nullptr};
  CHECK(cling::printValue(&empty) == "nullptr");
}

TEST_CASE("cling: xeus-cling finds a rich display for tensors and modules", "[cling]") {
  using display_lookup::has_mime_bundle_repr;
  CHECK(has_mime_bundle_repr<Tensor>::value);
  CHECK(has_mime_bundle_repr<Net>::value);
  CHECK(has_mime_bundle_repr<nn::Linear>::value);
  CHECK(has_mime_bundle_repr<nn::Sequential>::value);
  CHECK(has_mime_bundle_repr<std::shared_ptr<Net>>::value);
  // No bundle for what has no HTML form: xeus-cling falls back to printValue.
  CHECK_FALSE(has_mime_bundle_repr<ember::Scalar>::value);
  CHECK_FALSE(has_mime_bundle_repr<std::shared_ptr<int>>::value);

  Tensor t = ember::arange(6).reshape({2, 3});
  nlohmann::json b = display_lookup::bundle(t);
  CHECK(b.size() == 2);
  CHECK(b["text/plain"] == text_of(t));
  CHECK(b["text/html"] == ember::repr_html(t));

  auto net = std::make_shared<Net>();
  const std::string net_text = text_of(static_cast<const nn::Module&>(*net));
  for (const nlohmann::json& m : {display_lookup::bundle(*net), display_lookup::bundle(net)}) {
    CHECK(m["text/plain"] == net_text);
    CHECK(m["text/html"] == nn::repr_html(*net));
  }

  nn::Linear lin(2, 2);
  nlohmann::json l = display_lookup::bundle(lin);
  CHECK(l["text/plain"] == text_of(*lin));
  CHECK(l["text/html"] == nn::repr_html(*lin));

  nn::Linear empty{nullptr};
  nlohmann::json e = display_lookup::bundle(empty);
  CHECK(e == nlohmann::json{{"text/plain", "nullptr"}});
}
