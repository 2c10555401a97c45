// An insertion-ordered map with string keys, like Python's dict / collections.OrderedDict.
// StateDict (name -> tensor) is what modules, optimizers and checkpoints exchange.
#pragma once
#include <cstddef>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ember/error.hpp"
#include "ember/tensor.hpp"

namespace ember {

template <class V>
class OrderedDict {
 public:
  using Item = std::pair<std::string, V>;
  using iterator = typename std::vector<Item>::iterator;
  using const_iterator = typename std::vector<Item>::const_iterator;

  OrderedDict() = default;
  OrderedDict(std::initializer_list<Item> items) {
    for (const Item& it : items) insert(it.first, it.second);
  }

  // Adds a new key at the end; throws if the key is already there.
  V& insert(const std::string& key, V value) {
    if (index_.count(key)) throw Error("OrderedDict: key '" + key + "' already present");
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
    if (it == index_.end()) throw Error("OrderedDict: no key '" + key + "'");
    return items_[it->second].second;
  }
  V& at(const std::string& key) { return const_cast<V&>(static_cast<const OrderedDict&>(*this).at(key)); }
  const V* find(const std::string& key) const {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &items_[it->second].second;
  }
  V* find(const std::string& key) { return const_cast<V*>(static_cast<const OrderedDict&>(*this).find(key)); }
  bool contains(const std::string& key) const { return index_.count(key) != 0; }
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
  void rebuild_index() {
    index_.clear();
    for (std::size_t i = 0; i < items_.size(); ++i) index_.emplace(items_[i].first, i);
  }
  std::vector<Item> items_;
  std::unordered_map<std::string, std::size_t> index_;
};

// name -> tensor, in registration order: a module's parameters and buffers, an
// optimizer's state, a whole training state. Scalars (a step count, a learning rate)
// are stored as 0-dim tensors so every state fits the same checkpoint formats.
using StateDict = OrderedDict<Tensor>;

}  // namespace ember
