#include "layers/layer_registry.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "layers/kinds/kinds.hpp"

namespace expt {

const std::vector<const LayerDescriptor*>& layer_descriptors() {
  static const std::vector<const LayerDescriptor*> all{
      &conv2d_layer(),     &max_pool_layer(), &avg_pool_layer(), &relu_layer(),    &dropout_layer(),
      &flatten_layer(),    &dense_layer(),    &leaky_relu_layer(), &elu_layer(),    &gelu_layer(),
      &tanh_layer(),       &sigmoid_layer(),  &silu_layer(),       &global_avg_pool_layer(), &batch_norm_layer(),
      &add_layer(),
      &spatial_dropout_layer(),
  };
  return all;
}

const LayerDescriptor& layer_descriptor(LayerKind kind) {
  for (const auto* d : layer_descriptors())
    if (d->kind == kind) return *d;
  throw std::logic_error(fmt::format("layer kind {} has no descriptor", static_cast<int>(kind)));
}

const LayerDescriptor* find_layer_descriptor(std::string_view type) {
  for (const auto* d : layer_descriptors())
    if (d->type == type) return d;
  return nullptr;
}

const char* to_string(LayerKind kind) { return layer_descriptor(kind).type.c_str(); }

ActivationFunction fused_activation(const LayerSpec& spec) {
  if (!layer_descriptor(spec.kind).find("activation")) return {};
  return {spec.activation, static_cast<float>(spec.alpha)};
}

ActivationFunction layer_activation(const LayerSpec& spec) {
  return {layer_descriptor(spec.kind).activation, static_cast<float>(spec.alpha)};
}

const char* graph_op_type(Activation a) {
  switch (a) {
    case Activation::none: return "Identity";
    case Activation::relu: return "Relu";
    case Activation::leaky_relu: return "LeakyRelu";
    case Activation::elu: return "Elu";
    case Activation::gelu: return "Gelu";
    case Activation::tanh: return "Tanh";
    case Activation::sigmoid: return "Sigmoid";
    case Activation::silu: return "Silu";
  }
  return "Identity";
}

}  // namespace expt
