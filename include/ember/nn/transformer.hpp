// torch.nn.Transformer and its parts, in LibTorch's spelling, with PyTorch 1.13's
// options (layer_norm_eps, batch_first, norm_first) beside LibTorch's:
//
//   nn::TransformerEncoderLayer layer(nn::TransformerEncoderLayerOptions(512, 8).dropout(0.1));
//   nn::TransformerEncoder encoder(nn::TransformerEncoderOptions(layer, 6).norm(nn::LayerNorm(512)));
//   Tensor y = encoder(src, /*src_mask=*/{}, /*src_key_padding_mask=*/pad);
//
//   nn::Transformer model(nn::TransformerOptions(512, 8, 6, 6));
//   Tensor out = model(src, tgt, {}, nn::TransformerImpl::generate_square_subsequent_mask(tgt.size(0)));
//
// Shapes are sequence-first ([S, N, E]) unless batch_first ([N, S, E]); unbatched
// [S, E] works too. Masks are MultiheadAttention's: attn masks [L, S] or
// [N * nhead, L, S] (bool true forbids, float is added), key padding masks [N, S]
// (bool true ignores that position, float is added).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>

#include "ember/enum.hpp"
#include "ember/nn/attention.hpp"
#include "ember/nn/container.hpp"
#include "ember/nn/module.hpp"
#include "ember/nn/modules.hpp"

namespace ember {
namespace nn {

// The feed-forward activation: kReLU, kGELU (or "relu", "gelu"), or any function of a
// tensor (LibTorch's activation_t).
class TransformerActivation {
 public:
  TransformerActivation(enumtype::kReLU) : name_("relu") {}
  TransformerActivation(enumtype::kGELU) : name_("gelu") {}
  // "relu" or "gelu"; anything else is an ember::Error naming it.
  TransformerActivation(const std::string& name);
  TransformerActivation(const char* name) : TransformerActivation(std::string(name)) {}
  // A function, lambda or functor of a tensor.
  template <class Fn, std::enable_if_t<std::is_invocable_r<Tensor, Fn, const Tensor&>::value, int> = 0>
  TransformerActivation(Fn fn) : name_("function"), fn_(std::move(fn)) {}
  // "relu", "gelu" or "function".
  const std::string& name() const { return name_; }
  Tensor operator()(const Tensor& x) const;

 private:
  std::string name_;
  std::function<Tensor(const Tensor&)> fn_;
};
using activation_t = TransformerActivation;

struct TransformerEncoderLayerOptions {
  TransformerEncoderLayerOptions(int64_t d_model, int64_t nhead) : d_model_(d_model), nhead_(nhead) {}
  EMBER_ARG(int64_t, d_model);
  EMBER_ARG(int64_t, nhead);
  EMBER_ARG(int64_t, dim_feedforward) = 2048;
  EMBER_ARG(double, dropout) = 0.1;
  EMBER_ARG(activation_t, activation) = kReLU;
  EMBER_ARG(double, layer_norm_eps) = 1e-5;
  EMBER_ARG(bool, batch_first) = false;
  // Layer norm before each block (x + block(norm(x))) instead of after (norm(x + block(x))).
  EMBER_ARG(bool, norm_first) = false;
};

struct TransformerDecoderLayerOptions {
  TransformerDecoderLayerOptions(int64_t d_model, int64_t nhead) : d_model_(d_model), nhead_(nhead) {}
  EMBER_ARG(int64_t, d_model);
  EMBER_ARG(int64_t, nhead);
  EMBER_ARG(int64_t, dim_feedforward) = 2048;
  EMBER_ARG(double, dropout) = 0.1;
  EMBER_ARG(activation_t, activation) = kReLU;
  EMBER_ARG(double, layer_norm_eps) = 1e-5;
  EMBER_ARG(bool, batch_first) = false;
  EMBER_ARG(bool, norm_first) = false;
};

// Self-attention then a feed-forward block (linear1, activation, dropout, linear2), each
// with a residual connection, dropout and layer norm. Submodules are registered in
// PyTorch's order, so state_dict keys and order are PyTorch's.
class TransformerEncoderLayerImpl : public Module {
 public:
  TransformerEncoderLayerImpl(int64_t d_model, int64_t nhead)
      : TransformerEncoderLayerImpl(TransformerEncoderLayerOptions(d_model, nhead)) {}
  explicit TransformerEncoderLayerImpl(const TransformerEncoderLayerOptions& options);
  // forward(src) alone is the override that Sequential and hooks call.
  Tensor forward(const Tensor& src, const Tensor& src_mask, const Tensor& src_key_padding_mask = {});
  Tensor forward(const Tensor& src) override { return forward(src, Tensor(), Tensor()); }
  void reset_parameters();

