// dense: fully connected, with a fused bias and activation.
#include "layers/kinds/kinds.hpp"
#include "layers/kinds/weighted.hpp"
#include "layers/layer_planner.hpp"

namespace expt {

namespace {

void plan_dense(LayerPlanner& p) {
  const LayerSpec& s = p.spec();
  if (s.units <= 0) p.fail("units must be positive");
  const int64_t in = p.size(p.in());  // implicit flatten in channel-height-width order
  p.layer().out = Shape{s.units, 1, 1};
  p.add_weight_and_bias({s.units, in}, in, s.units);
  p.layer().forward_flops = 2.0 * static_cast<double>(p.product({in, s.units}));
}

}  // namespace

const LayerDescriptor& dense_layer() {
  static const LayerDescriptor d{
      .kind = LayerKind::dense,
      .type = "dense",
      .summary = "Fully connected layer; flattens its input in channel-height-width order.",
      .defaults = LayerSpec{},
      .keys = {required(units_key("units", &LayerSpec::units,
                                  "outputs; `classes` = the data set's class count (what the last layer needs)")),
               activation_key(), activation_alpha_key(), use_bias_key(), weights_init_key()},
      .plan = plan_dense,
      .graph_op = [](const LayerSpec&) { return GraphOp{"MatMul", "MatMul", {}}; },
  };
  return d;
}

}  // namespace expt
