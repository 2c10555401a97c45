// An insertion-ordered map with string keys, like Python's dict / collections.OrderedDict,
// with LibTorch's torch::OrderedDict interface too: items with key() and value(),
// indexing by position, front()/back(), pop(), update(). StateDict (name -> tensor) is
// what modules, optimizers and checkpoints exchange.
#pragma once
#include <cstddef>
#include <sstream>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ember/error.hpp"
#include "ember/tensor.hpp"

namespace ember {

// One entry: a (key, value) pair, so `auto& [name, value] : dict` and .first/.second
// work, with LibTorch's key()/value() accessors as well.
template <class K, class V>
struct BasicOrderedDictItem : std::pair<K, V> {
  using std::pair<K, V>::pair;
  const K& key() const { return this->first; }
  V& value() { return this->second; }
  const V& value() const { return this->second; }
  std::pair<K, V>& pair() { return *this; }
  const std::pair<K, V>& pair() const { return *this; }
  V& operator*() { return this->second; }
  const V& operator*() const { return this->second; }
  V* operator->() { return &this->second; }
  const V* operator->() const { return &this->second; }
};
template <class V>
using OrderedDictItem = BasicOrderedDictItem<std::string, V>;

// The dict itself, keyed by K (std::string everywhere in ember). Spelled OrderedDict<V> (string
// keys) or, as in LibTorch, OrderedDict<K, V>; both name this class.
template <class K, class V>
class BasicOrderedDict {
 public:
  using Item = BasicOrderedDictItem<K, V>;
  using Key = K;
  using Value = V;
  using iterator = typename std::vector<Item>::iterator;
  using const_iterator = typename std::vector<Item>::const_iterator;
  using Iterator = iterator;
  using ConstIterator = const_iterator;

  BasicOrderedDict() = default;
  // What error messages call a key ("Parameter 'fc.weight' is not defined"); LibTorch's
  // key_description, "Key" unless given.
  explicit BasicOrderedDict(std::string key_description) : key_description_(std::move(key_description)) {}
  BasicOrderedDict(std::initializer_list<std::pair<K, V>> items) {
    reserve(items.size());
    for (const auto& it : items) insert(it.first, it.second);
  }

  // Adds a new key at the end; "<Key> 'k' already defined" if the key is already there.
  V& insert(const K& key, V value) {
    if (index_.count(key)) throw Error("OrderedDict::insert: " + describe(key) + " already defined");
    index_.emplace(key, items_.size());
    items_.emplace_back(key, std::move(value));
    return items_.back().second;
  }
  // Sets a key, adding it at the end if new (Python's d[key] = value).
  V& set(const K& key, V value) {
    auto it = index_.find(key);
    if (it == index_.end()) return insert(key, std::move(value));
    return items_[it->second].second = std::move(value);
  }
  // The value of a present key; "<Key> 'k' is not defined" otherwise (LibTorch's dict[key];
  // use set() or insert() to add a key).
  V& operator[](const K& key) { return at(key); }
  const V& operator[](const K& key) const { return at(key); }
  const V& at(const K& key) const {
    auto it = index_.find(key);
    if (it == index_.end()) throw Error("OrderedDict: " + describe(key) + " is not defined");
    return items_[it->second].second;
  }
  V& at(const K& key) { return const_cast<V&>(static_cast<const BasicOrderedDict&>(*this).at(key)); }
  const V* find(const K& key) const {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &items_[it->second].second;
  }
  V* find(const K& key) { return const_cast<V*>(static_cast<const BasicOrderedDict&>(*this).find(key)); }
  bool contains(const K& key) const { return index_.count(key) != 0; }
  // The item at a position, in insertion order (LibTorch's dict[index]).
  Item& operator[](std::size_t index) { return items_[checked(index, "[]")]; }
  const Item& operator[](std::size_t index) const { return items_[checked(index, "[]")]; }
  Item& front() { return items_[nonempty("front")]; }
  const Item& front() const { return items_[nonempty("front")]; }
  Item& back() { return items_[nonempty("back") + items_.size() - 1]; }
  const Item& back() const { return items_[nonempty("back") + items_.size() - 1]; }
  // Removes a key and returns its value; an ember::Error when it is missing.
  V pop(const K& key) {
    V value = at(key);
    erase(key);
    return value;
  }
  // Inserts every item of `other`; a key already present is an error, as insert.
  void update(const BasicOrderedDict& other) {
    reserve(size() + other.size());
    for (const Item& it : other) insert(it.key(), it.value());
  }
  void update(BasicOrderedDict&& other) {
    reserve(size() + other.size());
    for (Item& it : other) insert(it.key(), std::move(it.value()));
  }
  void reserve(std::size_t n) {
    items_.reserve(n);
    index_.reserve(n);
  }
  const std::string& key_description() const { return key_description_; }
  // Removes a key, keeping the order of the others; false if it was not there.
  bool erase(const K& key) {
    auto it = index_.find(key);
    if (it == index_.end()) return false;
    const std::size_t removed = it->second;
    index_.erase(it);
    items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(removed));
    for (auto& entry : index_)
      if (entry.second > removed) --entry.second;
    return true;
  }
  void clear() {
    items_.clear();
    index_.clear();
  }

  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  bool is_empty() const { return items_.empty(); }
  std::vector<K> keys() const {
    std::vector<K> k;
    k.reserve(items_.size());
    for (const Item& it : items_) k.push_back(it.first);
    return k;
  }
  std::vector<V> values() const {
    std::vector<V> v;
    v.reserve(items_.size());
    for (const Item& it : items_) v.push_back(it.second);
    return v;
  }
  std::vector<std::pair<K, V>> pairs() const {
    std::vector<std::pair<K, V>> p;
    p.reserve(items_.size());
    for (const Item& it : items_) p.push_back(it.pair());
    return p;
  }
  const std::vector<Item>& items() const { return items_; }

