#pragma once
// The layer kinds by name, as Caffe's layer registry has them: what the config's `type` may be.
#include <string_view>
#include <vector>

#include "layers/layer_descriptor.hpp"

namespace expt {

// Every kind, in LayerKind's order, which is also the order of the schema's tables.
const std::vector<const LayerDescriptor*>& layer_descriptors();
const LayerDescriptor& layer_descriptor(LayerKind);
const LayerDescriptor* find_layer_descriptor(std::string_view type);  // nullptr for an unknown type

// Whether a relu follows the layer's own operation (conv2d and dense with `activation: relu`).
bool fuses_relu(const LayerSpec&);

}  // namespace expt
