#pragma once
// The layer kinds by name, as Caffe's layer registry has them: what the config's `type` may be.
#include <string_view>
#include <vector>

#include "layers/activation.hpp"
#include "layers/layer_descriptor.hpp"

namespace expt {

// Every kind, in LayerKind's order, which is also the order of the schema's tables.
const std::vector<const LayerDescriptor*>& layer_descriptors();
const LayerDescriptor& layer_descriptor(LayerKind);
const LayerDescriptor* find_layer_descriptor(std::string_view type);  // nullptr for an unknown type

// The activation that follows the layer's own operation: conv2d's and dense's `activation`
// (none for other kinds).
ActivationFunction fused_activation(const LayerSpec&);
// What an activation layer (relu, gelu, ...) computes; none for other kinds.
ActivationFunction layer_activation(const LayerSpec&);
// The TensorFlow op type TensorBoard draws for an activation ("Relu", "LeakyRelu", ...).
const char* graph_op_type(Activation);

}  // namespace expt
