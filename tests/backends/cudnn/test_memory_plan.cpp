// The memory estimate is host arithmetic, so unlike the rest of tests/gpu it runs everywhere.
#include <doctest/doctest.h>

#include "backends/cudnn/device_allocator.hpp"
#include "backends/cudnn/memory_plan.hpp"
#include "cudnn_parity.hpp"

namespace expt::gpu_test {

using cudnn::plan_memory;

TEST_CASE("cudnn memory plan: fixed and per-sample bytes, largest batch, the item that overflows") {
  // 3x8x8 input; conv 4 filters 2x2 same: asymmetric padding, so a padded 3x9x9 copy is kept.
  const NetworkPlan plan = plan_network(named({conv(4, 2, 2, 1, Padding::same), pool(LayerKind::max_pool, 2, 2, Padding::valid),
                                               dense(3)}),
                                        Shape{3, 8, 8}, 3);
  const auto m = plan_memory(plan, 2);
  const int64_t reserve = int64_t{256} << 20;
  const int64_t params = plan.parameter_count() * 4 * 4;  // value, gradient, Adam's m and v
  CHECK(m.bytes_for(0) == reserve + params);
  const int64_t per_sample = (2 * 192 + 1) * 4          // input, its gradient, label
                             + (256 + 3 * 9 * 9) * 4      // conv output and padded input
                             + 64 * 4 + 64 * 4            // pool output and argmax
                             + 3 * 4                      // dense output
                             + 2 * 256 * 4                // ping-pong gradients (largest: conv output)
                             + 3 * 4 + 3 * 4;             // logits gradient; loss, hit, ones
  CHECK(m.bytes_for(1) - m.bytes_for(0) == per_sample);
  CHECK(m.largest_batch(m.bytes_for(10)) == 10);
  CHECK(m.largest_batch(m.bytes_for(10) - 1) == 9);
  CHECK(m.largest_batch(reserve) == 0);
  const auto* over = m.first_over(1000, reserve + params + 1000 * 1540);
  REQUIRE(over != nullptr);
  CHECK(over->owner == "layer 'conv2d0' (conv2d)");
  CHECK(m.first_over(10, m.bytes_for(10)) == nullptr);
}

TEST_CASE("cudnn memory plan: gelu and silu fused keep their pre-activation, the others do not") {
  for (const ActivationCase& a : activation_cases) {
    CAPTURE(to_string(a.layer));
    const auto per_sample = [&](Activation fused) {
      LayerSpec d = dense(7);
      d.activation = fused;
      const auto m = plan_memory(plan_network(named({d, dense(3)}), Shape{2, 3, 4}, 3), 2);
      return m.bytes_for(1) - m.bytes_for(0);
    };
    const bool keeps_input = a.fused == Activation::gelu || a.fused == Activation::silu;
    CHECK(per_sample(a.fused) - per_sample(Activation::none) == (keeps_input ? 7 * 4 : 0));
  }
}

TEST_CASE("cudnn memory sizes are printed in readable units") {
  CHECK(cudnn::format_bytes(512) == "512 B");
  CHECK(cudnn::format_bytes(int64_t{3} << 19) == "1.5 MiB");
  CHECK(cudnn::format_bytes(int64_t{3} << 29) == "1.50 GiB");
}

TEST_CASE("cudnn memory plan: frozen tensors have no gradient or optimizer state") {
  std::vector<LayerSpec> trained = frozen_trunk();
  for (LayerSpec& l : trained) l.trainable = true;
  const NetworkPlan frozen_plan = plan_network(frozen_trunk(), Shape{3, 8, 8}, 5);
  const NetworkPlan trained_plan = plan_network(trained, Shape{3, 8, 8}, 5);
  int64_t frozen_floats = 0;
  for (size_t i = 0; i < frozen_plan.params.size(); ++i)
    if (trained_plan.params[i].trainable && !frozen_plan.params[i].trainable) frozen_floats += frozen_plan.params[i].size();
  REQUIRE(frozen_floats > 0);
  // Adam: a gradient and two state slots per frozen float are not planned. The frozen batch
  // norm's two extra channel vectors (cuDNN's unused scale and shift gradients) come back.
  const int64_t batch_norm_sink = 2 * 6 * int64_t{sizeof(float)};
  CHECK(plan_memory(trained_plan, 2).bytes_for(4) - plan_memory(frozen_plan, 2).bytes_for(4) ==
        3 * frozen_floats * int64_t{sizeof(float)} - batch_norm_sink);
}

}  // namespace expt::gpu_test
