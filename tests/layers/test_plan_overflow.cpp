// Sizes from the config may be absurd: a product that does not fit in 64 bits is a config error
// that names the layer, never an overflow.
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>

#include <fmt/format.h>

#include "core/error.hpp"
#include "layers/network_plan.hpp"

using namespace expt;

namespace {

constexpr int64_t huge = std::numeric_limits<int64_t>::max();

LayerSpec layer(LayerKind kind, const char* name) {
  LayerSpec s;
  s.kind = kind;
  s.name = name;
  return s;
}
LayerSpec conv(int64_t filters, int64_t kernel_h, int64_t kernel_w) {
  LayerSpec s = layer(LayerKind::conv2d, "conv1");
  s.filters = filters;
  s.kernel_h = kernel_h;
  s.kernel_w = kernel_w;
  return s;
}
LayerSpec dense(int64_t units, const char* name) {
  LayerSpec s = layer(LayerKind::dense, name);
  s.units = units;
  return s;
}

std::string plan_error(const std::vector<LayerSpec>& layers, Shape input) {
  try {
    plan_network(layers, input, 2);
  } catch (const ConfigError& e) {
    return e.what();
  }
  FAIL("the network planned, but an overflow error was expected");
  return "";
}

}  // namespace

TEST_CASE("a kernel near 2^63 is a config error naming the layer") {
  const std::string message = plan_error({conv(4, huge, huge), dense(2, "out")}, Shape{1, 8, 8});
  CHECK(message.starts_with("model.layers[0] (conv2d 'conv1'): the size "));
  CHECK(message.find("does not fit in 64 bits") != std::string::npos);
  // A small kernel, but filters x kernel area overflows.
  CHECK(plan_error({conv(huge / 2, 3, 3), dense(2, "out")}, Shape{4, 8, 8})
            .starts_with("model.layers[0] (conv2d 'conv1'): the size "));
}

TEST_CASE("an image near 2^63 pixels is a config error") {
  CHECK(plan_error({dense(2, "out")}, Shape{1, huge, huge}) ==
        fmt::format("input shape 1x{0}x{0} has more elements than 64 bits can count", huge));
  // It fits, but the dense layer's weight does not.
  CHECK(plan_error({dense(16, "hidden"), dense(2, "out")}, Shape{1, int64_t{1} << 31, int64_t{1} << 31})
            .starts_with("model.layers[0] (dense 'hidden'): the size "));
}

TEST_CASE("running totals are checked too") {
  // Each layer's output fits; the activations kept for backward, summed, would not.
  const int64_t side = int64_t{1} << 31;
  CHECK(plan_error({layer(LayerKind::relu, "r"), dense(2, "out")}, Shape{1, side, side})
            .starts_with("model.layers[0] (relu 'r'): the size "));
}
