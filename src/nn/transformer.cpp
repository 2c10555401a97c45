// The Transformer modules, following PyTorch 1.13's torch/nn/modules/transformer.py:
// the layers compose MultiheadAttention, Linear, Dropout and LayerNorm; the encoder and
// decoder stack copies of one layer.
#include "ember/nn/transformer.hpp"

#include <limits>

#include "ember/autograd.hpp"
#include "ember/creation.hpp"
#include "ember/functions.hpp"
#include "ember/nn/init.hpp"
#include "src/core/check.hpp"

namespace ember {
namespace nn {

TransformerActivation::TransformerActivation(const std::string& name) : name_(name) {
  EMBER_CHECK(name == "relu" || name == "gelu", "Transformer: activation should be relu or gelu, not \"{}\"", name);
}

Tensor TransformerActivation::operator()(const Tensor& x) const {
  if (name_ == "relu") return ember::relu(x);
  if (name_ == "gelu") return ember::gelu(x);
  EMBER_CHECK(static_cast<bool>(fn_), "Transformer: the activation function is empty");
  return fn_(x);
}

namespace {

// What both layers check of their options.
void check_layer_options(const char* layer, int64_t d_model, int64_t nhead, int64_t dim_feedforward, double dropout) {
  EMBER_CHECK(d_model > 0 && nhead > 0, "{}: d_model and nhead must be positive, got {} and {}", layer, d_model, nhead);
  EMBER_CHECK(d_model % nhead == 0, "{}: d_model {} must be divisible by nhead {}", layer, d_model, nhead);
  EMBER_CHECK(dim_feedforward > 0, "{}: dim_feedforward must be positive, got {}", layer, dim_feedforward);
  EMBER_CHECK(dropout >= 0 && dropout <= 1, "{}: dropout must be in [0, 1], got {}", layer, dropout);
}

// A sequence input: [S, N, E] / [N, S, E] or unbatched [S, E], with E = d_model.
void check_sequence(const char* layer, const char* name, const Tensor& x, int64_t d_model, bool batch_first) {
  EMBER_CHECK(x.defined(), "{}: {} is undefined", layer, name);
  EMBER_CHECK((x.dim() == 3 || x.dim() == 2) && x.size(-1) == d_model,
              "{}: expected {} of shape {} or unbatched [S, E] with E = d_model = {}, got {}", layer, name,
              batch_first ? "[N, S, E]" : "[S, N, E]", d_model, x.sizes());
}

// Python's copy.deepcopy of a layer: the same options, parameters, dtype and mode.
template <class Layer>
Layer copy_layer(const Layer& prototype) {
  Layer copy(prototype->options);
  std::vector<Tensor> params = prototype->parameters();
  if (!params.empty()) copy->to(params.front().dtype());
  copy->load_state_dict(prototype->state_dict());
  copy->train(prototype->is_training());
  return copy;
}

// xavier_uniform_ on every parameter of more than one dim (PyTorch's
// Transformer._reset_parameters).
void xavier_matrices(Module& m) {
  for (Tensor& p : m.parameters())
    if (p.dim() > 1) init::xavier_uniform_(p);
}

}  // namespace

// ---------------------------------------------------------------- TransformerEncoderLayer

TransformerEncoderLayerImpl::TransformerEncoderLayerImpl(const TransformerEncoderLayerOptions& options_)
    : Module("TransformerEncoderLayer"), options(options_) {
  const int64_t E = options.d_model();
  check_layer_options("TransformerEncoderLayer", E, options.nhead(), options.dim_feedforward(), options.dropout());
  self_attn = register_module("self_attn", MultiheadAttention(MultiheadAttentionOptions(E, options.nhead())
                                                                  .dropout(options.dropout())
                                                                  .batch_first(options.batch_first())));
  linear1 = register_module("linear1", Linear(E, options.dim_feedforward()));
  dropout = register_module("dropout", Dropout(options.dropout()));
  linear2 = register_module("linear2", Linear(options.dim_feedforward(), E));
  norm1 = register_module("norm1", LayerNorm(LayerNormOptions(E).eps(options.layer_norm_eps())));
  norm2 = register_module("norm2", LayerNorm(LayerNormOptions(E).eps(options.layer_norm_eps())));
  dropout1 = register_module("dropout1", Dropout(options.dropout()));
  dropout2 = register_module("dropout2", Dropout(options.dropout()));
}

void TransformerEncoderLayerImpl::reset_parameters() {
  self_attn->reset_parameters();
  linear1->reset_parameters();
  linear2->reset_parameters();
  norm1->reset_parameters();
  norm2->reset_parameters();
}

Tensor TransformerEncoderLayerImpl::forward(const Tensor& src, const Tensor& src_mask,
                                            const Tensor& src_key_padding_mask) {
  check_sequence("TransformerEncoderLayer", "src", src, options.d_model(), options.batch_first());
  auto self_attention = [&](const Tensor& x) {
    return dropout1(std::get<0>(self_attn(x, x, x, src_key_padding_mask, /*need_weights=*/false, src_mask)));
  };
  auto feed_forward = [&](const Tensor& x) {
    return dropout2(linear2(dropout(options.activation()(linear1(x)))));
  };
  Tensor x = src;
  if (options.norm_first()) {
    x = x + self_attention(norm1(x));
    return x + feed_forward(norm2(x));
  }
  x = norm1(x + self_attention(x));
  return norm2(x + feed_forward(x));
}

// ---------------------------------------------------------------- TransformerDecoderLayer

TransformerDecoderLayerImpl::TransformerDecoderLayerImpl(const TransformerDecoderLayerOptions& options_)
    : Module("TransformerDecoderLayer"), options(options_) {
  const int64_t E = options.d_model();
  check_layer_options("TransformerDecoderLayer", E, options.nhead(), options.dim_feedforward(), options.dropout());
  auto attention = [&] {
    return MultiheadAttention(
        MultiheadAttentionOptions(E, options.nhead()).dropout(options.dropout()).batch_first(options.batch_first()));
  };
  auto norm = [&] { return LayerNorm(LayerNormOptions(E).eps(options.layer_norm_eps())); };
  // PyTorch's registration order (its state_dict order), not the members' order.
  self_attn = register_module("self_attn", attention());
  multihead_attn = register_module("multihead_attn", attention());
  linear1 = register_module("linear1", Linear(E, options.dim_feedforward()));
  dropout = register_module("dropout", Dropout(options.dropout()));
  linear2 = register_module("linear2", Linear(options.dim_feedforward(), E));
  norm1 = register_module("norm1", norm());
  norm2 = register_module("norm2", norm());
  norm3 = register_module("norm3", norm());
  dropout1 = register_module("dropout1", Dropout(options.dropout()));
  dropout2 = register_module("dropout2", Dropout(options.dropout()));
  dropout3 = register_module("dropout3", Dropout(options.dropout()));
}

void TransformerDecoderLayerImpl::reset_parameters() {
  self_attn->reset_parameters();
  multihead_attn->reset_parameters();
  linear1->reset_parameters();
  linear2->reset_parameters();
  norm1->reset_parameters();
  norm2->reset_parameters();
  norm3->reset_parameters();
}

Tensor TransformerDecoderLayerImpl::forward(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask,
                                            const Tensor& memory_mask, const Tensor& tgt_key_padding_mask,
                                            const Tensor& memory_key_padding_mask) {
  const char* name = "TransformerDecoderLayer";
  check_sequence(name, "tgt", tgt, options.d_model(), options.batch_first());
  check_sequence(name, "memory", memory, options.d_model(), options.batch_first());
  EMBER_CHECK(tgt.dim() == memory.dim(), "{}: tgt {} and memory {} must both be batched or both unbatched", name,
              tgt.sizes(), memory.sizes());
  auto self_attention = [&](const Tensor& x) {
    return dropout1(std::get<0>(self_attn(x, x, x, tgt_key_padding_mask, /*need_weights=*/false, tgt_mask)));
  };
  auto cross_attention = [&](const Tensor& x) {
    return dropout2(
        std::get<0>(multihead_attn(x, memory, memory, memory_key_padding_mask, /*need_weights=*/false, memory_mask)));
  };
  auto feed_forward = [&](const Tensor& x) {
    return dropout3(linear2(dropout(options.activation()(linear1(x)))));
  };
  Tensor x = tgt;
  if (options.norm_first()) {
    x = x + self_attention(norm1(x));
    x = x + cross_attention(norm2(x));
    return x + feed_forward(norm3(x));
  }
  x = norm1(x + self_attention(x));
  x = norm2(x + cross_attention(x));
  return norm3(x + feed_forward(x));
}

// ---------------------------------------------------------------- TransformerEncoder / Decoder

TransformerEncoderImpl::TransformerEncoderImpl(TransformerEncoderOptions options_)
    : Module("TransformerEncoder"), options(std::move(options_)) {
  EMBER_CHECK(!options.encoder_layer().is_empty(), "TransformerEncoder: encoder_layer is empty");
  EMBER_CHECK(options.num_layers() >= 0, "TransformerEncoder: num_layers must be non-negative, got {}",
              options.num_layers());
  layers = register_module("layers", ModuleList());
  for (int64_t i = 0; i < options.num_layers(); ++i) layers->push_back(copy_layer(options.encoder_layer()));
  if (options.norm()) norm = register_module("norm", options.norm());
}

void TransformerEncoderImpl::reset_parameters() {
  for (const auto& layer : *layers) static_cast<TransformerEncoderLayerImpl&>(*layer).reset_parameters();
  if (auto* ln = dynamic_cast<LayerNormImpl*>(norm.get())) ln->reset_parameters();
}

Tensor TransformerEncoderImpl::forward(const Tensor& src, const Tensor& src_mask, const Tensor& src_key_padding_mask) {
  Tensor x = src;
  for (const auto& layer : *layers)
    x = static_cast<TransformerEncoderLayerImpl&>(*layer).forward(x, src_mask, src_key_padding_mask);
  return norm ? norm->call(x) : x;
}

TransformerDecoderImpl::TransformerDecoderImpl(TransformerDecoderOptions options_)
    : Module("TransformerDecoder"), options(std::move(options_)) {
  EMBER_CHECK(!options.decoder_layer().is_empty(), "TransformerDecoder: decoder_layer is empty");
  EMBER_CHECK(options.num_layers() >= 0, "TransformerDecoder: num_layers must be non-negative, got {}",
              options.num_layers());
  layers = register_module("layers", ModuleList());
  for (int64_t i = 0; i < options.num_layers(); ++i) layers->push_back(copy_layer(options.decoder_layer()));
  if (options.norm()) norm = register_module("norm", options.norm());
}

void TransformerDecoderImpl::reset_parameters() {
  for (const auto& layer : *layers) static_cast<TransformerDecoderLayerImpl&>(*layer).reset_parameters();
  if (auto* ln = dynamic_cast<LayerNormImpl*>(norm.get())) ln->reset_parameters();
}

Tensor TransformerDecoderImpl::forward(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask,
                                       const Tensor& memory_mask, const Tensor& tgt_key_padding_mask,
                                       const Tensor& memory_key_padding_mask) {
  Tensor x = tgt;
  for (const auto& layer : *layers)
    x = static_cast<TransformerDecoderLayerImpl&>(*layer).forward(x, memory, tgt_mask, memory_mask,
                                                                  tgt_key_padding_mask, memory_key_padding_mask);
  return norm ? norm->call(x) : x;
}

// ---------------------------------------------------------------- Transformer

TransformerImpl::TransformerImpl(TransformerOptions options_) : Module("Transformer"), options(std::move(options_)) {
  const TransformerOptions& o = options;
  if (!o.custom_encoder().is_empty()) {
    encoder = register_module("encoder", o.custom_encoder());
  } else {
    TransformerEncoderLayer layer(TransformerEncoderLayerOptions(o.d_model(), o.nhead())
                                      .dim_feedforward(o.dim_feedforward())
                                      .dropout(o.dropout())
                                      .activation(o.activation())
                                      .layer_norm_eps(o.layer_norm_eps())
                                      .batch_first(o.batch_first())
                                      .norm_first(o.norm_first()));
    LayerNorm norm(LayerNormOptions(o.d_model()).eps(o.layer_norm_eps()));
    encoder = register_module("encoder",
                              TransformerEncoder(TransformerEncoderOptions(layer, o.num_encoder_layers()).norm(norm)));
  }
  if (!o.custom_decoder().is_empty()) {
    decoder = register_module("decoder", o.custom_decoder());
  } else {
    TransformerDecoderLayer layer(TransformerDecoderLayerOptions(o.d_model(), o.nhead())
                                      .dim_feedforward(o.dim_feedforward())
                                      .dropout(o.dropout())
                                      .activation(o.activation())
                                      .layer_norm_eps(o.layer_norm_eps())
                                      .batch_first(o.batch_first())
                                      .norm_first(o.norm_first()));
    LayerNorm norm(LayerNormOptions(o.d_model()).eps(o.layer_norm_eps()));
    decoder = register_module("decoder",
                              TransformerDecoder(TransformerDecoderOptions(layer, o.num_decoder_layers()).norm(norm)));
  }
  reset_parameters();
}

void TransformerImpl::reset_parameters() { xavier_matrices(*this); }

Tensor TransformerImpl::forward(const Tensor& src, const Tensor& tgt, const Tensor& src_mask, const Tensor& tgt_mask,
                                const Tensor& memory_mask, const Tensor& src_key_padding_mask,
                                const Tensor& tgt_key_padding_mask, const Tensor& memory_key_padding_mask) {
  EMBER_CHECK(src.defined() && tgt.defined(), "Transformer: src and tgt must be defined");
  EMBER_CHECK((src.dim() == 3 || src.dim() == 2) && src.dim() == tgt.dim(),
              "Transformer: src {} and tgt {} must both be batched (3 dims) or both unbatched (2 dims)", src.sizes(),
              tgt.sizes());
  const int64_t batch_dim = options.batch_first() ? 0 : 1;
  EMBER_CHECK(src.dim() == 2 || src.size(batch_dim) == tgt.size(batch_dim),
              "Transformer: the batch number of src {} and tgt {} must be equal", src.sizes(), tgt.sizes());
  EMBER_CHECK(src.size(-1) == options.d_model() && tgt.size(-1) == options.d_model(),
              "Transformer: the feature number of src {} and tgt {} must be equal to d_model {}", src.sizes(),
              tgt.sizes(), options.d_model());
  Tensor memory = encoder->forward(src, src_mask, src_key_padding_mask);
  return decoder->forward(tgt, memory, tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask);
}

Tensor TransformerImpl::generate_square_subsequent_mask(int64_t sz) {
  EMBER_CHECK(sz >= 0, "Transformer::generate_square_subsequent_mask: sz must be non-negative, got {}", sz);
  return ember::full({sz, sz}, -std::numeric_limits<double>::infinity()).triu(1);
}

}  // namespace nn
}  // namespace ember
