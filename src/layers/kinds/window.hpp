#pragma once
// What conv2d and the pools share: a kernel window slid with a stride over the input, with
// TensorFlow's `same` or `valid` padding; its keys, shape rule and graph attributes.
#include <cstdint>
#include <string>
#include <vector>

#include "layers/layer_descriptor.hpp"
#include "layers/layer_planner.hpp"

namespace expt {

inline constexpr Size2Field kernel_field{&LayerSpec::kernel_h, &LayerSpec::kernel_w};

LayerKey stride_key(std::string doc);
LayerKey padding_key(std::string doc);

struct WindowOutput {
  int64_t h = 0, w = 0;
};
// Checks kernel and stride, fills the layer's padding and returns the output's height and
// width; fails, naming the layer, when the window does not fit its padded input.
WindowOutput plan_window(LayerPlanner&);

// strides, padding and data_format, as TensorFlow's Conv2D, MaxPool and AvgPool take them.
std::vector<GraphAttr> window_graph_attrs(const LayerSpec&);

}  // namespace expt
