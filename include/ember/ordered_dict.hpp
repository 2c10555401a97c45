// An insertion-ordered map with string keys, like Python's dict / collections.OrderedDict,
// with LibTorch's torch::OrderedDict interface too: items with key() and value(),
// indexing by position, front()/back(), pop(), update(). StateDict (name -> tensor) is
// what modules, optimizers and checkpoints exchange.
#pragma once
#include <cstddef>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ember/error.hpp"
#include "ember/tensor.hpp"

namespace ember {

// One entry: a (key, value) pair, so `auto& [name, value] : dict` and .first/.second
// work, with LibTorch's key()/value() accessors as well.
template <class V>
struct OrderedDictItem : std::pair<std::string, V> {
  using std::pair<std::string, V>::pair;
  const std::string& key() const { return this->first; }
  V& value() { return this->second; }
  const V& value() const { return this->second; }
  std::pair<std::string, V>& pair() { return *this; }
  const std::pair<std::string, V>& pair() const { return *this; }
  V& operator*() { return this->second; }
  const V& operator*() const { return this->second; }
  V* operator->() { return &this->second; }
  const V* operator->() const { return &this->second; }
};

template <class V>
class OrderedDict {
 public:
  using Item = OrderedDictItem<V>;
  using Key = std::string;
  using Value = V;
  using iterator = typename std::vector<Item>::iterator;
  using const_iterator = typename std::vector<Item>::const_iterator;

  OrderedDict() = default;
  // What error messages call a key ("OrderedDict: parameter 'fc.weight' ..."); LibTorch's
  // key_description.
  explicit OrderedDict(std::string key_description) : key_description_(std::move(key_description)) {}
  OrderedDict(std::initializer_list<std::pair<std::string, V>> items) {
    for (const auto& it : items) insert(it.first, it.second);
  }

  // Adds a new key at the end; throws if the key is already there.
  V& insert(const std::string& key, V value) {
    if (index_.count(key)) throw Error("OrderedDict: " + key_description_ + " '" + key + "' already present");
    index_.emplace(key, items_.size());
    items_.emplace_back(key, std::move(value));
    return items_.back().second;
  }
  // Sets a key, adding it at the end if new.
  V& set(const std::string& key, V value) {
    auto it = index_.find(key);
    if (it == index_.end()) return insert(key, std::move(value));
    return items_[it->second].second = std::move(value);
  }
  // Like Python's d[key] = ... when new, d[key] when present.
  V& operator[](const std::string& key) {
    auto it = index_.find(key);
    if (it == index_.end()) return insert(key, V());
    return items_[it->second].second;
  }
  const V& at(const std::string& key) const {
    auto it = index_.find(key);
    if (it == index_.end()) throw Error("OrderedDict: no " + key_description_ + " '" + key + "'");
    return items_[it->second].second;
  }
  V& at(const std::string& key) { return const_cast<V&>(static_cast<const OrderedDict&>(*this).at(key)); }
  const V* find(const std::string& key) const {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &items_[it->second].second;
  }
  V* find(const std::string& key) { return const_cast<V*>(static_cast<const OrderedDict&>(*this).find(key)); }
  bool contains(const std::string& key) const { return index_.count(key) != 0; }
  // The item at a position, in insertion order (LibTorch's dict[index]).
  Item& operator[](std::size_t index) { return items_[checked(index, "[]")]; }
  const Item& operator[](std::size_t index) const { return items_[checked(index, "[]")]; }
  Item& front() { return items_[checked(0, "front")]; }
  const Item& front() const { return items_[checked(0, "front")]; }
  Item& back() { return items_[checked(items_.empty() ? 0 : items_.size() - 1, "back")]; }
  const Item& back() const { return items_[checked(items_.empty() ? 0 : items_.size() - 1, "back")]; }
  // Removes a key and returns its value; an ember::Error when it is missing.
  V pop(const std::string& key) {
    V value = at(key);
    erase(key);
    return value;
  }
  // Inserts every item of `other`; a key already present is an error, as insert.
  void update(const OrderedDict& other) {
    for (const Item& it : other) insert(it.key(), it.value());
  }
  void reserve(std::size_t n) {
    items_.reserve(n);
    index_.reserve(n);
  }
  const std::string& key_description() const { return key_description_; }
  // Removes a key, keeping the order of the others.
  bool erase(const std::string& key) {
    auto it = index_.find(key);
    if (it == index_.end()) return false;
    items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(it->second));
    rebuild_index();
    return true;
  }
  void clear() {
    items_.clear();
    index_.clear();
  }

  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  bool is_empty() const { return items_.empty(); }
  std::vector<std::string> keys() const {
    std::vector<std::string> k;
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
  const std::vector<Item>& items() const { return items_; }

  iterator begin() { return items_.begin(); }
  iterator end() { return items_.end(); }
  const_iterator begin() const { return items_.begin(); }
  const_iterator end() const { return items_.end(); }

 private:
  std::size_t checked(std::size_t index, const char* op) const {
    if (index >= items_.size())
      throw Error("OrderedDict::" + std::string(op) + ": index " + std::to_string(index) +
                  " is out of range for a dict of " + std::to_string(items_.size()) + " items");
    return index;
  }
  void rebuild_index() {
    index_.clear();
    for (std::size_t i = 0; i < items_.size(); ++i) index_.emplace(items_[i].first, i);
  }
  std::vector<Item> items_;
  std::unordered_map<std::string, std::size_t> index_;
  std::string key_description_ = "key";
};

// name -> tensor, in registration order: a module's parameters and buffers, an
// optimizer's state, a whole training state. Scalars (a step count, a learning rate)
// are stored as 0-dim tensors so every state fits the same checkpoint formats.
using StateDict = OrderedDict<Tensor>;

}  // namespace ember
