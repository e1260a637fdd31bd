// The activation layers: one element-wise function each (layers/activation.hpp), the same ones
// conv2d and dense fuse through their `activation` key.
#include <stdexcept>

#include "layers/activation.hpp"
#include "layers/kinds/elementwise.hpp"
#include "layers/kinds/kinds.hpp"
#include "layers/layer_names.hpp"
#include "layers/layer_registry.hpp"

namespace expt {

namespace {

GraphOp activation_op(const LayerSpec& s) {
  const char* type = graph_op_type(layer_activation(s).kind);
  GraphOp op{type, type, {}};
  if (layer_descriptor(s.kind).find("alpha")) op.attrs.push_back({"alpha", static_cast<float>(s.alpha)});
  return op;
}

// The layer's type is the activation's name; `alpha_doc`, when not empty, gives it an `alpha` key.
LayerDescriptor activation_layer(LayerKind kind, Activation activation, std::string summary,
                                 std::string alpha_doc = {}) {
  LayerSpec defaults;
  defaults.alpha = default_alpha(activation);
  std::vector<LayerKey> keys;
  if (!alpha_doc.empty()) keys.push_back(number_key("alpha", &LayerSpec::alpha, at_least(0), "", std::move(alpha_doc)));
  return {
      .kind = kind,
      .type = std::string(name_of(activation_names, activation)),
      .summary = std::move(summary),
      .defaults = defaults,
      .keys = std::move(keys),
      .plan = plan_elementwise,
      .graph_op = activation_op,
      .activation = activation,
  };
}

// One table, so that each kind's function below only picks its entry.
const LayerDescriptor& activation_descriptor(Activation a) {
  static const LayerDescriptor all[] = {
      activation_layer(LayerKind::relu, Activation::relu, "max(x, 0), elementwise. No keys besides `type` and `name`."),
      activation_layer(LayerKind::leaky_relu, Activation::leaky_relu,
                       "x for x > 0, else alpha * x, elementwise (PyTorch's LeakyReLU).", "slope below zero"),
      activation_layer(LayerKind::elu, Activation::elu,
                       "x for x > 0, else alpha * (exp(x) - 1), elementwise (PyTorch's ELU).",
                       "the value the output approaches for large negative x, negated"),
      activation_layer(LayerKind::gelu, Activation::gelu,
                       "x * Phi(x), Phi the standard normal CDF, elementwise: the exact erf form (PyTorch's GELU "
                       "default), not the tanh approximation. No keys besides `type` and `name`."),
      activation_layer(LayerKind::tanh, Activation::tanh, "tanh(x), elementwise. No keys besides `type` and `name`."),
      activation_layer(LayerKind::sigmoid, Activation::sigmoid,
                       "1 / (1 + exp(-x)), elementwise. No keys besides `type` and `name`."),
      activation_layer(LayerKind::silu, Activation::silu,
                       "x * sigmoid(x), elementwise (also called swish). No keys besides `type` and `name`."),
  };
  for (const LayerDescriptor& d : all)
    if (d.activation == a) return d;
  throw std::logic_error("no activation layer for this activation");
}

}  // namespace

const LayerDescriptor& relu_layer() { return activation_descriptor(Activation::relu); }
const LayerDescriptor& leaky_relu_layer() { return activation_descriptor(Activation::leaky_relu); }
const LayerDescriptor& elu_layer() { return activation_descriptor(Activation::elu); }
const LayerDescriptor& gelu_layer() { return activation_descriptor(Activation::gelu); }
const LayerDescriptor& tanh_layer() { return activation_descriptor(Activation::tanh); }
const LayerDescriptor& sigmoid_layer() { return activation_descriptor(Activation::sigmoid); }
const LayerDescriptor& silu_layer() { return activation_descriptor(Activation::silu); }

}  // namespace expt