  TransformerEncoderLayerOptions options;
  MultiheadAttention self_attn{nullptr};
  Linear linear1{nullptr};
  Dropout dropout{nullptr};
  Linear linear2{nullptr};
  LayerNorm norm1{nullptr};
  LayerNorm norm2{nullptr};
  Dropout dropout1{nullptr};
  Dropout dropout2{nullptr};
};
EMBER_MODULE(TransformerEncoderLayer);

// Self-attention over tgt, attention from tgt to memory, then the feed-forward block.
class TransformerDecoderLayerImpl : public Module {
 public:
  TransformerDecoderLayerImpl(int64_t d_model, int64_t nhead)
      : TransformerDecoderLayerImpl(TransformerDecoderLayerOptions(d_model, nhead)) {}
  explicit TransformerDecoderLayerImpl(const TransformerDecoderLayerOptions& options);
  Tensor forward(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask = {}, const Tensor& memory_mask = {},
                 const Tensor& tgt_key_padding_mask = {}, const Tensor& memory_key_padding_mask = {});
  void reset_parameters();

  TransformerDecoderLayerOptions options;
  MultiheadAttention self_attn{nullptr};
  Dropout dropout1{nullptr};
  LayerNorm norm1{nullptr};
  MultiheadAttention multihead_attn{nullptr};
  Dropout dropout2{nullptr};
  LayerNorm norm2{nullptr};
  Linear linear1{nullptr};
  Dropout dropout{nullptr};
  Linear linear2{nullptr};
  Dropout dropout3{nullptr};
  LayerNorm norm3{nullptr};
};
EMBER_MODULE(TransformerDecoderLayer);

struct TransformerEncoderOptions {
  // num_layers copies of encoder_layer (its current parameters, dtype and mode).
  TransformerEncoderOptions(TransformerEncoderLayer encoder_layer, int64_t num_layers)
      : encoder_layer_(std::move(encoder_layer)), num_layers_(num_layers) {}
  TransformerEncoderOptions(const TransformerEncoderLayerOptions& encoder_layer_options, int64_t num_layers)
      : encoder_layer_(encoder_layer_options), num_layers_(num_layers) {}
  EMBER_ARG(TransformerEncoderLayer, encoder_layer) = nullptr;
  EMBER_ARG(int64_t, num_layers);
  // Applied to the last layer's output when set (any module with forward(Tensor)).
  EMBER_ARG(std::shared_ptr<Module>, norm);
};

struct TransformerDecoderOptions {
  TransformerDecoderOptions(TransformerDecoderLayer decoder_layer, int64_t num_layers)
      : decoder_layer_(std::move(decoder_layer)), num_layers_(num_layers) {}
  TransformerDecoderOptions(const TransformerDecoderLayerOptions& decoder_layer_options, int64_t num_layers)
      : decoder_layer_(decoder_layer_options), num_layers_(num_layers) {}
  EMBER_ARG(TransformerDecoderLayer, decoder_layer) = nullptr;
  EMBER_ARG(int64_t, num_layers);
  EMBER_ARG(std::shared_ptr<Module>, norm);
};

// A stack of encoder layers (children layers.0, layers.1, ...; then norm).
class TransformerEncoderImpl : public Module {
 public:
  TransformerEncoderImpl(TransformerEncoderLayer encoder_layer, int64_t num_layers)
      : TransformerEncoderImpl(TransformerEncoderOptions(std::move(encoder_layer), num_layers)) {}
  explicit TransformerEncoderImpl(TransformerEncoderOptions options);
  // forward(src) alone is the override that Sequential and hooks call.
  Tensor forward(const Tensor& src, const Tensor& src_mask, const Tensor& src_key_padding_mask = {});
  Tensor forward(const Tensor& src) override { return forward(src, Tensor(), Tensor()); }
  void reset_parameters();

