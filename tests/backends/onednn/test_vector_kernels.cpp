// The scalar path of dropout's backward scaling must round bf16 as oneDNN does
// (test_kernel_paths.cpp holds the vector paths to the same results), and parameters start with
// zero gradients and state.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "backends/onednn/dropout_mask.hpp"
#include "backends/onednn/factory.hpp"
#include "parity.hpp"

namespace expt::onednn_test {

TEST_CASE("dropout's backward scaling: zero where dropped, rounded to nearest even in bf16") {
  std::vector<float> x{1.0f, -2.0f, 3.0f, 0.5f};
  const std::vector<uint8_t> mask{1, 0, 1, 1};
  onednn::scale_kept(VectorIsa::scalar, x.data(), mask.data(), 2.0f, 4);
  CHECK(x == std::vector<float>{2.0f, 0.0f, 6.0f, 1.0f});
  // 1 + 2^-8 is a tie between two bf16 values: 1 + 2^-7 (odd) and 1 (even) -> 1.
  const uint16_t one = 0x3F80;
  std::vector<uint16_t> h{one, one};
  const std::vector<uint8_t> both{1, 0};
  onednn::scale_kept(VectorIsa::scalar, h.data(), both.data(), 1.0f + 0x1.0p-8f, 2);
  CHECK(h[0] == one);
  CHECK(h[1] == 0);
}

TEST_CASE("parameters are initialised in place: gradients start at zero") {
  // The initial values are staged in the gradient (and, for permuted dense weights, the first
  // state) buffer to keep peak memory down; both must be zero again afterwards.
  const auto layers = named({conv(8, 3, 1, Padding::same, Activation::relu),
                             pool(LayerKind::max_pool, 2, 2, 2, 2, Padding::same), dense(16, Activation::relu), dense(3)});
  NetworkOptions options;
  options.max_batch = 2;
  const NetworkPlan plan = plan_network(layers, Shape{3, 10, 10}, 3);
  auto net = make_onednn_backend()->build(plan, options);
  for (size_t i = 0; i < plan.params.size(); ++i) {
    CAPTURE(plan.params[i].name);
    std::vector<float> values(static_cast<size_t>(plan.params[i].size()));
    net->read_gradient(i, values);
    CHECK(std::all_of(values.begin(), values.end(), [](float v) { return v == 0.0f; }));
    for (int slot = 0; slot < 2; ++slot) {
      net->read_optimizer_state(i, slot, values);
      CHECK(std::all_of(values.begin(), values.end(), [](float v) { return v == 0.0f; }));
    }
    net->read_parameter(i, values);
    CHECK(std::any_of(values.begin(), values.end(), [](float v) { return v != 0.0f; }));
  }
}

}  // namespace expt::onednn_test
