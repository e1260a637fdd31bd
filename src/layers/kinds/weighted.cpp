#include "layers/kinds/weighted.hpp"

#include "layers/activation.hpp"
#include "layers/layer_names.hpp"

namespace expt {

LayerKey activation_key() {
  return choice_key("activation", EnumField<Activation>{&LayerSpec::activation, activation_names},
                    "applied to the output; the last dense layer must have none (it produces the logits)");
}

LayerKey activation_alpha_key() {
  return defaults_by(number_key("activation_alpha", &LayerSpec::alpha, at_least(0), "",
                                "leaky_relu's slope below zero, elu's saturation value; unused by the others"),
                     "0.01 for leaky_relu, 1 for elu, else 0",
                     [](LayerSpec& s) { s.alpha = default_alpha(s.activation); });
}

LayerKey use_bias_key() { return bool_key("use_bias", &LayerSpec::use_bias, "add a bias per output"); }

LayerKey weights_init_key() { return init_key("how the weights and the bias start"); }

}  // namespace expt