  TransformerEncoderOptions options;
  ModuleList layers{nullptr};
  std::shared_ptr<Module> norm;
};
EMBER_MODULE(TransformerEncoder);

class TransformerDecoderImpl : public Module {
 public:
  TransformerDecoderImpl(TransformerDecoderLayer decoder_layer, int64_t num_layers)
      : TransformerDecoderImpl(TransformerDecoderOptions(std::move(decoder_layer), num_layers)) {}
  explicit TransformerDecoderImpl(TransformerDecoderOptions options);
  Tensor forward(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask = {}, const Tensor& memory_mask = {},
                 const Tensor& tgt_key_padding_mask = {}, const Tensor& memory_key_padding_mask = {});
  void reset_parameters();

  TransformerDecoderOptions options;
  ModuleList layers{nullptr};
  std::shared_ptr<Module> norm;
};
EMBER_MODULE(TransformerDecoder);

struct TransformerOptions {
  TransformerOptions() = default;
  TransformerOptions(int64_t d_model, int64_t nhead) : d_model_(d_model), nhead_(nhead) {}
  TransformerOptions(int64_t d_model, int64_t nhead, int64_t num_encoder_layers, int64_t num_decoder_layers)
      : d_model_(d_model),
        nhead_(nhead),
        num_encoder_layers_(num_encoder_layers),
        num_decoder_layers_(num_decoder_layers) {}
  EMBER_ARG(int64_t, d_model) = 512;
  EMBER_ARG(int64_t, nhead) = 8;
  EMBER_ARG(int64_t, num_encoder_layers) = 6;
  EMBER_ARG(int64_t, num_decoder_layers) = 6;
  EMBER_ARG(int64_t, dim_feedforward) = 2048;
  EMBER_ARG(double, dropout) = 0.1;
  EMBER_ARG(activation_t, activation) = kReLU;
  // Used instead of the built encoder / decoder when set (LibTorch takes any module here;
  // ember takes these two types, whose forward has the masks).
  EMBER_ARG(TransformerEncoder, custom_encoder) = nullptr;
  EMBER_ARG(TransformerDecoder, custom_decoder) = nullptr;
  EMBER_ARG(double, layer_norm_eps) = 1e-5;
  EMBER_ARG(bool, batch_first) = false;
  EMBER_ARG(bool, norm_first) = false;
};

// An encoder (with a final LayerNorm) and a decoder (with one): the output is
// decoder(tgt, encoder(src)). Parameters of more than one dim start xavier-uniform.
class TransformerImpl : public Module {
 public:
  explicit TransformerImpl(TransformerOptions options);
  // src [S, N, E], tgt [T, N, E] (batch_first: [N, S, E], [N, T, E]); unbatched [S, E],
  // [T, E]. Returns [T, N, E] (or tgt's layout).
  Tensor forward(const Tensor& src, const Tensor& tgt, const Tensor& src_mask = {}, const Tensor& tgt_mask = {},
                 const Tensor& memory_mask = {}, const Tensor& src_key_padding_mask = {},
                 const Tensor& tgt_key_padding_mask = {}, const Tensor& memory_key_padding_mask = {});
  void reset_parameters();
  // [sz, sz] of the default float dtype: -inf above the diagonal, 0 on and below it, so
  // that position i attends only to positions up to i.
  static Tensor generate_square_subsequent_mask(int64_t sz);

  TransformerOptions options;
  TransformerEncoder encoder{nullptr};
  TransformerDecoder decoder{nullptr};
};
EMBER_MODULE(Transformer);

}  // namespace nn
}  // namespace ember
