#pragma once
// The descriptor of each layer kind, one function per kind; layers/layer_registry.cpp lists them.
#include "layers/layer_descriptor.hpp"

namespace expt {

const LayerDescriptor& conv2d_layer();
const LayerDescriptor& max_pool_layer();
const LayerDescriptor& avg_pool_layer();
const LayerDescriptor& relu_layer();
const LayerDescriptor& dropout_layer();
const LayerDescriptor& flatten_layer();
const LayerDescriptor& dense_layer();

}  // namespace expt
