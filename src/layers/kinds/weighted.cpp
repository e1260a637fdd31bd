#include "layers/kinds/weighted.hpp"

#include "layers/layer_names.hpp"

namespace expt {

LayerKey activation_key() {
  return choice_key("activation", EnumField<Activation>{&LayerSpec::activation, activation_names},
                    "applied to the output; the last dense layer must have none (it produces the logits)");
}

LayerKey use_bias_key() { return bool_key("use_bias", &LayerSpec::use_bias, "add a bias per output"); }

LayerKey weights_init_key() { return init_key("how the weights and the bias start"); }

}  // namespace expt
