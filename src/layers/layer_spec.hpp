#pragma once
// What a layer is, as the config describes it: plain data, independent of any backend. Which
// fields a kind uses, and under which config keys, its descriptor says (layers/kinds/).
#include <cstdint>
#include <string>
#include <vector>

namespace expt {

enum class LayerKind {
  conv2d, max_pool, avg_pool, relu, dropout, flatten, dense,
  leaky_relu, elu, gelu, tanh, sigmoid, silu, global_avg_pool, batch_norm, add, spatial_dropout,
};
// The activation layer kinds as case labels, for the backends' switches over LayerKind: each
// backend runs them all with one kernel, given layer_activation(spec) (layers/layer_registry.hpp).
#define EXPT_ACTIVATION_LAYER_CASES \
  case LayerKind::relu:             \
  case LayerKind::leaky_relu:       \
  case LayerKind::elu:              \
  case LayerKind::gelu:             \
  case LayerKind::tanh:             \
  case LayerKind::sigmoid:          \
  case LayerKind::silu

enum class Padding { same, valid };  // `same` follows TensorFlow: extra padding goes bottom/right
// The element-wise functions, as layers of their own and fused into conv2d and dense
// (layers/activation.hpp has their formulas).
enum class Activation { none, relu, leaky_relu, elu, gelu, tanh, sigmoid, silu };

// `input: input`: the layer reads the network's input (the batch) rather than a layer's output.
// No layer may take this name.
inline constexpr const char* network_input_name = "input";

const char* to_string(LayerKind);  // the config's `type`: "conv2d", "max_pool", ...
const char* to_string(Padding);

// How a parameter tensor starts. fan_in/fan_out come from the parameter's shape.
struct InitSpec {
  enum class Kind {
    truncated_normal,  // normal(mean, stddev), redrawn outside mean +- 2 stddev (TensorFlow's rule)
    normal,
    uniform,           // uniform(low, high)
    constant,          // value
    glorot_uniform,
    glorot_normal,     // truncated at 2 sigma like Keras
    he_uniform,
    he_normal,
  };
  Kind kind = Kind::constant;
  double mean = 0.0;
  double stddev = 0.1;
  double low = -0.05;
  double high = 0.05;
  double value = 0.0;
};

struct LayerSpec {
  LayerKind kind = LayerKind::relu;
  std::string name;  // unique; given or derived as "<type><index>"
  // The layer whose output this one reads: empty for the previous layer (the network input for
  // the first), `network_input_name` for the network input, or an earlier layer's name.
  std::string input = {};  // `= {}`: designated initializers may leave it out without a warning
  // add: the layers whose outputs it sums, by name (as `input` names them); two or more.
  std::vector<std::string> inputs = {};
  // Every kind (meaningful where there are parameters): false freezes them (no gradients, no
  // optimizer state, the optimizer leaves them alone); the learning rate is scaled per layer.
  bool trainable = true;
  double lr_multiplier = 1.0;

  // conv2d
  int64_t filters = 0;
  // conv2d and pooling: kernel (pool size) and stride, per dimension
  int64_t kernel_h = 0, kernel_w = 0;
  int64_t stride_h = 1, stride_w = 1;
  Padding padding = Padding::same;
  // conv2d and dense
  Activation activation = Activation::none;
  bool use_bias = true;
  InitSpec weight_init{InitSpec::Kind::truncated_normal};
  InitSpec bias_init{InitSpec::Kind::constant};
  // dense
  int64_t units = 0;
  // dropout and spatial_dropout: fraction of elements (channels) dropped during training
  double rate = 0.0;
  // leaky_relu's slope below zero, elu's saturation value; as a layer or fused (`activation_alpha`)
  double alpha = 0.0;
  // batch_norm: running = (1 - momentum) * running + momentum * batch statistic (PyTorch's
  // convention), and the epsilon added to the variance before its square root
  double momentum = 0.1;
  double epsilon = 1e-5;
};

}  // namespace expt
