#pragma once
// Keys that conv2d and dense share: a fused activation, the bias, and how both start.
#include "layers/layer_key.hpp"

namespace expt {

LayerKey activation_key();
// The fused activation's alpha; when absent, PyTorch's default for the activation.
LayerKey activation_alpha_key();
LayerKey use_bias_key();
LayerKey weights_init_key();

}  // namespace expt
