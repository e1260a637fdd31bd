#pragma once
// The shape rule of element-wise layers (the activations, dropout): the output has the input's
// shape, and each element costs one operation.
#include "layers/layer_planner.hpp"

namespace expt {

void plan_elementwise(LayerPlanner&);

}  // namespace expt
