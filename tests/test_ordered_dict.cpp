// OrderedDict spelled as in LibTorch (OrderedDict<Key, Value>) and as in ember
// (OrderedDict<Value>, string keys): one type, LibTorch's interface and error texts.
#include <type_traits>

#include "helpers.hpp"

using Catch::Matchers::Contains;
using ember::Tensor;

static_assert(std::is_same<ember::OrderedDict<std::string, Tensor>, ember::OrderedDict<Tensor>>::value,
              "both spellings name one type");
static_assert(std::is_same<ember::OrderedDict<std::string, int>::Item, ember::OrderedDictItem<int>>::value,
              "items are shared too");
static_assert(std::is_same<ember::StateDict, ember::OrderedDict<std::string, Tensor>>::value, "");

// A function template that deduces the value type from either spelling.
template <class V>
static std::size_t count_items(const ember::BasicOrderedDict<std::string, V>& d) {
  return d.size();
}

TEST_CASE("OrderedDict<Key, Value> is ember's OrderedDict<Value>", "[ordered_dict]") {
  ember::OrderedDict<std::string, int> d = {{"a", 1}, {"b", 2}};
  ember::OrderedDict<int> same = d;  // no conversion: the same type
  CHECK(same.keys() == std::vector<std::string>{"a", "b"});
  CHECK(count_items(d) == 2);
  CHECK(d.key_description() == "Key");

  ember::nn::Linear fc(3, 2);
  ember::OrderedDict<std::string, Tensor> params = fc->named_parameters();
  CHECK(params.contains("weight"));
  CHECK(count_items(params) == 2);
}

TEST_CASE("OrderedDict's subscripts find keys and positions or throw LibTorch's messages", "[ordered_dict]") {
  ember::OrderedDict<std::string, int> d = {{"a", 1}, {"b", 2}};
  const auto& cd = d;
  CHECK(d["a"] == 1);
  CHECK(cd["b"] == 2);
  d["a"] = 5;  // a present key can be assigned through []
  CHECK(cd["a"] == 5);
  CHECK_THROWS_WITH(d["foo"], Contains("Key 'foo' is not defined"));
  CHECK_THROWS_WITH(cd[""], Contains("Key '' is not defined"));
  CHECK(d.size() == 2);  // a failed lookup adds nothing
  CHECK(cd[1].key() == "b");
  CHECK_THROWS_WITH(d[2], Contains("Index 2 is out of bounds"));
  CHECK_THROWS_WITH(cd[7], Contains("Index 7 is out of bounds"));

  ember::OrderedDict<int> penguins("Penguin");
  penguins.insert("a", 1);
  CHECK_THROWS_WITH(penguins["b"], Contains("Penguin 'b' is not defined"));
  CHECK_THROWS_WITH(penguins.insert("a", 1), Contains("Penguin 'a' already defined"));
  penguins.set("a", 3);  // set replaces, insert refuses
  CHECK(penguins["a"] == 3);
}

TEST_CASE("OrderedDict's front/back, erase, pairs, update and comparison", "[ordered_dict]") {
  ember::OrderedDict<std::string, int> empty;
  CHECK_THROWS_WITH(empty.front(), Contains("Called front() on an empty OrderedDict"));
  CHECK_THROWS_WITH(empty.back(), Contains("Called back() on an empty OrderedDict"));

  ember::OrderedDict<std::string, int> d = {{"a", 1}, {"b", 2}, {"c", 3}};
  CHECK(d.erase("b"));
  CHECK_FALSE(d.erase("b"));
  // Positions after the erased one move down and lookups still find them.
  CHECK(d["c"] == 3);
  CHECK(d[1].key() == "c");
  CHECK(d.pairs() == std::vector<std::pair<std::string, int>>{{"a", 1}, {"c", 3}});
  CHECK(d.values() == std::vector<int>{1, 3});

  ember::OrderedDict<std::string, int> other = {{"z", 26}};
  other.update(d);
  CHECK(other.keys() == std::vector<std::string>{"z", "a", "c"});
  CHECK_THROWS_WITH(other.update(d), Contains("Key 'a' already defined"));

  ember::OrderedDict<std::string, int> copy = d;
  CHECK(copy == d);
  copy["a"] = 0;
  CHECK(copy != d);
  CHECK(d["a"] == 1);  // the copy owns its items

  ember::OrderedDict<std::pair<int, int>> braces;
  braces.insert("p", {1, 2});
  CHECK(braces["p"].second == 2);
  braces.clear();
  CHECK(braces.is_empty());
}