  iterator begin() { return items_.begin(); }
  iterator end() { return items_.end(); }
  const_iterator begin() const { return items_.begin(); }
  const_iterator end() const { return items_.end(); }

  // Same keys with equal values in the same order (needs V == V).
  friend bool operator==(const BasicOrderedDict& a, const BasicOrderedDict& b) {
    if (a.items_.size() != b.items_.size()) return false;
    for (std::size_t i = 0; i < a.items_.size(); ++i)
      if (!(a.items_[i].first == b.items_[i].first) || !(a.items_[i].second == b.items_[i].second)) return false;
    return true;
  }
  friend bool operator!=(const BasicOrderedDict& a, const BasicOrderedDict& b) { return !(a == b); }

 private:
  std::string describe(const K& key) const {
    std::ostringstream s;
    s << key_description_ << " '" << key << "'";
    return s.str();
  }
  std::size_t checked(std::size_t index, const char* op) const {
    if (index >= items_.size())
      throw Error("OrderedDict::" + std::string(op) + ": Index " + std::to_string(index) +
                  " is out of bounds (out of range for a dict of " + std::to_string(items_.size()) + " items)");
    return index;
  }
  std::size_t nonempty(const char* op) const {
    if (items_.empty()) throw Error("OrderedDict: Called " + std::string(op) + "() on an empty OrderedDict");
    return 0;
  }
  std::vector<Item> items_;
  std::unordered_map<K, std::size_t> index_;
  std::string key_description_ = "Key";
};

namespace detail {
struct OrderedDictOneArgument {};
template <class A, class B>
struct OrderedDictOf {
  using type = BasicOrderedDict<A, B>;  // OrderedDict<Key, Value>, LibTorch's spelling
};
template <class V>
struct OrderedDictOf<V, OrderedDictOneArgument> {
  using type = BasicOrderedDict<std::string, V>;  // OrderedDict<Value>: string keys
};
}  // namespace detail

// OrderedDict<Tensor> and OrderedDict<std::string, Tensor> are the same type. Function
// templates must take BasicOrderedDict<K, V> to deduce V (an alias through a trait does not
// deduce).
template <class A, class B = detail::OrderedDictOneArgument>
using OrderedDict = typename detail::OrderedDictOf<A, B>::type;

// name -> tensor, in registration order: a module's parameters and buffers, an
// optimizer's state, a whole training state. Scalars (a step count, a learning rate)
// are stored as 0-dim tensors so every state fits the same checkpoint formats.
using StateDict = OrderedDict<Tensor>;

}  // namespace ember
