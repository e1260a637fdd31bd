// flatten: CxHxW to a vector; the data stay as they are.
#include "layers/kinds/kinds.hpp"
#include "layers/layer_planner.hpp"

namespace expt {

const LayerDescriptor& flatten_layer() {
  static const LayerDescriptor d{
      .kind = LayerKind::flatten,
      .type = "flatten",
      .summary = "Reshapes CxHxW to a vector in channel-height-width order. Optional: `dense` flattens its input "
                 "itself.",
      .defaults = LayerSpec{},
      .keys = {},
      .plan = [](LayerPlanner& p) { p.layer().out = Shape{p.size(p.in()), 1, 1}; },
      .graph_op = [](const LayerSpec&) { return GraphOp{"Flatten", "Reshape", {}}; },
  };
  return d;
}

}  // namespace expt
