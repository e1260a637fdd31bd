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
const LayerDescriptor& leaky_relu_layer();
const LayerDescriptor& elu_layer();
const LayerDescriptor& gelu_layer();
const LayerDescriptor& tanh_layer();
const LayerDescriptor& sigmoid_layer();
const LayerDescriptor& silu_layer();
const LayerDescriptor& global_avg_pool_layer();
const LayerDescriptor& batch_norm_layer();
const LayerDescriptor& add_layer();
const LayerDescriptor& spatial_dropout_layer();

}  // namespace expt
