// ParameterList and ParameterDict: modules that only hold parameters, registered under
// their positions ("0", "1", ...) or keys, so that optimizers and state_dict see them.
//
//   nn::ParameterList list(ember::randn({2, 3}), ember::randn({4}));
//   nn::ParameterDict dict;  dict->insert("scale", ember::ones({1}));
#pragma once
#include <cstddef>
#include <iosfwd>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/nn/module.hpp"

namespace ember {
namespace nn {

class ParameterListImpl : public Module {
 public:
  ParameterListImpl() : Module("ParameterList") {}
  template <class First, class... Rest,
            std::enable_if_t<std::is_convertible<First, Tensor>::value &&
                                 std::conjunction<std::is_convertible<Rest, Tensor>...>::value,
                             int> = 0>
  explicit ParameterListImpl(First&& first, Rest&&... rest) : ParameterListImpl() {
    append(std::forward<First>(first));
    (append(std::forward<Rest>(rest)), ...);
  }
  // Registers param (requiring grad) under the next position.
  void append(const Tensor& param);
  template <class Container>
  void extend(const Container& params) {
    for (const auto& p : params) append(p);
  }
  // The parameter at idx; an ember::Error when out of range.
  Tensor& at(std::size_t idx);
  const Tensor& at(std::size_t idx) const;
  Tensor& operator[](std::size_t idx) { return at(idx); }
  const Tensor& operator[](std::size_t idx) const { return at(idx); }
  std::size_t size() const { return own_parameters().size(); }
  bool is_empty() const { return size() == 0; }
  auto begin() const { return own_parameters().begin(); }
  auto end() const { return own_parameters().end(); }
  // PyTorch's repr: "(0): Parameter containing: [torch.float32 of size 2x3]" per line.
  void pretty_print(std::ostream& os) const override;
};
EMBER_MODULE(ParameterList);

class ParameterDictImpl : public Module {
 public:
  ParameterDictImpl() : Module("ParameterDict") {}
  explicit ParameterDictImpl(const OrderedDict<Tensor>& params) : ParameterDictImpl() { update(params); }
  // Registers param (requiring grad) under key, or replaces the one there.
  void insert(const std::string& key, const Tensor& param);
  void update(const OrderedDict<Tensor>& params);
  bool contains(const std::string& key) const { return own_parameters().contains(key); }
  // The parameter under key; an ember::Error naming the key when there is none.
  const Tensor& get(const std::string& key) const;
  Tensor& get(const std::string& key);
  Tensor& operator[](const std::string& key) { return get(key); }
  const Tensor& operator[](const std::string& key) const { return get(key); }
  // Removes the parameter under key and returns it (an ember::Error naming the key when
  // there is none), and removes every parameter, as LibTorch's pop and clear.
  Tensor pop(const std::string& key);
  void clear();
  std::vector<std::string> keys() const { return own_parameters().keys(); }
  std::vector<Tensor> values() const;
  std::size_t size() const { return own_parameters().size(); }
  bool empty() const { return size() == 0; }
  auto begin() const { return own_parameters().begin(); }
  auto end() const { return own_parameters().end(); }
  // PyTorch 1.13's repr: "(key): Parameter containing: [torch.FloatTensor of size 2x3]".
  void pretty_print(std::ostream& os) const override;
};
EMBER_MODULE(ParameterDict);

}  // namespace nn
}  // namespace ember
