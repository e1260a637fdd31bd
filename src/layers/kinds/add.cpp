// add: the element-wise sum of two or more earlier outputs of one shape, the join of a residual
// block (PyTorch's `out += identity`).
#include <fmt/format.h>

#include "layers/kinds/kinds.hpp"
#include "layers/layer_planner.hpp"

namespace expt {

namespace {

// plan_network has resolved the inputs and checked that there are at least two.
void plan_add(LayerPlanner& p) {
  PlannedLayer& l = p.layer();
  for (size_t k = 1; k < l.inputs.size(); ++k)
    if (p.input_shape(k) != p.input_shape(0))
      p.fail(fmt::format("inputs: '{}' gives {} but '{}' gives {}; add sums tensors of one shape (a shortcut that "
                         "changes the shape needs a 1x1 conv2d with the block's stride and filters)",
                         p.spec().inputs[0], p.input_shape(0).str(), p.spec().inputs[k], p.input_shape(k).str()));
  l.out = l.in;
  l.forward_flops = static_cast<double>(p.product({p.size(l.in), static_cast<int64_t>(l.inputs.size() - 1)}));
}

}  // namespace

const LayerDescriptor& add_layer() {
  static const LayerDescriptor d{
      .kind = LayerKind::add,
      .type = "add",
      .summary = "Sums the outputs of the layers named in `inputs` element by element; they must have one shape. "
                 "The join of a residual block: follow it with a `relu` layer for ResNet's activation after the sum. "
                 "Reads only `inputs`, not `input`.",
      .defaults = LayerSpec{},
      .keys = {required(layer_names_key("inputs", &LayerSpec::inputs,
                                        "two or more earlier layers (or `input`, the network input), by name"))},
      .plan = plan_add,
      .graph_op = [](const LayerSpec&) { return GraphOp{"AddN", "AddN", {}}; },
  };
  return d;
}

}  // namespace expt
