#pragma once
// What a layer is, as the config describes it: plain data, independent of any backend. Which
// fields a kind uses, and under which config keys, its descriptor says (layers/kinds/).
#include <cstdint>
#include <string>
#include <vector>

namespace expt {

enum class LayerKind { conv2d, max_pool, avg_pool, relu, dropout, flatten, dense };
enum class Padding { same, valid };  // `same` follows TensorFlow: extra padding goes bottom/right
enum class Activation { none, relu };

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
  // dropout: fraction of elements dropped during training
  double rate = 0.0;
};

}  // namespace expt
