#include "layers/layer_registry.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "layers/kinds/kinds.hpp"

namespace expt {

const std::vector<const LayerDescriptor*>& layer_descriptors() {
  static const std::vector<const LayerDescriptor*> all{
      &conv2d_layer(), &max_pool_layer(), &avg_pool_layer(), &relu_layer(),
      &dropout_layer(), &flatten_layer(), &dense_layer(),
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

bool fuses_relu(const LayerSpec& spec) {
  return spec.activation == Activation::relu && layer_descriptor(spec.kind).find("activation");
}

}  // namespace expt
