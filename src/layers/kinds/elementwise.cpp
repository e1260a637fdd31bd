// dropout, and the element-wise shape rule it shares with the activations.
#include "layers/kinds/elementwise.hpp"

#include "layers/kinds/kinds.hpp"

namespace expt {

void plan_elementwise(LayerPlanner& p) {
  PlannedLayer& l = p.layer();
  l.out = l.in;
  l.forward_flops = static_cast<double>(p.size(l.in));
}

const LayerDescriptor& dropout_layer() {
  static const LayerDescriptor d{
      .kind = LayerKind::dropout,
      .type = "dropout",
      .summary = "During training, zeroes each element with probability `rate` and scales the rest by 1 / (1 - rate); "
                 "the identity at evaluation, and everywhere when `training.dropout` is false. Note: `rate` is the "
                 "fraction DROPPED (Keras's convention), not TensorFlow 1's keep_prob.",
      .defaults = LayerSpec{},
      .keys = {required(number_key("rate", &LayerSpec::rate, fraction(), "fraction", "fraction of elements dropped"))},
      .plan = plan_elementwise,
      .graph_op = [](const LayerSpec& s) {
        return GraphOp{"Dropout", "Dropout", {{"rate", static_cast<float>(s.rate)}}};
      },
  };
  return d;
}

}  // namespace expt
